"""The mentor base and the mentee base as XLSX, in the column order of the methodology's forms.

The registry knows nothing of pairs. Columns about a pair (the other side, the form, dates,
results, links) are filled by a ``pair_info`` callable, passed in or registered by the app that
knows pairs with ``register_pair_info``:

    def pair_info(participant_ids: list[int]) -> dict[int, list[PairInfo]]: ...

It is called once per chunk of participants (so the number of queries does not grow with the
rows), and each participant gets one row per ``PairInfo``, or one row with empty pair columns.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from registry.models import Consent, Participant

CHUNK_SIZE = 2000
DATE_FORMAT = "DD.MM.YYYY"


@dataclass(frozen=True)
class PairInfo:
    """What the bases show of one pair, seen from the participant the row is about."""

    partner_name: str = ""  # the other side: the mentor in the mentee base, the mentee in the mentor base
    partner_place: str = ""  # the other side's place of work or study
    partner_request: str = ""  # the mentee's main request (mentor base only)
    form: str = ""  # форма наставничества
    place: str = ""  # место реализации программы
    started_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    results: str = ""
    case_url: str = ""
    photo_url: str = ""

    @property
    def period(self) -> str:
        if not self.started_on and not self.ended_on:
            return ""
        start = self.started_on.strftime("%d.%m.%Y") if self.started_on else "…"
        end = self.ended_on.strftime("%d.%m.%Y") if self.ended_on else "…"
        return f"{start} – {end}"


PairInfoProvider = Callable[[list[int]], dict[int, list[PairInfo]]]

NO_PAIR = PairInfo()

# The app that knows pairs registers how to fill their columns (mentoring's AppConfig.ready), so the
# registry serves both bases without importing it.
_pair_info_providers: dict[str, PairInfoProvider] = {}


def register_pair_info(base: str, provider: PairInfoProvider) -> None:
    if base not in ("mentors", "mentees"):
        raise ValueError(base)
    _pair_info_providers[base] = provider


@dataclass(frozen=True)
class ExportColumn:
    title: str
    width: int
    value: Callable[[Participant, PairInfo], object]


def _join(*parts) -> str:
    return "; ".join(str(part).strip() for part in parts if part and str(part).strip())


def _contacts(participant: Participant) -> str:
    return _join(participant.phone, participant.email)


def _mentee_contacts(participant: Participant) -> str:
    """The mentee's own contacts and, for a minor, the legal representative from the consent."""
    representatives = []
    for consent in getattr(participant, "representative_consents", []):
        if consent.representative_name not in representatives:
            relation = consent.get_representative_relation_display()
            representatives.append(
                f"{consent.representative_name} ({relation.lower()})" if relation else consent.representative_name
            )
    extra = [f"законный представитель: {name}" for name in representatives[:1]]
    return _join(participant.phone, participant.email, *extra)


def _topics(profile) -> list[str]:
    return [topic.name for topic in profile.topics.all()]


def _mentee_request(participant: Participant) -> str:
    profile = participant.mentee_profile
    return _join(*_topics(profile), profile.request)


def _mentor_place(participant: Participant) -> str:
    profile = participant.mentor_profile
    if profile.partner_id:
        return profile.partner.name
    if participant.is_outside_person:
        return participant.position
    return participant.organisation.short_name


def _mentor_role(participant: Participant) -> str:
    if participant.category == Participant.Category.STUDENT:
        return participant.class_name
    return participant.position


def _mentee_age(participant: Participant) -> str:
    profile = participant.mentor_profile
    low, high = profile.mentee_age_min, profile.mentee_age_max
    if low and high:
        return f"{low}–{high}"
    if low:
        return f"от {low}"
    if high:
        return f"до {high}"
    return ""


MENTEE_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("ФИО наставляемого", 32, lambda p, pair: p.full_name),
    ExportColumn("Контактные данные (или родителей/законных представителей)", 36, lambda p, pair: _mentee_contacts(p)),
    ExportColumn("Год рождения", 10, lambda p, pair: p.birth_date.year if p.birth_date else None),
    ExportColumn("Основной запрос", 40, lambda p, pair: _mentee_request(p)),
    ExportColumn("Дата вхождения в программу", 14, lambda p, pair: p.mentee_profile.joined_on),
    ExportColumn("ФИО наставника", 30, lambda p, pair: pair.partner_name),
    ExportColumn("Место работы/учёбы наставника", 28, lambda p, pair: pair.partner_place),
    ExportColumn("Форма наставничества", 20, lambda p, pair: pair.form),
    ExportColumn("Место реализации программы", 24, lambda p, pair: pair.place),
    ExportColumn("Дата завершения", 14, lambda p, pair: pair.ended_on),
    ExportColumn("Результаты программы", 36, lambda p, pair: pair.results),
    ExportColumn("Ссылка на кейс/отзыв", 24, lambda p, pair: pair.case_url),
    ExportColumn("Ссылка на фотоотчёт", 24, lambda p, pair: pair.photo_url),
)

