"""The factories (tests/factories.py, tests/factories_apps.py) build rows the models accept, in one
organisation unless told otherwise, so a test that uses them talks about what it sets and nothing else."""

import pytest

from mentoring.models import Meeting, Pair
from monitoring.models import MonitoringReport
from tests import factories

EVERY_FACTORY = [
    factories.ProgrammeFactory, factories.PairFactory, factories.MentorLinkFactory, factories.MembershipFactory,
    factories.PlanItemFactory, factories.MeetingFactory, factories.OrderFactory, factories.RoadmapFactory,
    factories.RoadmapItemFactory, factories.OccurrenceFactory, factories.QuestionnaireFactory,
    factories.QuestionFactory, factories.ResponseFactory, factories.LinkFactory, factories.ReportFactory,
    factories.AnalysisFactory, factories.ExportJobFactory,
]


@pytest.mark.parametrize("factory", EVERY_FACTORY, ids=lambda f: f.__name__)
def test_every_factory_builds_a_row_the_model_accepts(db, factory):
    row = factory()
    row.full_clean(validate_unique=False)
    assert type(row)._base_manager.filter(pk=row.pk).exists()


def test_a_pair_is_one_mentor_and_one_mentee_of_its_programmes_organisation(db):
    pair = factories.PairFactory(mentor__participant__last_name="Ёлкина")
    school = pair.programme.organisation
    assert pair.status == Pair.Status.ACTIVE
    assert [link.mentor.participant.last_name for link in pair.mentor_links.all()] == ["Ёлкина"]
    assert {link.mentor.participant.organisation for link in pair.mentor_links.all()} == {school}
    assert {m.mentee.participant.organisation for m in pair.memberships.all()} == {school}
    assert {m.joined_on for m in pair.memberships.all()} == {pair.started_on}
    empty = factories.PairFactory(programme=pair.programme, mentor=False, mentees=[])
    assert not empty.mentor_links.exists() and not empty.memberships.exists()


def test_one_programme_per_organisation_year_and_form(db):
    first = factories.ProgrammeFactory()
    assert factories.ProgrammeFactory(organisation=first.organisation) == first
    assert factories.ProgrammeFactory(organisation=first.organisation, form_name=factories.COLLEAGUES) != first


def test_a_group_meeting_belongs_to_the_programme_and_a_report_is_sent_before_it_is_due(db):
    programme = factories.ProgrammeFactory()
    assert factories.MeetingFactory(pair=None, programme=programme).kind == Meeting.Kind.GROUP_FINAL
    draft = factories.ReportFactory()
    assert draft.submitted_at is None and draft.accepted_at is None
    accepted = factories.ReportFactory(status=MonitoringReport.Status.ACCEPTED, half=2)
    assert accepted.submitted_at.date() < accepted.due_on and accepted.accepted_at is not None
