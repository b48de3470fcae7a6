"""Matching mentees with mentors (подбор наставников): plain functions, no database.

The caller (the Django service) loads the candidates of one programme, turns them into
``MentorCandidate`` / ``MenteeCandidate``, and calls ``propose``. Everything here is pure: same input,
same output, no queries, no clock.

What is optimised
-----------------
An assignment gives each mentee at most one mentor, each mentor at most ``capacity_left`` mentees,
and uses only feasible pairs (``is_feasible``). Among all assignments ``propose`` returns one that
maximises, lexicographically,

1. the number of mentees who get a mentor (nobody is left out to make others' pairs nicer), then
2. the total score, the sum of ``score`` over the proposed pairs.

Score of a pair: each component is in [0, 1] and is multiplied by its weight (``Weights``, the same
names as ``MatchingWeights.FIELDS``):

* topics: share of the mentee's requests the mentor covers, ``|mentee ∩ mentor| / |mentee|``;
* age: 1 inside the mentor's desired range (a missing bound is open), 0 outside, 0.5 when the mentor
  has no preference or the mentee's age is unknown;
* meeting_times: Jaccard index of the two sets of convenient week days, 0 if either is unknown;
* capacity: share of the mentor's seats that are free, see "Load spreading" below;
* mentee_wish / mentor_wish: ``(6 - rank) / 5`` for a rank 1..5 from the questionnaire after the
  networking meeting, 0 without a wish.

Algorithm: exact maximum-weight bipartite b-matching
----------------------------------------------------
A mentor with ``capacity_left = c`` becomes ``c`` slot columns, so the b-matching becomes an ordinary
assignment problem (mentees x slots), infeasible cells are ``-inf`` (forbidden), and
``scipy.optimize.linear_sum_assignment`` (shortest augmenting paths, a LAPJV-style Hungarian method)
finds an optimum exactly, in polynomial time.

Pairs first, score second, without a big-M bonus: first ``scipy.sparse.csgraph.
maximum_bipartite_matching`` (Hopcroft–Karp, milliseconds) gives ``P``, the largest possible number
of pairs. Then

* if every slot can be filled (``P == slots``), the matrix is transposed, slots x mentees: every
  slot takes exactly one mentee, so every full assignment has ``P`` pairs;
* otherwise the matrix is mentees x (slots + mentees - P): the extra columns mean "no mentor" (value
  0), and there are exactly as many as the mentees who must stay unmatched, so again every full
  assignment has exactly ``P`` pairs.

Either way the solver maximises the total score among the assignments with the most pairs. (The
usual alternative, a per-pair bonus, must be larger than ``k`` times the score range for an
augmenting path through ``k`` pairs, not merely larger than one pair's score: see
``test_more_pairs_beat_better_pairs_along_a_long_augmenting_path``. Counting ``P`` avoids both
that trap and the loss of float precision a huge bonus brings, and makes the matrix smaller.)

Load spreading: the capacity component of a mentor's k-th slot (k = 0, 1, ...) is
``(capacity_left - k) / capacity``: the share of seats still free when that mentee takes a seat. So
a mentor with many free seats is preferred, but each additional mentee on the same mentor is worth a
little less, which spreads mentees over mentors when everything else is equal. Because only this
component depends on k, the total does not depend on which of a mentor's mentees takes which seat;
``propose`` gives seat 0 to the mentee with the best other components, and the pair's explanation is
``score(..., seats_taken=k)``, exactly the value the solver used (tests compare the vectorised
scores with ``score`` and the proposals with a brute force over ``score``).

Exact pruning keeps the matrix small without changing the optimum: mentees with no feasible
mentor get no row, and a mentor gets no more slots than it has feasible mentees. The matrix is
float64 of at most ``rows x (slots + rows)``; 1000 mentees and 400 mentors with capacities 1-4
(~1000 slots) give ~1000 x 1000 = 8 MB. For much larger programmes (tens of thousands of mentees) a
sparse solver (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``) would be the next step.

Why not stable matching (Gale-Shapley, hospitals/residents)? It needs complete strict preference
lists from both sides, while our wishes are a handful of ranks and the rest is a computed fit; it
optimises stability, not how many mentees get a mentor, and a stable matching can leave mentees
unmatched who could have been paired; and it cannot mix the curator's weights (topics, age, days,
capacity) with the wishes in one explainable number. The curator reviews and confirms every
proposal anyway, so nobody can "block" a pair the way stability guards against.

Not checked here: consent to mentoring, the no-criminal-record certificate, archived participants,
existing open pairs. The caller filters candidates by those before, and passes
``capacity_left = capacity - open pairs``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

DAY_ABBREVIATIONS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})


# --------------------------------------------------------------------------- candidates and weights


@dataclass(frozen=True)
class MentorCandidate:
    """A mentor profile as matching sees it. ``id`` is the MentorProfile id."""

    id: int
    participant_id: int
    category: str
    topics: frozenset[int] = frozenset()
    age_min: int | None = None
    age_max: int | None = None
    meeting_days: frozenset[int] = frozenset()
    capacity: int = 1
    capacity_left: int = 1
    age: int | None = None  # the mentor's own age: a student mentors only younger students


@dataclass(frozen=True)
class MenteeCandidate:
    """A mentee profile as matching sees it. ``id`` is the MenteeProfile id."""

    id: int
    participant_id: int
    category: str
    topics: frozenset[int] = frozenset()
    age: int | None = None
    meeting_days: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Weights:
    """How much each component counts; the names are ``MatchingWeights.FIELDS``."""

    topics: float = 5.0
    age: float = 2.0
    meeting_times: float = 1.0
    capacity: float = 1.0
    mentee_wish: float = 3.0
    mentor_wish: float = 2.0

    def __post_init__(self):
        for f in fields(self):
            value = float(getattr(self, f.name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"Weight {f.name!r} must be a finite number >= 0, got {value!r}")
            object.__setattr__(self, f.name, value)

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> Weights:
        """From ``MatchingWeights.as_dict()``; missing names keep their defaults, unknown names are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"Unknown matching weights: {', '.join(sorted(unknown))}")
        return cls(**{name: float(value) for name, value in values.items()})

    @property
    def total(self) -> float:
        """The largest score a pair can get."""
        return math.fsum(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Wishes:
    """Ranks 1..5 from the questionnaire after the networking meeting, keyed by (mentee_id, mentor_id).

    ``by_mentee``: the mentee chose the mentor; ``by_mentor``: the mentor chose the mentee.
    """

    by_mentee: Mapping[tuple[int, int], int] = field(default_factory=dict)
    by_mentor: Mapping[tuple[int, int], int] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, int, int]]) -> Wishes:
        """From ``(side, mentee_id, mentor_id, rank)`` rows, e.g.
        ``Preference.objects.values_list("side", "mentee_id", "mentor_id", "rank")``;
        side is ``"mentee"`` or ``"mentor"`` (``Preference.Side``)."""
        by_mentee: dict[tuple[int, int], int] = {}
        by_mentor: dict[tuple[int, int], int] = {}
        for side, mentee_id, mentor_id, rank in rows:
            if side == "mentee":
                by_mentee[(mentee_id, mentor_id)] = rank
            elif side == "mentor":
                by_mentor[(mentee_id, mentor_id)] = rank
            else:
                raise ValueError(f"Unknown preference side {side!r}")
        return cls(by_mentee, by_mentor)