MENTOR_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("ФИО наставника", 32, lambda p, pair: p.full_name),
    ExportColumn("Контактные данные", 28, lambda p, pair: _contacts(p)),
    ExportColumn("Место работы/учёбы", 28, lambda p, pair: _mentor_place(p)),
    ExportColumn("Должность/класс", 22, lambda p, pair: _mentor_role(p)),
    ExportColumn("Ключевые компетенции/достижения", 44,
                 lambda p, pair: _join(*_topics(p.mentor_profile), p.mentor_profile.competencies)),
    ExportColumn("Интересы", 28, lambda p, pair: p.mentor_profile.interests),
    ExportColumn("Желаемый возраст наставляемых", 14, lambda p, pair: _mentee_age(p)),
    ExportColumn("Удобное время встреч", 20, lambda p, pair: p.mentor_profile.meeting_times),
    ExportColumn("Основной запрос наставляемого", 32, lambda p, pair: pair.partner_request),
    ExportColumn("ФИО наставляемого", 30, lambda p, pair: pair.partner_name),
    ExportColumn("Место учёбы наставляемого", 24, lambda p, pair: pair.partner_place),
    ExportColumn("Форма наставничества", 20, lambda p, pair: pair.form),
    ExportColumn("Место реализации программы", 24, lambda p, pair: pair.place),
    ExportColumn("Сроки", 24, lambda p, pair: pair.period),
    ExportColumn("Результаты", 36, lambda p, pair: pair.results),
    ExportColumn("Ссылки на кейсы/отзывы", 24, lambda p, pair: pair.case_url),
    ExportColumn("Ссылка на фотоотчёт", 24, lambda p, pair: pair.photo_url),
)


def mentor_queryset(participants):
    """Participants of the mentor base, with everything a row needs fetched in a fixed number of queries."""
    return (
        participants.filter(mentor_profile__isnull=False)
        .select_related("organisation", "mentor_profile__partner")
        .prefetch_related("mentor_profile__topics")
    )


def mentee_queryset(participants):
    representatives = (
        Consent.objects.filter(purpose=Consent.Purpose.MENTORING, revoked_on__isnull=True)
        .exclude(representative_name="")
        .order_by("-signed_on", "-pk")
    )
    return (
        participants.filter(mentee_profile__isnull=False)
        .select_related("organisation", "mentee_profile")
        .prefetch_related(
            "mentee_profile__topics",
            Prefetch("consents", queryset=representatives, to_attr="representative_consents"),
        )
    )


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def build_rows(participants, columns: tuple[ExportColumn, ...], *, pair_info: PairInfoProvider | None = None,
               chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """Value lists, one per participant and pair (one with empty pair columns when there is none)."""
    for chunk in _chunks(participants.iterator(chunk_size=chunk_size), chunk_size):
        pairs = pair_info([participant.pk for participant in chunk]) if pair_info else {}
        for participant in chunk:
            for pair in pairs.get(participant.pk) or [NO_PAIR]:
                yield [column.value(participant, pair) for column in columns]


def write_workbook(file, *, title: str, columns: tuple[ExportColumn, ...], rows: Iterable[list]) -> None:
    """A write-only workbook: bold frozen header in the first row, then ``rows``; memory stays bounded."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header_font = Font(bold=True)
    header_alignment = Alignment(wrap_text=True, vertical="top")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = header_font
        cell.alignment = header_alignment
        header.append(cell)
    sheet.append(header)
    for values in rows:
        sheet.append([_cell(sheet, value) for value in values])
    workbook.save(file)


def _cell(sheet, value):
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if value == "":
        return None
    return value


def export_base(participants, *, base: str, pair_info: PairInfoProvider | None = None):
    """The mentor ("mentors") or mentee ("mentees") base of ``participants`` in a temporary file, rewound."""
    if base == "mentors":
        queryset, columns, title = mentor_queryset(participants), MENTOR_COLUMNS, "База наставников"
    elif base == "mentees":
        queryset, columns, title = mentee_queryset(participants), MENTEE_COLUMNS, "База наставляемых"
    else:
        raise ValueError(base)
    if pair_info is None:
        pair_info = _pair_info_providers.get(base)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_workbook(handle, title=title, columns=columns, rows=build_rows(queryset, columns, pair_info=pair_info))
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle
