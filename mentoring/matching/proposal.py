"""The proposal for a whole programme: the best assignment of mentees to mentors.

What is optimised
-----------------
An assignment gives each mentee at most one mentor, each mentor at most ``capacity_left`` mentees,
and uses only feasible pairs (``is_feasible``). Among all assignments ``propose`` returns one that
maximises, lexicographically,

1. the number of mentees who get a mentor (nobody is left out to make others' pairs nicer), then
2. the total score, the sum of ``score`` (``mentoring.matching.scoring``) over the proposed pairs.

Algorithm: exact maximum-weight bipartite b-matching
----------------------------------------------------
A mentor with ``capacity_left = c`` becomes ``c`` slot columns, so the b-matching becomes an ordinary
assignment problem (mentees x slots), infeasible cells are ``-inf`` (forbidden), and
``scipy.optimize.linear_sum_assignment`` (shortest augmenting paths, a LAPJV-style Hungarian method)
finds an optimum exactly, in polynomial time.

Pairs first, score second, without a big-M bonus. Let ``P`` be the largest possible number of pairs.

* If every slot can be filled (``P == slots``), the matrix is transposed, slots x mentees: every
  slot takes exactly one mentee, so every full assignment has ``P`` pairs; likewise, if every mentee
  can be paired (``P == mentees``), mentees x slots;
* otherwise the matrix is mentees x (slots + mentees - P): the extra columns mean "no mentor" (value
  0), and there are exactly as many as the mentees who must stay unmatched, so again every full
  assignment has exactly ``P`` pairs.

The first case is the usual one, so the solver is first given the smaller side's full assignment
(slots x mentees when there are no more slots than mentees, mentees x slots otherwise); when it has none,
the solver says so, and only then is ``P`` counted by ``scipy.sparse.csgraph.maximum_bipartite_matching``
(Hopcroft–Karp) for the padded matrix. Counting ``P`` first every time cost a fifth of the solver's time
at 1,000 x 400; ``bench_matching`` prints ``propose``'s time against scipy's alone on the same matrix.

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
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

from mentoring.matching.matrices import base_score_matrix, feasibility_matrix
from mentoring.matching.scoring import NO_WISHES, MenteeCandidate, MentorCandidate, Score, Weights, Wishes, score

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


@dataclass
class _Problem:
    """The assignment problem of a proposal: the mentees with a feasible mentor (``rows``), the mentors
    with at least one slot (``used``), each slot's mentor (index into ``used``) and value."""

    rows: np.ndarray
    used: np.ndarray
    base: np.ndarray          # rows x used: every score component but capacity
    feasible: np.ndarray      # rows x used
    slot_mentor: np.ndarray
    slot_value: np.ndarray

    @property
    def n_slots(self) -> int:
        return len(self.slot_mentor)


def _problem(mentors, mentees, feasible: np.ndarray, weights: Weights, wishes: Wishes) -> _Problem | None:
    rows = np.flatnonzero(feasible.any(axis=1)) if mentors else np.array([], dtype=np.intp)
    capacity_left = np.array([max(0, x.capacity_left) for x in mentors], dtype=np.intp)
    slots = np.minimum(capacity_left, feasible[rows].sum(axis=0)) if len(rows) else np.zeros(len(mentors), np.intp)
    n_slots = int(slots.sum())
    if not len(rows) or not n_slots:
        return None
    used = np.flatnonzero(slots)  # mentors with at least one slot
    sub_mentees = [mentees[i] for i in rows]
    sub_mentors = [mentors[j] for j in used]
    slot_counts = slots[used]
    slot_mentor = np.repeat(np.arange(len(used)), slot_counts)  # index into sub_mentors
    slot_k = np.arange(n_slots) - np.repeat(np.cumsum(slot_counts) - slot_counts, slot_counts)
    capacity = np.array([x.capacity for x in sub_mentors], dtype=np.float64)
    left = capacity_left[used].astype(np.float64)
    seat_share = np.divide(left[slot_mentor] - slot_k, capacity[slot_mentor],
                           out=np.zeros(n_slots), where=capacity[slot_mentor] > 0)
    return _Problem(rows=rows, used=used, base=base_score_matrix(sub_mentors, sub_mentees, weights, wishes),
                    feasible=feasible[np.ix_(rows, used)], slot_mentor=slot_mentor,
                    slot_value=weights.capacity * np.clip(seat_share, 0.0, 1.0))


