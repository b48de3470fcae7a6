"""The federal statistics by 30 December (seed 002, order p. 11, Положение p. 3.4): the deadline in every
organisation's roadmap, the form of participants by category and form built as an export job and read
back against a hand count, scoped, and its submission recorded (who, when, the file)."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from mentoring.models import MentoringForm, Pair
from monitoring import statistics_form
from monitoring.models import ExportJob, StatisticsSubmission
from registry.models import AcademicYear, Participant
from roadmaps import services as roadmap_services
from roadmaps.models import FEDERAL_STATISTICS, Occurrence, RoadmapTemplate
from tests import factories
from tests.test_export_jobs import current_year, mentee, mentor, read

D = datetime.date
C = Participant.Category
# Columns after «Организация», «№ строки», «Форма наставничества»: mentors (all, students, teachers,
# young specialists, others), mentees (the same), participants.
ZERO = [0] * 11


@pytest.fixture
def counted(district):
    """School 1, by hand: «учитель – ученик»: teacher A with students s1, s2; teacher C with student S.
    «учитель – учитель»: teacher B with young specialist Y (completed). «ученик – ученик»: S mentors T.
    «работодатель – ученик»: employer E with student U (ended early). Not counted: a proposal, last
    year's pair. School 2 has a pair of its own."""
    s1 = district.school1
    factories.PairFactory(programme__organisation=s1, mentor=mentor(s1), mentees=[mentee(s1), mentee(s1)])
    student_s = mentee(s1)
    factories.PairFactory(programme__organisation=s1, mentees=[student_s])
    young = mentee(s1, category=C.YOUNG_SPECIALIST, birth_date=D(1999, 1, 1), class_name="")
    factories.PairFactory(programme__organisation=s1, programme__form_name="учитель – учитель", status=Pair.Status.COMPLETED, mentees=[young])
    factories.PairFactory(programme__organisation=s1, programme__form_name="ученик – ученик", mentor=factories.MentorProfileFactory(participant=student_s.participant))
    factories.PairFactory(programme__organisation=s1, programme__form_name="работодатель – ученик", status=Pair.Status.ENDED_EARLY, mentor=mentor(s1, category=C.EMPLOYER, birth_date=None))
    factories.PairFactory(programme__organisation=s1, status=Pair.Status.PROPOSED)
    last_year, _created = AcademicYear.objects.get_or_create(start_year=current_year().start_year - 1)
    factories.PairFactory(programme__organisation=s1, programme__academic_year=last_year)
    factories.PairFactory(programme__organisation=district.school2)
    return district


EXPECTED = {  # form: mentors (all, students, teachers, young, others), mentees (…), participants
    "учитель – ученик": [2, 0, 2, 0, 0, 3, 3, 0, 0, 0, 5],
    "учитель – учитель": [1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 2],
    "ученик – ученик": [1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 2],
    "работодатель – ученик": [1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2],
}
# Each person once: mentors A, C, B, S, E; mentees s1, s2, S, Y, T, U; ten people.
EXPECTED_TOTAL = [5, 1, 3, 0, 1, 6, 5, 1, 1, 0, 10]


def build(client, school, year, captured):
    with captured(execute=True):
        response = client.post(reverse("monitoring:statistics_request", args=[school.pk]),
                               {"year": str(year.start_year)})
    job = ExportJob.objects.filter(kind="statistics_form").latest("pk")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def test_the_form_read_back_matches_the_hand_count(counted, client_for, django_capture_on_commit_callbacks):
    school, year = counted.school1, current_year()
    job = build(client_for(counted.curator1), school, year, django_capture_on_commit_callbacks)
    assert job.params == {"year": year.start_year, "organisation": school.pk}
    download = client_for(counted.curator1).get(reverse("monitoring:export_download", args=[job.pk]))
    assert download.status_code == 200
    rows = read(b"".join(download.streaming_content))
    assert rows[0] == ["Организация", "№ строки", "Форма наставничества",
                       "Наставники: всего", "Наставники: обучающиеся",
                       "Наставники: педагоги (включая молодых специалистов)", "Наставники: в т. ч. молодые специалисты",
                       "Наставники: иные (родители, выпускники, работодатели)",
                       "Наставляемые: всего", "Наставляемые: обучающиеся",
                       "Наставляемые: педагоги (включая молодых специалистов)",
                       "Наставляемые: в т. ч. молодые специалисты",
                       "Наставляемые: иные (родители, выпускники, работодатели)", "Участников программы всего"]
    forms = list(MentoringForm.objects.filter(is_active=True).order_by("position", "name").values_list("name", flat=True))
    body, total = rows[1:-1], rows[-1]
    assert [row[2] for row in body] == forms and [row[1] for row in body] == list(range(1, len(forms) + 1))
    assert {row[0] for row in body} == {school.short_name}  # one organisation: school 2's pair is not here
    for row in body:
        assert row[3:] == EXPECTED.get(row[2], ZERO), row[2]
    assert total[2] == "Всего (каждый участник один раз)" and total[3:] == EXPECTED_TOTAL


