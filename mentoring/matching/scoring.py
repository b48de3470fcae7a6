"""The score of a pair and what may be paired at all: the one rule of fit, with its reasons.

Score of a pair: each component is in [0, 1] and is multiplied by its weight (``Weights``, the same
names as ``MatchingWeights.FIELDS``):

* topics: share of the mentee's requests the mentor covers, ``|mentee ∩ mentor| / |mentee|``;
* age: 1 inside the mentor's desired range (a missing bound is open), 0 outside, 0.5 when the mentor
  has no preference or the mentee's age is unknown;
* meeting_times: Jaccard index of the two sets of convenient week days, 0 if either is unknown;
* capacity: share of the mentor's seats that are free (``seats_taken`` more already given away in the
  same proposal count as taken; see ``mentoring.matching.proposal``, "Load spreading");
* mentee_wish / mentor_wish: ``(6 - rank) / 5`` for a rank 1..5 from the questionnaire after the
  networking meeting, 0 without a wish.

``score`` explains one pair; ``feasibility_matrix`` and ``base_score_matrix``
(``mentoring.matching.matrices``) compute the same for every (mentee, mentor) at once for the solver, and
tests hold the two equal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from mentoring.matching.days import format_day_set

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


# --------------------------------------------------------------------------- feasibility and score


def unfit(form_mentor_categories: Iterable[str], form_mentee_categories: Iterable[str],
          mentor: MentorCandidate, mentee: MenteeCandidate) -> str | None:
    """Why this mentor may not be paired with this mentee in this form of mentoring, or None.

    The codes, checked in this order: ``mentor_category`` and ``mentee_category`` (not among the form's
    categories), ``same_person`` (a student can be in both bases, nobody mentors themselves),
    ``younger_peer`` (see ``_younger_peer``).
    """
    if mentor.category not in form_mentor_categories:
        return "mentor_category"
    if mentee.category not in form_mentee_categories:
        return "mentee_category"
    if mentor.participant_id == mentee.participant_id:
        return "same_person"
    if _younger_peer(mentor, mentee):
        return "younger_peer"
    return None


def is_feasible(form_mentor_categories: Iterable[str], form_mentee_categories: Iterable[str],
                mentor: MentorCandidate, mentee: MenteeCandidate) -> bool:
    """May this mentor be proposed to this mentee in this form of mentoring? (``unfit`` says why not.)

    Consent to mentoring, the no-criminal-record certificate for outside mentors, capacity and archived
    participants are NOT checked: the caller (``mentoring.eligibility``) checks them.
    """
    return unfit(form_mentor_categories, form_mentee_categories, mentor, mentee) is None


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
    # Called for every proposed pair: the fallback name only made when needed, one name not sorted.
    names = [topic_names[t] if t in topic_names else f"тема № {t}" for t in topic_ids]
    if len(names) > 1:
        names.sort(key=_topic_key)
    return ", ".join(names)


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


def _topics_reason(wanted: frozenset[int], common: frozenset[int], weight: float,
                   topic_names: Mapping[int, str]) -> Reason:
    if not wanted:
        return Reason("topics_none", "Наставляемый не указал запросы", 0.0)
    if common:
        label = f"Совпадают запросы: {_topic_list(common, topic_names)}"
        if len(common) < len(wanted):
            label += f" ({len(common)} из {len(wanted)})"
        return Reason("topics_match", label, weight * (len(common) / len(wanted)))
    label = f"Нет совпадений с запросами наставляемого: {_topic_list(wanted, topic_names)}"
    return Reason("topics_no_match", label, 0.0)


def _age_reason(mentor: MentorCandidate, mentee: MenteeCandidate, weight: float) -> Reason:
    part, code, label = _age_component(mentor, mentee)
    return Reason(code, label, weight * part)


def _days_reason(mentor_days: frozenset[int], mentee_days: frozenset[int], weight: float) -> Reason:
    if mentor_days and mentee_days:
        common_days = mentor_days & mentee_days
        if common_days:
            part = len(common_days) / len(mentor_days | mentee_days)
            return Reason("days_match", f"Удобные дни совпадают: {format_day_set(common_days)}", weight * part)
        label = (f"Нет общих удобных дней (наставник: {format_day_set(mentor_days)}; "
                 f"наставляемый: {format_day_set(mentee_days)})")
        return Reason("days_no_match", label, 0.0)
    whose = ("у наставника и наставляемого" if not mentor_days and not mentee_days
             else "у наставника" if not mentor_days else "у наставляемого")
    return Reason("days_unknown", f"Удобные дни не указаны {whose}", 0.0)


def _capacity_reason(capacity: int, capacity_left: int, seats_taken: int, weight: float) -> Reason:
    part = _capacity_component(capacity, capacity_left, seats_taken)
    label = f"Свободно мест: {capacity_left - seats_taken} из {capacity}"
    if seats_taken:
        label += " с учётом других наставляемых, предложенных этому наставнику в этом подборе"
    return Reason("capacity", label, weight * part)


def _remembered(memo: dict | None, key: tuple, make, *args) -> Reason:
    """``make(*args)``, or the equal Reason made before for the same ``key`` (reasons are immutable)."""
    if memo is None:
        return make(*args)
    try:
        found = memo.get(key)
    except TypeError:  # a candidate built with a plain set: not a key, nothing remembered
        return make(*args)
    if found is None:
        found = memo[key] = make(*args)
    return found


def score(mentor: MentorCandidate, mentee: MenteeCandidate, weights: Weights | None = None,
          wishes: Wishes | None = None, topic_names: Mapping[int, str] | None = None, *,
          seats_taken: int = 0, memo: dict | None = None) -> Score:
    """The pair's score with a reason for every component whose weight is not zero.

    Reasons with 0 points are kept (e.g. «вне желаемого диапазона»): they explain a low score.
    ``seats_taken``: how many other mentees this proposal already gives the same mentor; the
    capacity component counts the seats left after them (see the module docstring). Feasibility is
    not checked here.

    ``memo``: a dict kept over the pairs of ONE proposal (the same weights and topic names): a reason
    that depends only on a few values of the pair (the topic sets, the ages, the days, the seats) is
    made once and shared, as the same immutable ``Reason``; a thousand pairs have a few hundred.
    """
    weights = weights or Weights()
    wishes = wishes or NO_WISHES
    topic_names = topic_names or {}
    reasons: list[Reason] = []

    if weights.topics:
        common = mentee.topics & mentor.topics
        reasons.append(_remembered(memo, ("topics", mentee.topics, common), _topics_reason, mentee.topics, common,
                                   weights.topics, topic_names))
    if weights.age:
        reasons.append(_remembered(memo, ("age", mentee.age, mentor.age_min, mentor.age_max), _age_reason,
                                   mentor, mentee, weights.age))
    if weights.meeting_times:
        reasons.append(_remembered(memo, ("days", mentor.meeting_days, mentee.meeting_days), _days_reason,
                                   mentor.meeting_days, mentee.meeting_days, weights.meeting_times))
    if weights.capacity:
        reasons.append(_remembered(memo, ("capacity", mentor.capacity, mentor.capacity_left, seats_taken),
                                   _capacity_reason, mentor.capacity, mentor.capacity_left, seats_taken,
                                   weights.capacity))

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

    return Score(total=math.fsum([reason.points for reason in reasons]), reasons=reasons)