NO_WISHES = Wishes()


def wish_value(rank: int | None) -> float:
    """1.0 for the first place, 0.2 for the fifth, 0 without a wish (ranks outside 1..5 are clipped)."""
    if rank is None:
        return 0.0
    return min(1.0, max(0.0, (6 - rank) / 5))


# --------------------------------------------------------------------------- meeting days

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


def _days_mask(days: Iterable[int]) -> int:
    mask = 0
    for day in days:
        if 0 <= day <= 6:
            mask |= 1 << day
    return mask


# --------------------------------------------------------------------------- feasibility and score


def is_feasible(form_mentor_categories: Iterable[str], form_mentee_categories: Iterable[str],
                mentor: MentorCandidate, mentee: MenteeCandidate) -> bool:
    """May this mentor be proposed to this mentee in this form of mentoring?

    The mentor's category must be one of the form's mentor categories, the mentee's one of its mentee
    categories, and nobody mentors themselves (a student can be in both bases). Consent to mentoring,
    the no-criminal-record certificate for outside mentors and archived participants are NOT checked:
    the caller leaves such candidates out before calling.
    """
    return (mentor.category in form_mentor_categories and mentee.category in form_mentee_categories
            and mentor.participant_id != mentee.participant_id and not _younger_peer(mentor, mentee))


