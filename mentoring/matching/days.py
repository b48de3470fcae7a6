"""Convenient meeting days («вт, чт после 15:00», «будни, кроме среды») read from free Russian text.

Week days are 0 = Monday … 6 = Sunday; the score compares the two sets (``scoring``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

DAY_ABBREVIATIONS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})

_DAY_WORDS = (
    # (day, exact abbreviations, full-word pattern with case endings)
    (0, {"пн", "пон", "понед"}, r"понедельник(?:а|у|ам|и|ом|ах)?"),
    (1, {"вт", "втор"}, r"вторник(?:а|у|ам|и|ом|ах)?"),
    (2, {"ср"}, r"сред(?:а|у|ы|е|ам|ой|ах)"),  # not «среди»
    (3, {"чт", "чтв", "четв"}, r"четверг(?:а|у|ам|и|ом|ах)?"),
    (4, {"пт", "птн", "пятн"}, r"пятниц(?:а|у|ы|е|ам|ей|ах)"),
    (5, {"сб", "суб", "субб"}, r"суббот(?:а|у|ы|е|ам|ой|ах)"),
    (6, {"вс", "вск", "воскр"}, r"воскресень(?:е|я|ю|ям|ем|ях)"),
)
_DAY_ABBREVIATION = {abbreviation: day for day, abbreviations, _ in _DAY_WORDS for abbreviation in abbreviations}
_DAY_PATTERNS = [(day, re.compile(pattern)) for day, _, pattern in _DAY_WORDS]
_EVERY_DAY = re.compile(
    r"(?<![а-я])(?:ежедневн[а-я]*|без\s+выходных|все\s+дни|всю\s+неделю"
    r"|(?:каждый|каждые|любой|любые|любое|любая|любую)\s+(?:удобн[а-я]*\s+)?(?:день|дни|дня|время)(?![а-я]))"
)
_TOKEN = re.compile(r"(?P<word>[a-zа-я]+)|(?P<number>\d+)|(?P<dash>[-‐‑‒–—−])|(?P<other>[^\s.])")
_RANGE_WORDS = {"по", "до"}  # «с понедельника по пятницу»
_EXCEPT_WORDS = {"кроме", "не"}
_PREPOSITIONS = {"в", "во", "по"}


def _day_of(word: str) -> int | None:
    if word in _DAY_ABBREVIATION:
        return _DAY_ABBREVIATION[word]
    for day, pattern in _DAY_PATTERNS:
        if pattern.fullmatch(word):
            return day
    return None


def _days_of(word: str) -> frozenset[int] | None:
    day = _day_of(word)
    if day is not None:
        return frozenset({day})
    if word.startswith("будн"):
        return WEEKDAYS
    if word.startswith("выходн"):
        return WEEKEND
    return None


def _day_range(start: int, end: int) -> frozenset[int]:
    """Inclusive, wrapping over the week end: «пт–пн» is Friday to Monday."""
    return frozenset((start + i) % 7 for i in range((end - start) % 7 + 1))


def parse_meeting_days(text: str | None) -> frozenset[int]:
    """Week days (0 = Monday … 6 = Sunday) mentioned in free Russian text; unknown text gives an empty set.

    Understands abbreviations and full words in any case («пн», «СБ», «понедельник и среду»,
    «по вторникам»), ranges with a dash or words («пн–пт», «вт-чт», «с понедельника по пятницу»),
    «будни», «выходные», «ежедневно», «в любой день», and exceptions («будни, кроме среды»,
    «кроме воскресенья», «не в пятницу»). Times are ignored: «вт, чт после 15:00» is {1, 3}.
    """
    if not text:
        return frozenset()
    text = text.lower().replace("ё", "е")
    days: set[int] = set(ALL_DAYS) if _EVERY_DAY.search(text) else set()
    excluded: set[int] = set()

    # Tokens: a word becomes its days (or stays a word), a dash becomes "-", numbers and punctuation
    # become "#" (they break ranges: «вт 15-17» is not a range of days), commas stay for lists.
    tokens: list[frozenset[int] | str] = []
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word":
            word = match.group()
            tokens.append(_days_of(word) or word)
        elif match.lastgroup == "dash":
            tokens.append("-")
        elif match.group() == ",":
            tokens.append(",")
        else:
            tokens.append("#")

    def is_day(token) -> bool:
        return isinstance(token, frozenset) and len(token) == 1

    i = 0
    excepting = False  # inside «кроме среды и пятницы», «не в пятницу»
    previous = None
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, frozenset):
            found = token
            if (is_day(token) and i + 2 < len(tokens) and (tokens[i + 1] == "-" or tokens[i + 1] in _RANGE_WORDS)
                    and is_day(tokens[i + 2])):
                found = _day_range(next(iter(token)), next(iter(tokens[i + 2])))
                i += 2
            (excluded if excepting else days).update(found)
        elif token in _EXCEPT_WORDS:
            excepting = True
        elif excepting:
            # The exception goes on over «и», «или» after a day, over a comma followed by one more day
            # («кроме среды, пятницы») and over «в», «по» right after «кроме», «не», «и», «или»;
            # anything else ends it («будни, кроме среды, по выходным»; «не в пятницу, будни»).
            after_day = isinstance(previous, frozenset)
            goes_on = ((token in ("и", "или") and after_day)
                       or (token == "," and after_day and i + 1 < len(tokens) and is_day(tokens[i + 1]))
                       or (token in _PREPOSITIONS and previous in _EXCEPT_WORDS | {"и", "или"}))
            excepting = goes_on
        previous = token
        i += 1
    if excluded and not days:
        days = set(ALL_DAYS)  # «кроме воскресенья» alone: every other day
    return frozenset(days - excluded)


def format_days(days: Iterable[int]) -> str:
    """«вт, чт» in week order."""
    return ", ".join(DAY_ABBREVIATIONS[d] for d in sorted(days))


def format_day_set(days: Iterable[int]) -> str:
    """``format_days``, remembered for frozensets (what the candidates hold): a proposal explains a
    thousand pairs over a few dozen sets."""
    if isinstance(days, frozenset):
        return _format_frozen(days)
    return format_days(days)


_format_frozen = functools.lru_cache(maxsize=256)(format_days)


def _days_mask(days: Iterable[int]) -> int:
    mask = 0
    for day in days:
        if 0 <= day <= 6:
            mask |= 1 << day
    return mask