def test_the_form_is_scoped(counted, client_for, roles, django_capture_on_commit_callbacks):
    school = counted.school1
    # The district reads the page; it does not build or submit the school's form.
    roles.expect(reverse("monitoring:statistics", args=[school.pk]))
    roles.expect(reverse("monitoring:statistics_request", args=[school.pk]), method="post", owner=None,
                 municipal=403)
    roles.expect(reverse("monitoring:statistics_submit", args=[school.pk]), method="post", owner=None,
                 municipal=None)
    assert not ExportJob.objects.exists()
    job = build(client_for(counted.curator1), school, current_year(), django_capture_on_commit_callbacks)
    submission = statistics_form.submit(job=job, organisation=school, year=current_year(), by=counted.curator1)
    roles.expect(submission.get_absolute_url())
    assert client_for(counted.director1).get(submission.get_absolute_url()).status_code == 200


def test_a_job_for_an_organisation_outside_the_scope_fails_and_holds_nothing(counted):
    from monitoring import tasks

    job = ExportJob.objects.create(kind="statistics_form", requested_by=counted.curator2,
                                   params=statistics_form.params_for(counted.school1, current_year()))
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert "недоступна" in job.error


def test_every_organisation_template_gives_its_roadmap_the_deadline(district):
    year = current_year()
    for code in ("school-001", "school-003", "centre-004", "college-002-2021"):
        template = RoadmapTemplate.objects.get(code=code)
        roadmap = roadmap_services.create_from_template(template=template, academic_year=year,
                                                        organisation=factories.OrganisationFactory(
                                                            municipality=district.municipality))
        occurrences = Occurrence.objects.filter(item__roadmap=roadmap, item__code=FEDERAL_STATISTICS)
        assert [o.due_on for o in occurrences] == [D(roadmap.plan_year, 12, 30)], code
    district_roadmap = roadmap_services.create_from_template(
        template=RoadmapTemplate.objects.get(code="district-000"), academic_year=year,
        municipality=district.municipality)
    assert not district_roadmap.items.filter(code=FEDERAL_STATISTICS).exists()


def test_the_submission_is_recorded_with_who_when_and_the_file(counted, client_for,
                                                                django_capture_on_commit_callbacks):
    school, year = counted.school1, current_year()
    roadmap = roadmap_services.create_from_template(template=RoadmapTemplate.objects.get(code="school-003"),
                                                    academic_year=year, organisation=school)
    deadline = Occurrence.objects.get(item__roadmap=roadmap, item__code=FEDERAL_STATISTICS)
    client = client_for(counted.curator1)
    job = build(client, school, year, django_capture_on_commit_callbacks)
    page = client.get(reverse("monitoring:statistics", args=[school.pk]) + f"?year={year.start_year}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Форма ещё не сдана" not in html and "Форма за этот год ещё не сдана." in html
    assert f'value="{job.pk}"' in html  # the built file offered for the submission
    assert deadline.due_on.strftime("%d.%m.%Y") in html

    response = client.post(reverse("monitoring:statistics_submit", args=[school.pk]),
                           {"year": str(year.start_year), "job": str(job.pk), "note": "по электронной почте"})
    assert response.status_code == 302
    submission = StatisticsSubmission.objects.get()
    assert submission.organisation == school and submission.academic_year == year
    assert submission.submitted_by == counted.curator1 and submission.export == job
    assert str(submission.recipient) == "Региональный наставнический центр" and submission.note == "по электронной почте"
    with job.file.open("rb") as original, submission.file.open("rb") as kept:
        assert kept.read() == original.read()
    assert submission.file.name.startswith(f"statistics/{school.pk}/")
    deadline.refresh_from_db()
    assert deadline.status == Occurrence.Status.DONE and submission.occurrence == deadline
    assert deadline.updated_by == counted.curator1 and "Региональный наставнический центр" in deadline.evidence

    # The job's file expires; the submitted one stays and is listed with who and when.
    job.file.delete()
    assert default_storage.exists(submission.file.name)
    html = client.get(reverse("monitoring:statistics", args=[school.pk]) + f"?year={year.start_year}").content.decode()
    assert counted.curator1.display_name in html and submission.get_absolute_url() in html
    download = client_for(counted.director1).get(submission.get_absolute_url())
    assert download.status_code == 200 and read(b"".join(download.streaming_content))[-1][-1] == 10


def test_only_ones_own_finished_form_of_that_organisation_and_year_is_submitted(counted, client_for,
                                                                                 django_capture_on_commit_callbacks):
    school, year = counted.school1, current_year()
    other_year, _created = AcademicYear.objects.get_or_create(start_year=year.start_year - 1)
    foreign = ExportJob.objects.create(kind="statistics_form", requested_by=counted.director1,
                                       params=statistics_form.params_for(school, year), status=ExportJob.Status.DONE)
    client = client_for(counted.curator1)
    response = client.post(reverse("monitoring:statistics_submit", args=[school.pk]),
                           {"year": str(year.start_year), "job": str(foreign.pk)})
    assert response.status_code == 302 and not StatisticsSubmission.objects.exists()
    job = build(client, school, year, django_capture_on_commit_callbacks)
    client.post(reverse("monitoring:statistics_submit", args=[school.pk]),
                {"year": str(other_year.start_year), "job": str(job.pk)})
    assert not StatisticsSubmission.objects.exists()


@pytest.mark.parametrize("query", ["?year=abcd", "?year=99999", "?year=%00", "?year=2026&year=x"])
def test_hostile_years_never_break_the_page(counted, client_for, query):
    response = client_for(counted.curator1).get(reverse("monitoring:statistics", args=[counted.school1.pk]) + query)
    assert response.status_code == 200