PEER_CATEGORY = "student"


def _younger_peer(mentor: MentorCandidate, mentee: MenteeCandidate) -> bool:
    """In «ученик – ученик» and «студент – студент» the mentor is the older, more experienced one:
    a student never mentors a student of the same age or older (when both ages are known)."""
    return (mentor.category == PEER_CATEGORY and mentee.category == PEER_CATEGORY
            and mentor.age is not None and mentee.age is not None and mentor.age <= mentee.age)


@dataclass(frozen=True)
class Reason:
    """One line of a pair's explanation: ``code`` for programs, ``label`` for the curator, ``points`` added."""

    code: str
    label: str
    points: float

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "points": self.points}


@dataclass(frozen=True)
class Score:
    """A pair's score; ``total`` is exactly the sum of the reasons' points."""

    total: float
    reasons: list[Reason]

    def as_dict(self) -> dict:
        """JSON-ready, e.g. for ``Pair.match_score`` / ``Pair.match_reasons``."""
        return {"total": self.total, "reasons": [reason.as_dict() for reason in self.reasons]}


def _topic_key(name: str):
    return name.casefold().replace("ё", "е")


def _topic_list(topic_ids: Iterable[int], topic_names: Mapping[int, str]) -> str:
    names = [topic_names.get(t, f"тема № {t}") for t in topic_ids]
    return ", ".join(sorted(names, key=_topic_key))


def _age_range(age_min: int | None, age_max: int | None) -> str:
    if age_min is not None and age_max is not None:
        return f"{age_min}–{age_max}"
    if age_min is not None:
        return f"от {age_min}"
    return f"до {age_max}"


def _age_component(mentor: MentorCandidate, mentee: MenteeCandidate) -> tuple[float, str, str]:
    if mentor.age_min is None and mentor.age_max is None:
        return 0.5, "age_no_preference", "Наставник не указал желаемый возраст наставляемых"
    if mentee.age is None:
        return 0.5, "age_unknown", "Возраст наставляемого неизвестен"
    wanted = _age_range(mentor.age_min, mentor.age_max)
    inside = ((mentor.age_min is None or mentee.age >= mentor.age_min)
              and (mentor.age_max is None or mentee.age <= mentor.age_max))
    if inside:
        return 1.0, "age_in_range", f"Возраст {mentee.age} — в желаемом диапазоне {wanted}"
    return 0.0, "age_out_of_range", f"Возраст {mentee.age} — вне желаемого диапазона {wanted}"


def _capacity_component(capacity: int, capacity_left: int, seats_taken: int = 0) -> float:
    if capacity <= 0:
        return 0.0
    return min(1.0, max(0.0, (capacity_left - seats_taken) / capacity))