def _slot_costs(problem: _Problem) -> np.ndarray:
    """slots x mentees, each slot to take one mentee: the costs (-scores, +inf where infeasible)."""
    # Negated and forbidden on the small mentors x mentees matrix, then gathered into slots: one pass over
    # the large matrix less. -(b + v) and (-b) - v are the same float (negation is exact).
    negated = np.negative(problem.base.T, order="C")
    np.copyto(negated, np.inf, where=~problem.feasible.T)
    costs = np.take(negated, problem.slot_mentor, axis=0)  # C-contiguous, as the solver wants it
    costs -= problem.slot_value[:, None]
    return costs


def _mentee_costs(problem: _Problem, no_mentor: int) -> np.ndarray:
    """mentees x (slots + ``no_mentor`` columns of value 0 meaning "no mentor")."""
    r, n_slots = len(problem.rows), problem.n_slots
    costs = np.zeros((r, n_slots + no_mentor))
    pair_costs = costs[:, :n_slots]
    np.take(problem.base, problem.slot_mentor, axis=1, out=pair_costs)
    pair_costs += problem.slot_value
    np.negative(pair_costs, out=pair_costs)
    np.copyto(pair_costs, np.inf, where=np.take(~problem.feasible, problem.slot_mentor, axis=1))
    return costs


def _first_matrix(problem: _Problem) -> np.ndarray:
    if problem.n_slots <= len(problem.rows):
        return _slot_costs(problem)
    return _mentee_costs(problem, 0)


def solver_matrix(mentors: Sequence[MentorCandidate], mentees: Sequence[MenteeCandidate], *,
                  mentor_categories: Iterable[str], mentee_categories: Iterable[str],
                  weights: Weights | None = None, wishes: Wishes | None = None) -> np.ndarray | None:
    """The cost matrix ``propose`` hands the solver first (``bench_matching`` times scipy alone on it);
    None when nobody can be paired."""
    mentors, mentees = list(mentors), list(mentees)
    feasible = feasibility_matrix(mentors, mentees, mentor_categories=mentor_categories,
                                  mentee_categories=mentee_categories)
    problem = _problem(mentors, mentees, feasible, weights or Weights(), wishes or NO_WISHES)
    return None if problem is None else _first_matrix(problem)


def _solve(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """(rows, slots): an assignment with the most pairs, then the highest total score.

    First the full assignment of the smaller side: every slot filled when there are no more slots than
    mentees, every mentee paired otherwise. It usually exists, and then it pairs as many mentees as
    possible (``P`` of the module docstring equals that side), with no need to count ``P``; the solver
    reports it does not exist (``ValueError``) after at most one run. Only then is ``P`` counted
    (Hopcroft–Karp) and the matrix padded with "no mentor" columns.
    """
    r, n_slots = len(problem.rows), problem.n_slots
    costs = _first_matrix(problem)
    try:
        first, second = linear_sum_assignment(costs)
    except ValueError:
        pass  # no full assignment of the smaller side
    else:
        return (second, first) if n_slots <= r else (first, second)
    del costs
    slot_feasible = problem.feasible[:, problem.slot_mentor]  # rows x slots
    most_pairs = int((maximum_bipartite_matching(_csr_of(slot_feasible), perm_type="column") >= 0).sum())
    del slot_feasible
    row_index, slot_index = linear_sum_assignment(_mentee_costs(problem, r - most_pairs))
    paired = slot_index < n_slots
    return row_index[paired], slot_index[paired]


def _seated(problem: _Problem) -> dict[int, tuple[int, int]]:
    """mentee index -> (mentor index, seat): the solver's pairs, and per mentor the seats in the order of
    the other components (the best first; equal ones by the mentee's position)."""
    rows, slots = _solve(problem)
    columns = problem.slot_mentor[slots]
    mentee_index, mentor_index = problem.rows[rows], problem.used[columns]
    order = np.lexsort((mentee_index, -problem.base[rows, columns], mentor_index))
    mentee_index, mentor_index = mentee_index[order], mentor_index[order]
    starts = np.flatnonzero(np.r_[True, mentor_index[1:] != mentor_index[:-1]]) if len(order) else order
    seats = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return {e: (m, k) for e, m, k in zip(mentee_index.tolist(), mentor_index.tolist(), seats.tolist(), strict=True)}


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
    problem = _problem(mentors, mentees, feasible, weights, wishes)
    # Seats: per mentor, the mentee with the best other components takes seat 0.
    assigned = _seated(problem) if problem is not None else {}  # mentee index -> (mentor index, seat)

    pairs: list[ProposedPair] = []
    unmatched: list[Unmatched] = []
    memo: dict = {}  # the reasons shared by pairs (``score``'s memo)
    for i, mentee in enumerate(mentees):
        if i in assigned:
            mentor_index, seat = assigned[i]
            mentor = mentors[mentor_index]
            pair_score = score(mentor, mentee, weights, wishes, topic_names, seats_taken=seat, memo=memo)
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
