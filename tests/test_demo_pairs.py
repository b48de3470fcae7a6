"""``load_demo`` matches each programme in memory (``mentoring.demo_pairs.OrganisationPool``): what it
matches from must be what the portal's matching reads from the database at that moment, programme by
programme, with the load the earlier programmes, replacements and ended pairs left."""

import io

import pytest

from mentoring import demo_pairs, proposals, selectors
from registry import demo


@pytest.mark.django_db
def test_the_pool_gives_matching_what_the_database_would(monkeypatch):
    compared = []
    proposal = demo_pairs.OrganisationPool.proposal

    def checked(pool, programme, wishes):
        got, data = proposal(pool, programme, wishes)
        want, expected = proposals.proposal_for(programme, on=pool.on)
        assert data.mentors == expected.mentors
        assert data.mentees == expected.mentees
        assert data.wishes == expected.wishes
        assert data.weights == expected.weights
        assert [(p.mentee_id, p.mentor_id, p.score) for p in got.pairs] == [
            (p.mentee_id, p.mentor_id, p.score) for p in want.pairs]
        people = [m.participant_id for m in pool.mentors] + [m.participant_id for m in pool.mentees]
        for day, consenting in pool.consenting_on.items():
            assert consenting == selectors.participants_with_valid_consent(people, day)
        compared.append((programme.pk, len(data.mentors), len(got.pairs)))
        return got, data

    monkeypatch.setattr(demo_pairs.OrganisationPool, "proposal", checked)
    ctx = demo.load_demo(organisations=4, participants=60, stdout=io.StringIO())
    assert len(compared) >= 10
    assert sum(pairs for _pk, _mentors, pairs in compared) > 20
    # The load moved between programmes (a mentor matched in one has fewer places in the next).
    assert ctx.created["пар, прекращённых досрочно"] > 0