def score(mentor: MentorCandidate, mentee: MenteeCandidate, weights: Weights | None = None,
          wishes: Wishes | None = None, topic_names: Mapping[int, str] | None = None, *,
          seats_taken: int = 0) -> Score:
    """The pair's score with a reason for every component whose weight is not zero.

    Reasons with 0 points are kept (e.g. «вне желаемого диапазона»): they explain a low score.
    ``seats_taken``: how many other mentees this proposal already gives the same mentor; the
    capacity component counts the seats left after them (see the module docstring). Feasibility is
    not checked here.
    """
    weights = weights or Weights()
    wishes = wishes or NO_WISHES
    topic_names = topic_names or {}
    reasons: list[Reason] = []

    if weights.topics:
        if not mentee.topics:
            reasons.append(Reason("topics_none", "Наставляемый не указал запросы", 0.0))
        else:
            common = mentee.topics & mentor.topics
            part = len(common) / len(mentee.topics)
            if common:
                label = f"Совпадают запросы: {_topic_list(common, topic_names)}"
                if len(common) < len(mentee.topics):
                    label += f" ({len(common)} из {len(mentee.topics)})"
                reasons.append(Reason("topics_match", label, weights.topics * part))
            else:
                label = f"Нет совпадений с запросами наставляемого: {_topic_list(mentee.topics, topic_names)}"
                reasons.append(Reason("topics_no_match", label, 0.0))

    if weights.age:
        part, code, label = _age_component(mentor, mentee)
        reasons.append(Reason(code, label, weights.age * part))

    if weights.meeting_times:
        if mentor.meeting_days and mentee.meeting_days:
            common_days = mentor.meeting_days & mentee.meeting_days
            if common_days:
                part = len(common_days) / len(mentor.meeting_days | mentee.meeting_days)
                reasons.append(Reason("days_match", f"Удобные дни совпадают: {format_days(common_days)}",
                                      weights.meeting_times * part))
            else:
                label = (f"Нет общих удобных дней (наставник: {format_days(mentor.meeting_days)}; "
                         f"наставляемый: {format_days(mentee.meeting_days)})")
                reasons.append(Reason("days_no_match", label, 0.0))
        else:
            whose = ("у наставника и наставляемого" if not mentor.meeting_days and not mentee.meeting_days
                     else "у наставника" if not mentor.meeting_days else "у наставляемого")
            reasons.append(Reason("days_unknown", f"Удобные дни не указаны {whose}", 0.0))

    if weights.capacity:
        part = _capacity_component(mentor.capacity, mentor.capacity_left, seats_taken)
        free = mentor.capacity_left - seats_taken
        label = f"Свободно мест: {free} из {mentor.capacity}"
        if seats_taken:
            label += " с учётом других наставляемых, предложенных этому наставнику в этом подборе"
        reasons.append(Reason("capacity", label, weights.capacity * part))

    if weights.mentee_wish:
        rank = wishes.by_mentee.get((mentee.id, mentor.id))
        if rank is not None:
            reasons.append(Reason("mentee_wish", f"Наставляемый выбрал этого наставника ({rank}-е место)",
                                  weights.mentee_wish * wish_value(rank)))

    if weights.mentor_wish:
        rank = wishes.by_mentor.get((mentee.id, mentor.id))
        if rank is not None:
            reasons.append(Reason("mentor_wish", f"Наставник выбрал этого наставляемого ({rank}-е место)",
                                  weights.mentor_wish * wish_value(rank)))

    return Score(total=math.fsum(reason.points for reason in reasons), reasons=reasons)


# --------------------------------------------------------------------------- vectorised scores

_POPCOUNT = np.array([i.bit_count() for i in range(128)], dtype=np.uint8)


def feasibility_matrix(mentors: Sequence[MentorCandidate], mentees: Sequence[MenteeCandidate], *,
                       mentor_categories: Iterable[str], mentee_categories: Iterable[str]) -> np.ndarray:
    """``is_feasible`` for every (mentee, mentor): a boolean mentees x mentors matrix."""
    mentor_categories, mentee_categories = set(mentor_categories), set(mentee_categories)
    mentor_ok = np.array([m.category in mentor_categories for m in mentors], dtype=bool)
    mentee_ok = np.array([e.category in mentee_categories for e in mentees], dtype=bool)
    person: dict = {}  # participant id -> small int, so the comparison is a fast integer broadcast
    mentor_people = np.array([person.setdefault(m.participant_id, len(person)) for m in mentors], dtype=np.intp)
    mentee_people = np.array([person.setdefault(e.participant_id, len(person)) for e in mentees], dtype=np.intp)
    feasible = mentee_ok[:, None] & mentor_ok[None, :] & (mentee_people[:, None] != mentor_people[None, :])
    # _younger_peer, vectorised: unknown ages never forbid.
    peer_mentor = np.array([m.category == PEER_CATEGORY and m.age is not None for m in mentors], dtype=bool)
    peer_mentee = np.array([e.category == PEER_CATEGORY and e.age is not None for e in mentees], dtype=bool)
    mentor_age = np.array([m.age if m.age is not None else 0 for m in mentors], dtype=np.int64)
    mentee_age = np.array([e.age if e.age is not None else 0 for e in mentees], dtype=np.int64)
    younger = peer_mentee[:, None] & peer_mentor[None, :] & (mentor_age[None, :] <= mentee_age[:, None])
    return feasible & ~younger


