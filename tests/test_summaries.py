"""The district dashboard's stored summaries: never older than the data.

The main test walks a school through a year of writes — every service that changes what the figures
read, through ``save()``, ``bulk_create`` and conditional ``update()`` — and after each one compares the
summary the dashboard would show with one computed from the rows right then. A write path that forgot
to announce itself leaves the stored summary behind and fails here.
"""

import datetime
import json

from django.urls import reverse
from django.utils import timezone

from mentoring import orders, proposals, services
from mentoring.models import Meeting, Membership, Pair, PlanItem
from monitoring import questionnaires, summaries
from monitoring.models import CoverageTarget, OrganisationSummary, Questionnaire
from registry.models import AcademicYear, OrganisationHeadcount
from registry.imports.service import commit_import
from tests import factories
from tests.test_import import good_rows, stored_import, xlsx
from tests.test_pairs import student, teacher

TODAY = timezone.localdate()


def as_stored(value):
    """What a summary looks like after a trip through the JSON column."""
    return json.loads(json.dumps(value))


class Watcher:
    """Reads the summaries as the dashboard does and checks them against the rows."""

    def __init__(self, organisations):
        self.organisations = organisations
        self.year = AcademicYear.objects.current()
        self.last = self.read()

    def read(self) -> dict:
        read = summaries.for_organisations(self.organisations, self.year, TODAY)
        # The statistics export's row is stored apart from the data, in its own column: checked too.
        rows = dict(OrganisationSummary.objects.filter(academic_year=self.year, organisation_id__in=list(read))
                    .values_list("organisation_id", "statistics"))
        return as_stored({pk: {**data, "statistics": rows[pk]} for pk, data in read.items()})

    def step(self, what: str, *, changes=True) -> dict:
        """After a write: the stored summaries equal fresh ones, and (for a write that matters) differ
        from the previous step's — so a write that the summaries missed cannot pass unnoticed."""
        stored = self.read()
        fresh = as_stored(summaries.build(self.organisations, self.year, TODAY))
        assert stored == fresh, f"{what}: the stored summary is behind the data"
        if changes:
            assert stored != self.last, f"{what}: the step changed nothing the figures show"
        self.last = stored
        return stored


def figures_of(summary, organisation):
    return summary[str(organisation.pk)]["figures"]


def test_every_write_path_makes_the_summary_current(district):
    school, other = district.school1, district.school2
    watch = Watcher([school, other])
    untouched = OrganisationSummary.objects.get(organisation=other).generation

    mentor, mentee = teacher(school), student(school)
    watch.step("participants and consents saved")
    OrganisationHeadcount.objects.create(organisation=school, academic_year=watch.year, students_total=100,
                                         students_aged_10_plus=80, teachers_total=20)
    watch.step("head count")
    course = factories.ProgrammeFactory(organisation=school)
    pair = services.form_pair(programme=course, mentor=mentor, mentees=[mentee], started_on=TODAY)
    state = watch.step("pair formed (memberships in bulk)")
    assert figures_of(state, school)["pairs"]["forming"] == 1
    services.activate(pair)
    assert figures_of(watch.step("pair activated (conditional update)"), school)["pairs"]["active"] == 1
    services.log_meeting(programme=course, pair=pair, data=services.MeetingInput(
        kind=Meeting.Kind.REGULAR, held_on=TODAY, format=Meeting.Format.IN_PERSON, topic="Встреча", note="",
        mentor_feedback="", mentee_feedback="", attendee_ids=[]))
    assert figures_of(watch.step("meeting"), school)["meetings"] == 1
    membership = pair.memberships.get()
    item = PlanItem.objects.create(membership=membership, goal="Цель", action="Шаг", due_on=TODAY)
    watch.step("plan item")
    item.status = PlanItem.Status.DONE
    item.save()
    assert figures_of(watch.step("plan item done"), school)["plans"]["average_percent"] == 100

    second = student(school)
    services.add_mentee(pair, mentee=second, on=TODAY)
    assert figures_of(watch.step("mentee added"), school)["pairs"]["groups"] == 1
    services.remove_mentee(Membership.objects.get(pair=pair, mentee=second), on=TODAY, reason="Переезд")
    assert figures_of(watch.step("mentee left (conditional update)"), school)["pairs"]["groups"] == 0
    services.replace_mentor(pair, new_mentor=teacher(school), on=TODAY, reason="Болезнь")
    watch.step("mentor replaced")
    services.close_pair(pair, status=Pair.Status.COMPLETED, on=TODAY, results="Победа на олимпиаде")
    assert figures_of(watch.step("pair closed (conditional update)"), school)["pairs"]["completed"] == 1

    consent = mentor.participant.consents.get()
    consent.revoke(on=TODAY, reason="Отозвал", by=district.curator1)
    watch.step("consent revoked (conditional update)")

    second = factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель")
    young = factories.MenteeProfileFactory(participant__organisation=school, participant__category="young_specialist",
                                           participant__birth_date=datetime.date(2001, 3, 3)).participant
    factories.ConsentFactory(participant=young)
    factories.ConsentFactory(participant=factories.MentorProfileFactory(participant__organisation=school)
                             .participant)
    watch.step("people for the second programme")
    proposals.propose_pairs(second)
    assert figures_of(watch.step("pairs proposed (bulk)"), school)["pairs"]["proposed"] == 1
    proposals.propose_pairs(second)
    watch.step("proposals replaced (bulk delete)", changes=False)
    proposed = second.pairs.get(status=Pair.Status.PROPOSED)
    services.confirm_proposal(proposed, started_on=TODAY)
    assert figures_of(watch.step("proposal confirmed (update)"), school)["pairs"]["forming"] == 1

    order = factories.OrderFactory(organisation=school, academic_year=watch.year, number="7", pairs=[proposed])
    orders.sign_order(order, by=district.director1)
    assert figures_of(watch.step("order signed: forming pairs work (update)"), school)["pairs"]["active"] == 1

    commit_import(stored_import(school, xlsx(good_rows())), by=district.curator1)
    watch.step("participants imported (bulk)")

    questionnaire = Questionnaire.objects.filter(kind=Questionnaire.Kind.PROGRAMME_QUALITY, form__isnull=True).first()
    answers = {question.pk: question.choices[0] if question.choices else "4" if question.type.startswith("scale")
               else "Полезно" for question in questionnaires.active_questions(questionnaire)}
    questionnaires.enter_response(questionnaire=questionnaire, organisation=school, participant=mentee.participant,
                                  answers=answers, by=district.curator1)
    assert figures_of(watch.step("questionnaire answered (bulk answers)"), school)["satisfaction"]

    CoverageTarget.objects.create(municipality=district.municipality, academic_year=watch.year,
                                  students_percent=50, teachers_percent=60)
    state = watch.step("target set for the municipality")
    assert figures_of(state, other)["coverage"]["students_target"] == 50

    # The other school's summary was made stale only by the shared target, never by the first's writes.
    assert OrganisationSummary.objects.get(organisation=other).generation == untouched + 1


