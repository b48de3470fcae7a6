"""Matching mentees with mentors (подбор наставников): plain functions, no database.

The caller (the Django side, ``mentoring.eligibility``) loads the candidates of one programme, turns
them into ``MentorCandidate`` / ``MenteeCandidate``, and calls ``propose`` for a whole programme or
``score`` for one pair. Everything here is pure: same input, same output, no queries, no clock.

* ``mentoring.matching.scoring`` — the candidates, the weights and wishes, ``is_feasible`` and the
  score of a pair with its reasons (and the same score vectorised for the solver): the one rule of
  what fits and how well, used by the proposal, the candidates page, the swap of a proposed mentor
  and the replacement of a mentor;
* ``mentoring.matching.matrices`` — the same rule and score for every (mentee, mentor) at once, for the solver;
* ``mentoring.matching.proposal`` — ``propose``, the optimal assignment of a whole programme;
* ``mentoring.matching.days`` — convenient meeting days read from free Russian text.

Not checked here: consent to mentoring, the no-criminal-record certificate, archived participants,
existing open pairs. The caller filters candidates by those before, and passes
``capacity_left = capacity - open pairs``.
"""

from mentoring.matching.days import ALL_DAYS, DAY_ABBREVIATIONS, WEEKDAYS, WEEKEND, format_days, parse_meeting_days
from mentoring.matching.matrices import base_score_matrix, feasibility_matrix
from mentoring.matching.proposal import UNMATCHED_REASONS, Proposal, ProposedPair, Unmatched, propose
from mentoring.matching.scoring import (
    NO_WISHES,
    PEER_CATEGORY,
    MenteeCandidate,
    MentorCandidate,
    Reason,
    Score,
    Weights,
    Wishes,
    is_feasible,
    score,
    unfit,
    wish_value,
)

__all__ = [
    "ALL_DAYS", "DAY_ABBREVIATIONS", "NO_WISHES", "PEER_CATEGORY", "UNMATCHED_REASONS", "WEEKDAYS", "WEEKEND",
    "MenteeCandidate", "MentorCandidate", "Proposal", "ProposedPair", "Reason", "Score", "Unmatched", "Weights",
    "Wishes", "base_score_matrix", "feasibility_matrix", "format_days", "is_feasible", "parse_meeting_days",
    "propose", "score", "unfit", "wish_value",
]