def base_score_matrix(mentors: Sequence[MentorCandidate], mentees: Sequence[MenteeCandidate],
                      weights: Weights, wishes: Wishes) -> np.ndarray:
    """Every component but capacity for every (mentee, mentor): a float mentees x mentors matrix.

    Equals ``score(mentor, mentee, ...).total`` minus its capacity points, up to float rounding.
    """
    n, m = len(mentees), len(mentors)
    total = np.zeros((n, m))
    if not n or not m:
        return total

    if weights.topics:
        topic_ids = sorted(set().union(*(e.topics for e in mentees)) & set().union(*(x.topics for x in mentors)))
        if topic_ids:
            column = {t: j for j, t in enumerate(topic_ids)}
            wanted = np.zeros((n, len(topic_ids)))
            offered = np.zeros((m, len(topic_ids)))
            for i, e in enumerate(mentees):
                wanted[i, [column[t] for t in e.topics if t in column]] = 1.0
            for j, x in enumerate(mentors):
                offered[j, [column[t] for t in x.topics if t in column]] = 1.0
            requests = np.array([len(e.topics) for e in mentees], dtype=np.float64)
            share = wanted @ offered.T  # counts of common topics, then their share, in place
            np.divide(share, requests[:, None], out=share, where=requests[:, None] > 0)
            share *= weights.topics
            total += share
            del share

    if weights.age:
        nan = float("nan")
        ages = np.array([nan if e.age is None else e.age for e in mentees], dtype=np.float64)
        age_min = np.array([nan if x.age_min is None else x.age_min for x in mentors], dtype=np.float64)
        age_max = np.array([nan if x.age_max is None else x.age_max for x in mentors], dtype=np.float64)
        no_min, no_max = np.isnan(age_min), np.isnan(age_max)
        inside = ((no_min[None, :] | (ages[:, None] >= age_min[None, :]))
                  & (no_max[None, :] | (ages[:, None] <= age_max[None, :])))
        neutral = (no_min & no_max)[None, :] | np.isnan(ages)[:, None]
        part = inside.astype(np.float64)
        part[neutral] = 0.5
        part *= weights.age
        total += part
        del part, inside, neutral

    if weights.meeting_times:
        mentee_days = np.array([_days_mask(e.meeting_days) for e in mentees], dtype=np.uint8)
        mentor_days = np.array([_days_mask(x.meeting_days) for x in mentors], dtype=np.uint8)
        both = _POPCOUNT[mentee_days[:, None] & mentor_days[None, :]]  # uint8: small temporaries
        either = _POPCOUNT[mentee_days[:, None] | mentor_days[None, :]]
        jaccard = np.zeros((n, m))
        np.divide(both, either, out=jaccard, where=both > 0)
        jaccard *= weights.meeting_times
        total += jaccard
        del jaccard, both, either

    row = {e.id: i for i, e in enumerate(mentees)}
    col = {x.id: j for j, x in enumerate(mentors)}
    for weight, ranks in ((weights.mentee_wish, wishes.by_mentee), (weights.mentor_wish, wishes.by_mentor)):
        if not weight:
            continue
        for (mentee_id, mentor_id), rank in ranks.items():
            i, j = row.get(mentee_id), col.get(mentor_id)
            if i is not None and j is not None:
                total[i, j] += weight * wish_value(rank)
    return total