def test_only_stale_organisations_are_computed_again(district, monkeypatch):
    school, other = district.school1, district.school2
    year = AcademicYear.objects.current()
    summaries.for_organisations([school, other], year, TODAY)
    built = []
    real_build = summaries.build
    monkeypatch.setattr(summaries, "build", lambda orgs, *a: built.append([o.pk for o in orgs]) or real_build(orgs, *a))

    summaries.for_organisations([school, other], year, TODAY)
    assert built == []
    teacher(school)
    summaries.for_organisations([school, other], year, TODAY)
    assert built == [[school.pk]]
    # Another day: consents lapse and pairs fall quiet by the date alone.
    summaries.for_organisations([school, other], year, TODAY + datetime.timedelta(days=1))
    assert built[-1] == [school.pk, other.pk]


def test_a_write_during_the_computation_leaves_the_summary_stale(district, monkeypatch):
    """The reader stores the generation it read before computing: a write that lands meanwhile (and
    that the computation did not see) leaves the row stale, and the next reader counts it."""
    school = district.school1
    year = AcademicYear.objects.current()
    real_build = summaries.build

    def build_then_someone_writes(organisations, *args):
        result = real_build(organisations, *args)
        teacher(school)  # committed after the reader's queries
        return result

    monkeypatch.setattr(summaries, "build", build_then_someone_writes)
    before = summaries.for_organisations([school], year, TODAY)[school.pk]
    monkeypatch.setattr(summaries, "build", real_build)
    row = OrganisationSummary.objects.get(organisation=school)
    assert not row.is_fresh(TODAY)
    after = summaries.for_organisations([school], year, TODAY)[school.pk]
    assert after["figures"]["participants_total"] == before["figures"]["participants_total"] + 1


def test_the_bump_is_repeated_after_the_commit(district, django_capture_on_commit_callbacks):
    """A reader that computed from the rows before the writer committed, and stored its summary while
    the writer's first bump was not yet visible to it, is caught by the second bump after the commit."""
    school = district.school1
    year = AcademicYear.objects.current()
    summaries.for_organisations([school], year, TODAY)
    generation = OrganisationSummary.objects.get(organisation=school).generation
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        teacher(school, consent=False)
    assert callbacks
    assert OrganisationSummary.objects.get(organisation=school).generation == generation + 2


def test_refresh_computes_every_active_organisation_ahead_of_the_readers(district):
    assert summaries.refresh() == 4
    assert all(row.is_fresh(TODAY) for row in OrganisationSummary.objects.all())
    assert OrganisationSummary.objects.count() == 4


def test_the_dashboard_shows_a_write_at_once(district, client_for):
    client = client_for(district.municipal)
    path = reverse("monitoring:dashboard")
    first = client.get(path).context["d"].totals["participants_total"]
    teacher(district.school2)
    assert client.get(path).context["d"].totals["participants_total"] == first + 1


def test_the_nightly_task_refreshes(district):
    from monitoring.tasks import refresh_summaries

    assert refresh_summaries.delay().get() == 4
    assert OrganisationSummary.objects.count() == 4


def test_writes_while_changes_are_held_leave_the_summaries_to_whoever_holds_them(district):
    """``registry.signals.changes_held`` (the demo loader): no bump per write while held; after it, as usual."""
    from registry.signals import changes_held

    school = district.school1
    summaries.for_organisations([school], AcademicYear.objects.current(), TODAY)

    def generation():
        return OrganisationSummary.objects.get(organisation=school).generation

    before = generation()
    with changes_held():
        factories.ParticipantFactory(organisation=school)
    assert generation() == before
    factories.ParticipantFactory(organisation=school)
    assert generation() > before
