"""``is_feasible`` and ``score`` (``mentoring.matching.scoring``) for every (mentee, mentor) at once: the
matrices the solver works on (``mentoring.matching.proposal``).

Tests hold them equal to the explained scores. The values are the same floats, added in the same order
(topics, age, meeting days, wishes), as the first vectorised version computed, so the solver sees the same
matrix and breaks ties the same way. What changed is how: a component that depends on a small property of
the mentee (the age, the set of week days) is computed once per distinct value of it, mentees x mentors
only by one gather (``table[index]``), and every step writes into the result or into small temporaries.
At 1,000 x 400 each full-size float temporary is 3 MB of fresh pages, and they, not the arithmetic, were
most of the time (``bench_matching`` compares ``propose`` with the solver alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from mentoring.matching.days import _days_mask
from mentoring.matching.scoring import PEER_CATEGORY, MenteeCandidate, MentorCandidate, Weights, Wishes, wish_value


def _topic_masks(people, column: dict[int, int], words: int) -> np.ndarray:
    """Each person's topics (those in ``column``) as ``words`` 64-bit masks: a people x words array."""
    if words == 1:  # up to 64 topics, the usual case: one Python integer per person, one array at the end
        found = []
        for person in people:
            bits = 0
            for t in person.topics:
                j = column.get(t)
                if j is not None:
                    bits |= 1 << j
            found.append(bits)
        return np.array(found, dtype=np.uint64).reshape(len(people), 1)
    masks = np.zeros((len(people), words), dtype=np.uint64)
    for i, person in enumerate(people):
        bits = [0] * words
        for t in person.topics:
            j = column.get(t)
            if j is not None:
                bits[j >> 6] |= 1 << (j & 63)
        masks[i] = bits
    return masks


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


def _distinct(values: list) -> tuple[list, np.ndarray]:
    """The distinct values (in order of appearance) and, per item, the index of its value among them."""
    index: dict = {}
    positions = np.array([index.setdefault(value, len(index)) for value in values], dtype=np.intp)
    return list(index), positions


def _age_table(ages: list[int | None], mentors: Sequence[MentorCandidate], weight: float) -> np.ndarray:
    """The age component for each distinct mentee age (None: unknown) and each mentor: 1 inside the
    mentor's range, 0 outside, 0.5 when the mentor has no range or the age is unknown; times ``weight``."""
    nan = float("nan")
    age = np.array([nan if a is None else a for a in ages], dtype=np.float64)
    age_min = np.array([nan if x.age_min is None else x.age_min for x in mentors], dtype=np.float64)
    age_max = np.array([nan if x.age_max is None else x.age_max for x in mentors], dtype=np.float64)
    no_min, no_max = np.isnan(age_min), np.isnan(age_max)
    inside = ((no_min[None, :] | (age[:, None] >= age_min[None, :]))
              & (no_max[None, :] | (age[:, None] <= age_max[None, :])))
    part = inside.astype(np.float64)
    part[(no_min & no_max)[None, :] | np.isnan(age)[:, None]] = 0.5
    part *= weight
    return part


def _days_table(masks: list[int], mentors: Sequence[MentorCandidate], weight: float) -> np.ndarray:
    """The meeting days' Jaccard index for each distinct mentee day mask and each mentor, times ``weight``."""
    mentee_days = np.array(masks, dtype=np.uint8)
    mentor_days = np.array([_days_mask(x.meeting_days) for x in mentors], dtype=np.uint8)
    both = np.bitwise_count(mentee_days[:, None] & mentor_days[None, :])
    either = np.bitwise_count(mentee_days[:, None] | mentor_days[None, :])
    jaccard = np.zeros(both.shape)
    np.divide(both, either, out=jaccard, where=both > 0)
    jaccard *= weight
    return jaccard


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
            # Topic sets as bit masks, 64 topics a word: the common topics are counted by popcount of
            # the AND, in integers (exactly what a 0/1 matrix product counts): single-threaded and steady,
            # where a BLAS product's threads took from 0.3 to 20 ms on a busy two-core machine.
            column = {t: j for j, t in enumerate(topic_ids)}
            words = (len(topic_ids) + 63) // 64
            wanted = _topic_masks(mentees, column, words)
            offered = _topic_masks(mentors, column, words)
            common = np.bitwise_count(wanted[:, None, 0] & offered[None, :, 0])
            for word in range(1, words):
                common += np.bitwise_count(wanted[:, None, word] & offered[None, :, word])
            # The share of the mentee's requests, straight into the result (a mentee without requests
            # has nothing in common: 0 / 1).
            requests = np.array([max(1, len(e.topics)) for e in mentees], dtype=np.float64)
            np.divide(common, requests[:, None], out=total)
            del common
            total *= weights.topics

    if weights.age:
        ages, row = _distinct([e.age for e in mentees])
        total += np.take(_age_table(ages, mentors, weights.age), row, axis=0)

    if weights.meeting_times:
        day_sets, row = _distinct([e.meeting_days for e in mentees])
        masks = [_days_mask(days) for days in day_sets]
        total += np.take(_days_table(masks, mentors, weights.meeting_times), row, axis=0)

    row_of = {e.id: i for i, e in enumerate(mentees)}
    col_of = {x.id: j for j, x in enumerate(mentors)}
    for weight, ranks in ((weights.mentee_wish, wishes.by_mentee), (weights.mentor_wish, wishes.by_mentor)):
        if not weight:
            continue
        value = {rank: weight * wish_value(rank) for rank in set(ranks.values())}  # a handful of ranks
        cells = [(i, j, value[rank]) for (mentee_id, mentor_id), rank in ranks.items()
                 if (i := row_of.get(mentee_id)) is not None and (j := col_of.get(mentor_id)) is not None]
        if cells:
            rows, columns, values = zip(*cells, strict=True)
            # One wish per (mentee, mentor) and side: no cell twice, a plain fancy-index add.
            total[rows, columns] += values
    return total