# --------------------------------------------------------------------------- proposal


@dataclass(frozen=True)
class ProposedPair:
    mentee_id: int
    mentor_id: int
    score: Score


@dataclass(frozen=True)
class Unmatched:
    mentee_id: int
    reason_code: str
    reason_label: str


UNMATCHED_REASONS = {
    "mentee_category": "Категория наставляемого не подходит для этой формы наставничества",
    "no_mentor": "Нет наставников этой формы наставничества",
    "all_forbidden": "Все подходящие наставники уже были отклонены для этого наставляемого",
    "no_free_place": "Не хватило свободных мест у подходящих наставников",
}


@dataclass(frozen=True)
class Proposal:
    pairs: list[ProposedPair]
    unmatched: list[Unmatched]

    @property
    def total_score(self) -> float:
        return math.fsum(pair.score.total for pair in self.pairs)


def _csr_of(mask: np.ndarray, chunk: int = 256) -> csr_array:
    """A boolean matrix as CSR, built by row blocks: ``csr_array(mask)`` goes through two int64
    index arrays of the whole matrix, several times the size of the cost matrix at scale."""
    n_rows, n_cols = mask.shape
    index_type = np.int32 if mask.size < 2**31 else np.int64
    indptr = np.zeros(n_rows + 1, dtype=index_type)
    np.cumsum(mask.sum(axis=1), out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=index_type)
    for start in range(0, n_rows, chunk):
        _, columns = np.nonzero(mask[start:start + chunk])
        indices[indptr[start]:indptr[min(start + chunk, n_rows)]] = columns
    return csr_array((np.ones(len(indices), dtype=bool), indices, indptr), shape=(n_rows, n_cols))


def _check_unique(items, what: str):
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"Duplicate {what} ids")


