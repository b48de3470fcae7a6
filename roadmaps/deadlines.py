"""Deadlines in every shape the documents use, resolved to real dates for an academic or a calendar year.

A deadline's shape never names a year: «май», «сентябрь – октябрь», «до 20.10», «в течение года»,
«ежеквартально», «1 раз в четверть», «1 раз в полугодие (не позднее 10 декабря и 10 июня)»,
«в течение двух недель с даты определения модели». For the academic year that starts on
1 September of ``start_year``, months 9–12 fall in ``start_year`` and months 1–8 in the next calendar
year. ``offset_years`` moves a deadline a year earlier (−1) for the preparation done in the spring
before the launch («май Х года» in seed 001). The seeds' own words for a deadline do name their years
(«Октябрь 2024 – май 2025»): ``DeadlineSpec.dated_for`` rewrites them for another year.

Some plans run by calendar year (seed 000 «на 2022 год», seed 002 «на 2021 год»): with ``calendar=True``
the year passed is the plan's calendar year and every month falls in it, January first — «до 15.02»
before «декабрь», as the paper reads. Plain
functions of dates: no time zone enters here; "today" is always ``timezone.localdate()``
(Europe/Moscow) at the caller.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, replace

KINDS = ("date", "months", "year", "quarterly", "per_term", "half_year", "relative", "schedule")

# «В течение учебного года»: lessons end in late May, so that is when a year-long item is due.
SCHOOL_YEAR_END = (5, 31)
# The four calendar quarters' ends inside an academic year.
QUARTER_ENDS = ((9, 30), (12, 31), (3, 31), (6, 30))
# Usual ends of the school terms (четверти).
TERM_ENDS = ((10, 31), (12, 28), (3, 22), (5, 31))
DEFAULT_HALF_YEAR = ((12, 10), (6, 10))  # seed 000; seed 002's district would set 20.12 and 20.05
# «В течение года» of a calendar plan: the year's last day.
CALENDAR_YEAR_END = (12, 31)

# A year in a deadline's words: four digits, or the typical order's blank «Х» before «года» / «г.».
YEAR_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|(?<!\w)Х(?=\s+г)")

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")


@dataclass(frozen=True)
class Window:
    """One occurrence: work may start on ``starts_on`` and is due on ``due_on``."""

    starts_on: datetime.date
    due_on: datetime.date


def on_day(start_year: int, month: int, day: int, offset_years: int = 0, *,
           calendar_year: bool = False) -> datetime.date:
    """The date of «day.month» inside the academic year (29 February becomes the 28th in other years);
    with ``calendar_year`` inside the calendar year ``start_year``."""
    if calendar_year:
        year = start_year + offset_years
    else:
        year = (start_year if month >= 9 else start_year + 1) + offset_years
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def month_end(start_year: int, month: int, offset_years: int = 0, *, calendar_year: bool = False) -> datetime.date:
    return on_day(start_year, month, 31, offset_years, calendar_year=calendar_year)


@dataclass(frozen=True)
class DeadlineSpec:
    kind: str
    text: str = ""
    month: int | None = None
    day: int | None = None
    start_month: int | None = None
    start_day: int | None = None
    from_month: int | None = None
    to_month: int | None = None
    after: str | None = None
    days: int | None = None
    offset_years: int = 0

    # --- JSON, as kept in RoadmapItem.deadline and the YAML templates --------------------------------

    @classmethod
    def from_json(cls, data: dict) -> DeadlineSpec:
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            raise ValueError(f"Неизвестный вид срока: {data!r}")
        spec = cls(
            kind=data["kind"], text=str(data.get("text", "")), month=data.get("month"), day=data.get("day"),
            start_month=data.get("start_month"), start_day=data.get("start_day"),
            from_month=data.get("from"), to_month=data.get("to"), after=data.get("after"), days=data.get("days"),
            offset_years=int(data.get("offset_years", 0)),
        )
        spec.validate()
        return spec

    def to_json(self) -> dict:
        data = {"kind": self.kind, "text": self.text}
        for key, value in (("month", self.month), ("day", self.day), ("start_month", self.start_month),
                           ("start_day", self.start_day), ("from", self.from_month), ("to", self.to_month),
                           ("after", self.after), ("days", self.days)):
            if value is not None:
                data[key] = value
        if self.offset_years:
            data["offset_years"] = self.offset_years
        return data

    def validate(self) -> None:
        def month_ok(value):
            return isinstance(value, int) and 1 <= value <= 12

        def day_ok(month, value):
            return isinstance(value, int) and 1 <= value <= calendar.monthrange(2024, month)[1]

        if self.kind == "date":
            if not month_ok(self.month) or not day_ok(self.month, self.day):
                raise ValueError("Для срока «к дате» нужны месяц и число.")
            if self.start_month is not None and (not month_ok(self.start_month)
                                                 or not day_ok(self.start_month, self.start_day or 1)):
                raise ValueError("Неверная дата начала.")
        elif self.kind == "months":
            if not month_ok(self.from_month) or not month_ok(self.to_month):
                raise ValueError("Для срока «месяц или месяцы» нужны первый и последний месяц.")
        elif self.kind == "year":
            if self.from_month is not None and not month_ok(self.from_month):
                raise ValueError("Неверный месяц начала.")
        elif self.kind == "relative":
            if not self.after or not isinstance(self.days, int) or self.days < 0:
                raise ValueError("Для срока «через N дней после» нужны мероприятие и число дней.")
        if self.offset_years not in (-1, 0, 1):
            raise ValueError("Сдвиг года может быть только −1, 0 или 1.")

    # --- resolution --------------------------------------------------------------------------------

    @property
    def is_relative(self) -> bool:
        return self.kind == "relative"

    def resolve(self, start_year: int, *, half_year=DEFAULT_HALF_YEAR,
                anchor: datetime.date | None = None, calendar_year: bool = False) -> list[Window]:
        """The occurrences of this deadline in the academic year ``start_year``/``start_year + 1``, or
        with ``calendar_year`` in the calendar year ``start_year`` (1 January – 31 December).

        ``half_year``: the municipality's two dates ((month, day), (month, day)). ``anchor``: for a
        relative deadline, the date of the item it follows (done, or else due).
        """
        year_start = datetime.date(start_year, 1, 1) if calendar_year else datetime.date(start_year, 9, 1)
        year_end = CALENDAR_YEAR_END if calendar_year else SCHOOL_YEAR_END
        shift = self.offset_years

        def day(month, day_):
            return on_day(start_year, month, day_, shift, calendar_year=calendar_year)

        def in_order(dates):  # a calendar year meets the school year's periods from January on
            return sorted(dates) if calendar_year else dates

        if self.kind == "date":
            start = day(self.start_month, self.start_day or 1) if self.start_month else None
            due = day(self.month, self.day)
            return [Window(min(start, due) if start else min(year_start, due), due)]
        if self.kind == "months":
            start, due = day(self.from_month, 1), month_end(start_year, self.to_month, shift,
                                                            calendar_year=calendar_year)
            if start > due:  # «май – сентябрь»: the spring before the school year
                start = on_day(start_year - 1, self.from_month, 1, shift, calendar_year=calendar_year)
            return [Window(start, due)]
        if self.kind in ("year", "schedule"):
            start = day(self.from_month, 1) if self.from_month else year_start
            return [Window(start, day(*year_end))]
        if self.kind == "quarterly":
            return _periods(year_start, in_order([day(m, d) for m, d in QUARTER_ENDS]))
        if self.kind == "per_term":
            return _periods(year_start, in_order([day(m, d) for m, d in TERM_ENDS]))
        if self.kind == "half_year":
            return _periods(year_start, sorted(day(m, d) for m, d in half_year))
        if self.kind == "relative":
            if anchor is None:
                raise ValueError("Срок отсчитывается от другого мероприятия, а его дата неизвестна.")
            return [Window(anchor, anchor + datetime.timedelta(days=self.days))]
        raise ValueError(self.kind)

    def dated_for(self, start_year: int, *, half_year=DEFAULT_HALF_YEAR, calendar_year: bool = False) -> DeadlineSpec:
        """This deadline with the years in its words («Октябрь 2024 – май 2025», «до 30.09.2020», «май Х
        года») made those of the academic year ``start_year``: one year becomes the due date's,
        two become the start's and the due date's. Other texts (no year, more years, a relative or
        repeating deadline) stay as written."""
        found = set(YEAR_IN_TEXT.findall(self.text))
        if "Х" in found and len(found) > 1:
            return self  # a blank beside real years: not ours to guess
        years = sorted(found)  # four-digit years sort as numbers do
        if not years or len(years) > 2 or self.is_relative:
            return self
        windows = self.resolve(start_year, half_year=half_year, calendar_year=calendar_year)
        if len(windows) != 1:
            return self
        window = windows[0]
        new = {years[-1]: window.due_on.year}
        if len(years) == 2:
            new[years[0]] = window.starts_on.year
        text = YEAR_IN_TEXT.sub(lambda match: str(new[match.group()]), self.text)
        return replace(self, text=text)

    def describe(self) -> str:
        """The deadline in words, for a new item typed into the portal (templates keep their own text)."""
        if self.text:
            return self.text
        if self.kind == "date":
            return f"до {self.day} {MONTHS_GENITIVE[self.month - 1]}"
        if self.kind == "months":
            names = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                     "октябрь", "ноябрь", "декабрь")
            first, last = names[self.from_month - 1], names[self.to_month - 1]
            return first if first == last else f"{first} – {last}"
        return {
            "year": "в течение года", "schedule": "по отдельному графику", "quarterly": "ежеквартально",
            "per_term": "1 раз в четверть", "half_year": "1 раз в полугодие",
            "relative": f"в течение {self.days} дней после п. {self.after}",
        }[self.kind]


def _periods(year_start: datetime.date, ends: list[datetime.date]) -> list[Window]:
    windows, start = [], year_start
    for end in ends:
        windows.append(Window(min(start, end), end))
        start = end + datetime.timedelta(days=1)
    return windows
