"""Matching through the database (``mentoring.proposals.propose_pairs``) proposes exactly the pairs that
matching in memory (``mentoring.matching.propose``) proposes on the same generated district: the service
loses nothing of the candidates on the way (topics, ages, meeting days, places, wishes) and reads them in
an order of its own choosing, not the database's."""

import pytest

from mentoring.management.commands.bench_matching import (
    MENTEE_CATEGORIES,
    MENTOR_CATEGORIES,
    synthetic_instance,
    write_instance,
)
from mentoring.matching import Weights, propose
from mentoring.proposals import propose_pairs


@pytest.mark.parametrize(("mentees", "mentors", "seed"), [(120, 45, 1), (90, 60, 7), (150, 30, 3)])
def test_the_database_path_proposes_the_pairs_of_the_in_memory_path(db, mentees, mentors, seed):
    mentor_list, mentee_list, wishes, topic_names = synthetic_instance(mentees=mentees, mentors=mentors, topics=30,
                                                                       seed=seed)
    in_memory = propose(mentor_list, mentee_list, mentor_categories=MENTOR_CATEGORIES,
                        mentee_categories=MENTEE_CATEGORIES, weights=Weights(), wishes=wishes,
                        topic_names=topic_names)
    programme, mentee_of, mentor_of = write_instance(mentor_list, mentee_list, topics=30, wishes=wishes)
    through_database = propose_pairs(programme)
    expected = {(pair.mentee_id, pair.mentor_id) for pair in in_memory.pairs}
    assert expected
    assert {(mentee_of[pair.mentee_id], mentor_of[pair.mentor_id]) for pair in through_database.pairs} == expected
    assert through_database.total_score == pytest.approx(in_memory.total_score)
    assert programme.pairs.count() == len(expected)