def propose(mentors: Sequence[MentorCandidate], mentees: Sequence[MenteeCandidate], *,
            mentor_categories: Iterable[str], mentee_categories: Iterable[str],
            weights: Weights | None = None, wishes: Wishes | None = None,
            topic_names: Mapping[int, str] | None = None,
            forbidden_pairs: Collection[tuple[int, int]] = ()) -> Proposal:
    """The best assignment: most mentees paired first, highest total score second (module docstring).

    ``forbidden_pairs``: (mentee_id, mentor_id) pairs never to propose, e.g. proposals the curator
    already rejected; otherwise only ``is_feasible`` pairs are used.

    ``pairs`` follow the order of ``mentees``, and so does ``unmatched``; every mentee is in exactly
    one of them. Each pair's ``score`` is ``score(mentor, mentee, weights, wishes, topic_names,
    seats_taken=k)``, where ``k`` counts the mentees of the same mentor placed before it (those with
    better other components first).
    """
    mentors, mentees = list(mentors), list(mentees)
    _check_unique(mentors, "mentor")
    _check_unique(mentees, "mentee")
    mentor_categories, mentee_categories = frozenset(mentor_categories), frozenset(mentee_categories)
    weights = weights or Weights()
    wishes = wishes or NO_WISHES

    feasible = feasibility_matrix(mentors, mentees, mentor_categories=mentor_categories,
                                  mentee_categories=mentee_categories)
    fits_form = feasible.any(axis=1)  # before the forbidden pairs, for the unmatched reason
    if forbidden_pairs:
        row = {e.id: i for i, e in enumerate(mentees)}
        col = {x.id: j for j, x in enumerate(mentors)}
        for mentee_id, mentor_id in forbidden_pairs:
            if mentee_id in row and mentor_id in col:
                feasible[row[mentee_id], col[mentor_id]] = False
    assigned: dict[int, int] = {}  # mentee index -> mentor index
    base = None

    rows = np.flatnonzero(feasible.any(axis=1)) if mentors else np.array([], dtype=np.intp)
    capacity_left = np.array([max(0, x.capacity_left) for x in mentors], dtype=np.intp)
    slots = np.minimum(capacity_left, feasible[rows].sum(axis=0)) if len(rows) else np.zeros(len(mentors), np.intp)
    n_slots = int(slots.sum())
    if len(rows) and n_slots:
        used = np.flatnonzero(slots)  # mentors with at least one slot
        sub_mentees = [mentees[i] for i in rows]
        sub_mentors = [mentors[j] for j in used]
        base = base_score_matrix(sub_mentors, sub_mentees, weights, wishes)
        sub_feasible = feasible[np.ix_(rows, used)]

        slot_counts = slots[used]
        slot_mentor = np.repeat(np.arange(len(used)), slot_counts)  # index into sub_mentors
        slot_k = np.arange(n_slots) - np.repeat(np.cumsum(slot_counts) - slot_counts, slot_counts)
        capacity = np.array([x.capacity for x in sub_mentors], dtype=np.float64)
        left = capacity_left[used].astype(np.float64)
        seat_share = np.divide(left[slot_mentor] - slot_k, capacity[slot_mentor],
                               out=np.zeros(n_slots), where=capacity[slot_mentor] > 0)
        slot_value = weights.capacity * np.clip(seat_share, 0.0, 1.0)

        r = len(rows)
        slot_feasible = sub_feasible[:, slot_mentor]  # rows x slots
        # How many mentees can be paired at all (Hopcroft–Karp on the slot graph).
        most_pairs = int((maximum_bipartite_matching(_csr_of(slot_feasible), perm_type="column") >= 0).sum())
        # The solver minimises costs = -scores in place: maximize=True would copy the whole matrix.
        if most_pairs == n_slots:
            # Every slot can be filled: slots x mentees, each slot takes one mentee.
            costs = np.take(base.T, slot_mentor, axis=0)  # C-contiguous, as the solver wants it
            costs += slot_value[:, None]
            np.negative(costs, out=costs)
            costs[~slot_feasible.T] = np.inf
            del slot_feasible
            slot_index, row_index = linear_sum_assignment(costs)
        else:
            # Exactly r - most_pairs "no mentor" columns: every full assignment pairs most_pairs mentees.
            costs = np.zeros((r, n_slots + r - most_pairs))
            pair_costs = costs[:, :n_slots]
            np.take(base, slot_mentor, axis=1, out=pair_costs)
            pair_costs += slot_value
            np.negative(pair_costs, out=pair_costs)
            pair_costs[~slot_feasible] = np.inf
            del slot_feasible, pair_costs
            row_index, slot_index = linear_sum_assignment(costs)
        del costs
        for i, c in zip(row_index, slot_index, strict=True):
            if c < n_slots:
                assigned[int(rows[i])] = int(used[slot_mentor[c]])
        base_of = {int(rows[i]): i for i in range(r)}
        column_of = {int(used[j]): j for j in range(len(used))}

    # Seats: per mentor, the mentee with the best other components takes seat 0.
    by_mentor: dict[int, list[int]] = {}
    for mentee_index, mentor_index in assigned.items():
        by_mentor.setdefault(mentor_index, []).append(mentee_index)
    seat: dict[int, int] = {}
    for mentor_index, mentee_indexes in by_mentor.items():
        j = column_of[mentor_index]
        mentee_indexes.sort(key=lambda i: (-base[base_of[i], j], i))
        for k, mentee_index in enumerate(mentee_indexes):
            seat[mentee_index] = k

    pairs: list[ProposedPair] = []
    unmatched: list[Unmatched] = []
    for i, mentee in enumerate(mentees):
        if i in assigned:
            mentor = mentors[assigned[i]]
            pair_score = score(mentor, mentee, weights, wishes, topic_names, seats_taken=seat[i])
            pairs.append(ProposedPair(mentee.id, mentor.id, pair_score))
            continue
        if mentee.category not in mentee_categories:
            code = "mentee_category"
        elif not fits_form[i]:
            code = "no_mentor"
        elif not feasible[i].any():
            code = "all_forbidden"
        else:
            code = "no_free_place"
        unmatched.append(Unmatched(mentee.id, code, UNMATCHED_REASONS[code]))
    return Proposal(pairs=pairs, unmatched=unmatched)
