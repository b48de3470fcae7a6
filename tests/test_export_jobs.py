"""Exports as jobs: the lifecycle, progress, duplicates, who may see and download, the scope inside the
task, the spreadsheets read back, the query count of the statistics builder, and retention."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mentoring.models import Membership, MentoringForm, MentorLink, Pair, Programme
from monitoring import exports, figures, monitoring_export, pair_people, statistics_export, tasks
from monitoring.models import ExportJob, ExportJobQuerySet
from registry.models import AcademicYear, Organisation, Participant
from tests import factories

TODAY = timezone.localdate()


def current_year() -> AcademicYear:
    return AcademicYear.objects.current()


def programme(org, form="учитель – ученик", year=None):
    year = year or current_year()
    return Programme.objects.get_or_create(
        organisation=org, academic_year=year, form=MentoringForm.objects.get(name=form),
        defaults={"starts_on": year.starts_on, "ends_on": year.ends_on},
    )[0]


def mentor(org, category=Participant.Category.TEACHER, **fields):
    return factories.MentorProfileFactory(participant__organisation=org, participant__category=category,
                                          **{f"participant__{k}": v for k, v in fields.items()})


def mentee(org, category=Participant.Category.STUDENT, **fields):
    return factories.MenteeProfileFactory(participant__organisation=org, participant__category=category,
                                          **{f"participant__{k}": v for k, v in fields.items()})


def pair(org, *, form="учитель – ученик", status=Pair.Status.ACTIVE, mentor_profile=None, mentees=None, year=None):
    """A pair built directly (the pair rules are tested elsewhere): one mentor, the given mentees."""
    made = Pair.objects.create(programme=programme(org, form, year), status=status, started_on=TODAY)
    MentorLink.objects.create(pair=made, mentor=mentor_profile or mentor(org))
    for profile in mentees if mentees is not None else [mentee(org)]:
        Membership.objects.create(pair=made, mentee=profile)
    return made


def read(source) -> list[list]:
    """All rows of the first sheet, values only."""
    if hasattr(source, "open"):
        with source.open("rb") as handle:
            data = handle.read()
    else:
        data = source
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def post_export(client, kind, **data):
    return client.post(reverse("monitoring:export_list"), {"kind": kind, **data})


def request_and_build(client, captured, kind, **data):
    with captured(execute=True):
        response = post_export(client, kind, **data)
    return response


@pytest.fixture
def year_value():
    return str(current_year().start_year)


def make_job(user, kind="statistics", status=ExportJob.Status.PENDING, **params):
    params = params or {"year": current_year().start_year}
    return ExportJob.objects.create(kind=kind, params=params, requested_by=user, status=status)


# --- lifecycle ------------------------------------------------------------------------------------------


def test_request_creates_a_pending_job_and_the_task_builds_it_on_commit(district, client_for,
                                                                         django_capture_on_commit_callbacks,
                                                                         year_value):
    client = client_for(district.curator1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_export(client, "statistics", year=year_value)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ExportJob.Status.PENDING and job.requested_by == district.curator1
    assert job.params == {"year": current_year().start_year} and not job.file
    assert len(callbacks) == 1

    callbacks[0]()  # the task, sent after the commit; eager without a broker

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.progress == 100 and job.error == ""
    assert job.file and default_storage.exists(job.file.name)
    assert job.file.name.startswith(f"exports/{district.curator1.pk}/")
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs((job.expires_at - expected).total_seconds()) < 60
    assert read(job.file)[0][0] == "Организация"


def test_progress_is_written_per_chunk_while_running(district, monkeypatch):
    seen = []
    original = exports.ProgressReporter.__call__

    def spy(self, done, total):
        original(self, done, total)
        seen.append(tuple(ExportJob.objects.filter(pk=self.job_id).values_list("status", "progress").get()))

    monkeypatch.setattr(exports.ProgressReporter, "__call__", spy)
    monkeypatch.setattr(statistics_export, "STATISTICS_CHUNK", 1)
    job = make_job(district.municipal)  # three organisations: one chunk each
    tasks.build_export(job.pk)
    assert seen == [("running", 33), ("running", 66), ("running", 99)]
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)


def test_progress_reporter_updates_the_row_only_when_the_percent_grows(district, django_assert_max_num_queries):
    job = make_job(district.curator1, status=ExportJob.Status.RUNNING)
    reporter = exports.ProgressReporter(job.pk)
    with django_assert_max_num_queries(99):
        for done in range(1, 1001):  # a thousand rows, at most one UPDATE per whole percent
            reporter(done, 1000)
    assert reporter.updates == 99
    job.refresh_from_db()
    assert job.progress == 99  # 100 is for DONE only


def test_a_failure_is_recorded_with_its_message_and_no_file(district, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("диск переполнен")

    monkeypatch.setattr(statistics_export.StatisticsExport, "sheets", boom)
    job = make_job(district.curator1)
    assert tasks.build_export(job.pk) == ExportJob.Status.FAILED
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "диск переполнен" in job.error
    assert not job.file and job.expires_at is None and job.finished_at is not None


def test_an_unknown_year_fails_with_a_readable_message(district):
    job = make_job(district.curator1, year=1990)
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.error == "Учебный год выгрузки не найден."


def test_a_requester_without_any_role_gets_a_failed_job_not_an_empty_file(district):
    job = make_job(district.nobody)
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file


def test_a_job_is_built_once_even_if_the_task_arrives_twice(district):
    job = make_job(district.curator1)
    assert tasks.build_export(job.pk) == ExportJob.Status.DONE
    name = ExportJob.objects.get(pk=job.pk).file.name
    assert tasks.build_export(job.pk) is None  # a redelivery: not pending any more
    assert ExportJob.objects.get(pk=job.pk).file.name == name


# --- duplicates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ExportJob.Status.PENDING, ExportJob.Status.RUNNING])
def test_the_same_request_is_refused_while_one_is_being_built(district, client_for, status, year_value,
                                                              django_capture_on_commit_callbacks):
    running = make_job(district.curator1, status=status)
    client = client_for(district.curator1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_export(client, "statistics", year=year_value)
    assert response.status_code == 302 and response["Location"] == running.get_absolute_url()
    assert ExportJob.objects.count() == 1 and not callbacks
    page = client.get(response["Location"]).content.decode()
    assert "Такая выгрузка уже готовится" in page


def test_other_parameters_kinds_users_and_finished_jobs_do_not_block(district, client_for, year_value,
                                                                      django_capture_on_commit_callbacks):
    make_job(district.curator1, status=ExportJob.Status.RUNNING)
    make_job(district.curator1, kind="mentors", status=ExportJob.Status.DONE, filters={})
    last_year, _created = AcademicYear.objects.get_or_create(start_year=current_year().start_year - 1)
    client = client_for(district.curator1)
    with django_capture_on_commit_callbacks(execute=True):
        post_export(client, "statistics", year=str(last_year.start_year))
        post_export(client, "district_monitoring", year=year_value)
        post_export(client, "mentors")
        post_export(client_for(district.curator2), "statistics", year=year_value)
    assert ExportJob.objects.count() == 6
    assert ExportJob.objects.filter(status=ExportJob.Status.DONE).count() == 5


def test_the_database_constraint_backs_the_check_up(district, monkeypatch):
    make_job(district.curator1, status=ExportJob.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_job(district.curator1)
    # A request that raced past the check meets the constraint and is refused all the same.
    monkeypatch.setattr(ExportJobQuerySet, "running", lambda self: self.none())
    with pytest.raises(exports.DuplicateExport):
        exports.request_export(user=district.curator1, kind="statistics",
                               params={"year": current_year().start_year})
    assert ExportJob.objects.count() == 1


def test_equal_filters_give_equal_parameters_whatever_their_order(district, client_for,
                                                                  django_capture_on_commit_callbacks):
    client = client_for(district.municipal)
    with django_capture_on_commit_callbacks(execute=False):
        post_export(client, "mentees", category="student", q="", organisation=district.school1.pk)
        post_export(client, "mentees", organisation=district.school1.pk, category="student")
    job = ExportJob.objects.get()
    assert job.params == {"filters": {"category": "student", "organisation": str(district.school1.pk)}}


def test_a_filter_outside_the_scope_is_refused_by_the_form(roles):
    # A registry base is everyone's with a role: a school outside one's scope is a form error (the page again,
    # 200), not a job; the one without any role may not ask at all. The owner and the municipality would
    # really request it, so they are not asked.
    roles.expect(reverse("monitoring:export_list"), method="post",
                 data={"kind": "mentors", "organisation": roles.organisation.pk},
                 owner=None, municipal=None, neighbour=404, outsider=200, stranger=403)
    # A school curator's form has no organisation to choose, and still a forged id of another school is that
    # school's 404 (never a silent file of their own school); nobody got a job.
    assert not ExportJob.objects.exists()


# --- access ------------------------------------------------------------------------------------------------


def built_job(user, kind="statistics", **params):
    job = make_job(user, kind=kind, **params)
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def test_only_the_requester_and_a_superuser_see_a_job(district, client_for, roles):
    job = built_job(roles.owner)
    urls = [reverse(name, args=[job.pk]) for name in
            ("monitoring:export_detail", "monitoring:export_status", "monitoring:export_download")]
    # A job is its requester's alone: the municipality above the school does not see it either.
    roles.expect(urls, municipal=404)
    # Nor does the requester's own director (a role the base has not: same school, not the requester).
    for url in urls:
        assert client_for(district.director1).get(url).status_code == 404, url
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (district.curator1, superuser):
        client = client_for(user)
        assert client.get(urls[0]).status_code == 200
        status = client.get(urls[1]).json()
        assert status["status"] == "done" and status["progress"] == 100 and status["download_url"] == urls[2]
        download = client.get(urls[2])
        assert download.status_code == 200
        assert download["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in download["Content-Disposition"]
        assert read(b"".join(download.streaming_content))[0][0] == "Организация"


def test_the_list_shows_only_ones_own_jobs(district, client_for):
    mine = make_job(district.curator1, status=ExportJob.Status.RUNNING)
    other = make_job(district.curator2, kind="mentors", filters={"category": "teacher"})
    page = client_for(district.curator1).get(reverse("monitoring:export_list")).content.decode()
    assert mine.get_absolute_url() in page and other.get_absolute_url() not in page


def test_the_pages_render_for_every_role(district, client_for, roles):
    # The list is everyone's (each sees their own jobs); only the anonymous is sent to log in.
    roles.expect(reverse("monitoring:export_list"), neighbour=200, outsider=200, stranger=200)
    for user in (district.observer, district.director1, district.member1):
        response = client_for(user).get(reverse("monitoring:export_list"))
        assert response.status_code == 200, user.username
    assert post_export(roles.client("stranger"), "statistics",
                       year=str(current_year().start_year)).status_code == 403


def test_the_detail_page_polls_while_the_job_runs(district, client_for):
    job = make_job(district.curator1, status=ExportJob.Status.RUNNING)
    ExportJob.objects.filter(pk=job.pk).update(progress=40, heartbeat_at=timezone.now())
    client = client_for(district.curator1)
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("monitoring:export_status", args=[job.pk]) in page and "40%" in page
    assert client.get(reverse("monitoring:export_status", args=[job.pk])).json() == {
        "status": "running", "status_display": "Готовится", "progress": 40, "download_url": None, "error": "",
        "waiting": "",
    }
    # Downloading a job still being built leads back to its page.
    response = client.get(reverse("monitoring:export_download", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()


def test_an_expired_or_missing_file_gets_a_clear_page(district, client_for):
    job = built_job(district.curator1)
    client = client_for(district.curator1)
    url = reverse("monitoring:export_download", args=[job.pk])
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(url)
    assert response.status_code == 410 and "Срок хранения выгрузки истёк" in response.content.decode()
    assert "Сформировать заново" in response.content.decode()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() + datetime.timedelta(days=1))
    default_storage.delete(job.file.name)
    response = client.get(url)
    assert response.status_code == 404 and "не найден" in response.content.decode()


# --- scope inside the task --------------------------------------------------------------------------------


def test_a_curators_registry_export_holds_only_their_school(district):
    mentor(district.school1, last_name="Своя")
    mentor(district.school2, last_name="Чужая")
    job = built_job(district.curator1, kind="mentors", filters={})
    names = " ".join(str(row[0]) for row in read(job.file)[1:])
    assert "Своя" in names and "Чужая" not in names


def test_a_forged_organisation_filter_does_not_widen_the_scope(district):
    mentee(district.school2, last_name="Чужой")
    mentee(district.school1, last_name="Свой")
    job = built_job(district.curator1, kind="mentees", filters={"organisation": str(district.school2.pk)})
    names = " ".join(str(row[0]) for row in read(job.file)[1:])
    assert "Чужой" not in names


def test_the_scope_is_the_requesters_as_it_is_when_the_task_runs(district):
    mentor(district.school1, last_name="Своя")
    job = make_job(district.curator1, kind="mentors", filters={})
    district.curator1.role_assignments.update(is_active=False)
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file


def test_registry_export_follows_the_filters(district):
    mentor(district.school1, last_name="Педагогова")
    mentor(district.school1, category=Participant.Category.STUDENT, last_name="Ученикова")
    job = built_job(district.curator1, kind="mentors", filters={"category": "teacher"})
    names = " ".join(str(row[0]) for row in read(job.file)[1:])
    assert "Педагогова" in names and "Ученикова" not in names


def test_municipal_statistics_hold_the_districts_organisations_only(district):
    job = built_job(district.municipal)
    rows = read(job.file)
    assert [row[0] for row in rows[1:]] == ["ГБПОУ НСТ", "МБОУ СОШ № 1", "МБОУ СОШ № 2", "ИТОГО"]
    assert all(row[1] == "Селивановский район" for row in rows[1:-1])
    observer_rows = read(built_job(district.observer).file)
    assert "МКОУ СОШ № 10" in [row[0] for row in observer_rows]


# --- the statistics, read back ---------------------------------------------------------------------------


@pytest.fixture
def worked(district):
    """School 1: two teachers mentoring three students (one in a group of two), a young specialist mentored
    by a teacher, a student both mentee (учитель – ученик) and mentor (ученик – ученик), an employer; and
    pairs that must not count. School 2: one pair. The college: nothing."""
    s1, s2 = district.school1, district.school2
    teacher_a = mentor(s1)
    pair(s1, mentor_profile=teacher_a, mentees=[mentee(s1), mentee(s1)])
    older = mentee(s1)
    pair(s1, mentees=[older])
    young = mentee(s1, category=Participant.Category.YOUNG_SPECIALIST, birth_date=datetime.date(1999, 1, 1),
                   class_name="")
    pair(s1, form="учитель – учитель", status=Pair.Status.COMPLETED, mentees=[young])
    as_mentor = factories.MentorProfileFactory(participant=older.participant)
    pair(s1, form="ученик – ученик", mentor_profile=as_mentor, mentees=[mentee(s1)])
    pair(s1, form="работодатель – ученик", status=Pair.Status.ENDED_EARLY,
         mentor_profile=mentor(s1, category=Participant.Category.EMPLOYER, birth_date=None))
    # Not counted: a proposal, a rejected proposal, last year's pair.
    pair(s1, status=Pair.Status.PROPOSED)
    pair(s1, status=Pair.Status.REJECTED)
    last_year, _created = AcademicYear.objects.get_or_create(start_year=current_year().start_year - 1)
    pair(s1, year=last_year)
    pair(s2)
    return district


def column(header, title):
    return header.index(title)


def test_a_summarys_statistics_are_the_exports_counts(worked):
    """A summary counts the statistics in the figures' query (``monitoring.pair_people``), the export in its
    own (``statistics_export._statistics_counts``): the same rows, the same numbers — also for a pair that
    began after the first half, which the first half's figures leave out and the statistics count."""
    year = current_year()
    late = pair(worked.school2)
    Pair.objects.filter(pk=late.pk).update(started_on=datetime.date(year.start_year + 1, 2, 1))
    ids = list(Organisation.objects.filter(municipality=worked.municipality).values_list("pk", flat=True))
    first_half = figures.Period.half(year, 1).ends_on
    people, counted = pair_people.people_in_pairs(ids, year, first_half, statistics=True)
    assert statistics_export.stored_counts(ids, year, counted=counted) == statistics_export.stored_counts(ids, year)
    assert people == pair_people.people_in_pairs(ids, year, first_half)
    assert sum(people[worked.school2.pk]["mentee"].values()) == 1  # the late pair is not in the first half
    assert dict(counted[worked.school2.pk][1])[pair_people.MENTEE] == 2


def test_statistics_header_rows_and_values(worked):
    orgs = Organisation.objects.filter(municipality=worked.municipality).order_by("short_name")
    buffer = io.BytesIO()
    statistics_export.write_statistics(buffer, organisations=orgs, year=current_year())
    rows = read(buffer.getvalue())
    header, body = rows[0], rows[1:-1]
    forms = list(MentoringForm.objects.filter(is_active=True).order_by("position", "name"))
    assert header[:2] == ["Организация", "Муниципалитет"]
    assert header[2:4] == [f"«{forms[0].name}»: наставники", f"«{forms[0].name}»: наставляемые"]
    assert len(header) == 2 + 2 * len(forms) + 7
    assert [row[0] for row in body] == ["ГБПОУ НСТ", "МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    school1 = dict(zip(header, body[1]))
    assert school1["«учитель – ученик»: наставники"] == 2
    assert school1["«учитель – ученик»: наставляемые"] == 3
    assert school1["«учитель – учитель»: наставники"] == 1
    assert school1["«учитель – учитель»: наставляемые"] == 1
    assert school1["«ученик – ученик»: наставники"] == 1
    assert school1["«работодатель – ученик»: наставники"] == 1
    assert school1["Наставников всего"] == 5  # two teachers, a teacher, the student, the employer
    assert school1["Наставляемых всего"] == 6
    assert school1["Обучающиеся"] == 5  # the student who mentors too counts once
    assert school1["Педагоги (включая молодых специалистов)"] == 4
    assert school1["в т. ч. молодые специалисты"] == 1
    assert school1["Иные участники (родители, выпускники, работодатели)"] == 1
    assert school1["Участников программы всего"] == 10
    college = dict(zip(header, body[0]))
    assert college["Участников программы всего"] == 0
    # The statistics agree with the monitoring figures.
    computed = figures.compute([worked.school1], current_year())[worked.school1.pk]
    assert school1["Участников программы всего"] == computed["in_programme"]


def test_statistics_sheet_is_unchanged_cell_by_cell(worked):
    """The whole sheet, read back: written against the per-chunk builder before the grouped one replaced
    it, so the rewrite changes no number. School 2 adds a mentor in two forms, a mentee in two pairs of one
    form, and a retired form that still has a programme this year (it keeps its columns, after the rest)."""
    s2 = worked.school2
    both = mentor(s2)
    twice = mentee(s2)
    pair(s2, mentor_profile=both, mentees=[twice])
    pair(s2, mentees=[twice])
    pair(s2, form="учитель – учитель", mentor_profile=both,
         mentees=[mentee(s2, category=Participant.Category.TEACHER, birth_date=datetime.date(1990, 1, 1),
                         class_name="")])
    MentoringForm.objects.create(name="ветеран – ученик", position=99, is_active=False,
                                 mentor_categories=["parent"], mentee_categories=["student"])
    pair(s2, form="ветеран – ученик", mentor_profile=mentor(s2, category=Participant.Category.PARENT,
                                                           birth_date=None))
    MentoringForm.objects.create(name="никем не выбранная", position=100, is_active=False,
                                 mentor_categories=["parent"], mentee_categories=["student"])
    orgs = Organisation.objects.filter(municipality=worked.municipality).order_by("short_name")
    buffer = io.BytesIO()
    statistics_export.write_statistics(buffer, organisations=orgs, year=current_year())
    rows = read(buffer.getvalue())
    forms = ["ученик – ученик", "учитель – учитель", "учитель – ученик", "студент – студент", "студент – ученик",
             "работодатель – студент", "работодатель – ученик", "преподаватель – преподаватель", "ветеран – ученик"]
    assert rows[0] == ["Организация", "Муниципалитет"] + [
        f"«{form}»: {role}" for form in forms for role in ("наставники", "наставляемые")] + [
        "Наставников всего", "Наставляемых всего", "Обучающиеся", "Педагоги (включая молодых специалистов)",
        "в т. ч. молодые специалисты", "Иные участники (родители, выпускники, работодатели)",
        "Участников программы всего"]
    district = "Селивановский район"
    #                  у-у   уч-уч  уч-ув  с-с   с-ув  р-с   р-ув  п-п   в-ув  totals, people by category
    assert rows[1:] == [
        ["ГБПОУ НСТ", district, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ["МБОУ СОШ № 1", district, 1, 1, 1, 1, 2, 3, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 5, 6, 5, 4, 1, 1, 10],
        ["МБОУ СОШ № 2", district, 0, 0, 1, 1, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 4, 4, 3, 4, 0, 1, 8],
        ["ИТОГО", None, 1, 1, 2, 2, 5, 5, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 9, 10, 8, 8, 1, 2, 18],
    ]
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert sheet.title == f"Статистика {current_year()}".replace("/", "-")
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].font.b and sheet["A1"].alignment.wrap_text and sheet["A5"].font.b and sheet["C5"].font.b
    assert not sheet["A2"].font.b
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width,
            sheet.column_dimensions["C"].width) == (40, 26, 14)


def test_statistics_total_row_is_the_sum_of_every_column(worked):
    rows = list(statistics_export.statistics_rows(Organisation.objects.filter(municipality=worked.municipality),
                                        current_year()))
    body, total = rows[1:-1], rows[-1]
    assert total[0] == "ИТОГО" and len(total) == len(rows[0])
    for index in range(2, len(rows[0])):
        assert total[index] == sum(row[index] for row in body), rows[0][index]
    assert total[-1] == 12


def test_statistics_of_no_organisations_is_a_header_and_a_zero_total(district):
    rows = list(statistics_export.statistics_rows(Organisation.objects.none(), current_year()))
    assert len(rows) == 2 and rows[1][0] == "ИТОГО" and set(rows[1][2:]) == {0}


def test_statistics_query_count_is_the_same_for_3_and_30_organisations(district):
    """The forms, the grouped counts, the organisations: no query per organisation or per chunk."""
    municipality = district.municipality
    organisations = [district.school1, district.school2, district.college]
    organisations += [factories.OrganisationFactory(municipality=municipality) for _i in range(27)]
    for org in organisations:
        pair(org)
    year = current_year()
    counted = {}
    for count in (3, 30):
        queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations[:count]])
        with CaptureQueriesContext(connection) as captured:
            rows = list(statistics_export.statistics_rows(queryset, year, chunk_size=2))
        assert len(rows) == count + 2 and rows[-1][-1] == 2 * count
        counted[count] = len(captured)
    assert counted == {3: 3, 30: 3}
    # A list of organisations: no query for them, one for their municipalities.
    for count in (3, 30):
        plain = list(Organisation.objects.filter(pk__in=[o.pk for o in organisations[:count]]))
        with CaptureQueriesContext(connection) as captured:
            assert len(list(statistics_export.statistics_rows(plain, year, chunk_size=2))) == count + 2
        counted[count] = len(captured)
    assert counted == {3: 3, 30: 3}


# --- the district monitoring table --------------------------------------------------------------------------


def test_district_monitoring_table_has_a_row_per_organisation_and_the_total(worked, client_for,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_export(client_for(worked.municipal), "district_monitoring",
                    year=str(current_year().start_year))
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    rows = read(job.file)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[0] == "Организация" and "Охват обучающихся, %" in header
    assert [row[0] for row in body] == ["ГБПОУ НСТ", "МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    organisations = Organisation.objects.filter(municipality=worked.municipality)
    computed = figures.compute(organisations, current_year())
    summed = figures.total(computed)
    assert total[0] == "ИТОГО"
    # The last row is figures.total, column by column; what is a plain sum is the sum of the rows.
    for index, (title, path) in enumerate(monitoring_export.MONITORING_COLUMNS, start=1):
        assert header[index] == title
        assert total[index] == monitoring_export._get(summed, path), title
    assert total[column(header, "Участников программы")] == 12
    for title in ("Участников в реестре", "Участников программы", "Пары: формируются", "Пары: действуют",
                  "Пары: завершены", "Пары: прекращены досрочно", "Встреч", "Участников с согласием"):
        index = column(header, title)
        assert total[index] == sum(row[index] for row in body), title
    assert body[1][column(header, "Участников программы")] == computed[worked.school1.pk]["in_programme"]


def test_monitoring_rows_call_compute_once_per_chunk(district, monkeypatch):
    calls = []
    original = figures.compute

    def spy(organisations, year, **kwargs):
        calls.append(len(organisations))
        return original(organisations, year, **kwargs)

    monkeypatch.setattr(figures, "compute", spy)
    monkeypatch.setattr(monitoring_export, "MONITORING_CHUNK", 2)
    rows = list(monitoring_export.monitoring_rows(Organisation.objects.all(), current_year()))
    assert calls == [2, 2] and len(rows) == 6


# --- retention ------------------------------------------------------------------------------------------------


def test_expired_files_are_removed_and_the_rows_kept(district):
    old = built_job(district.curator1)
    fresh = built_job(district.curator2)
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    stale = make_job(district.municipal, status=ExportJob.Status.RUNNING)
    ExportJob.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(hours=7))
    summary = tasks.remove_expired_exports.delay().get()
    assert summary == {"removed": 1, "stale": 1}
    old_row, fresh_row, stale_row = (ExportJob.objects.get(pk=j.pk) for j in (old, fresh, stale))
    assert not old_row.file and not default_storage.exists(old.file.name)
    assert old_row.status == ExportJob.Status.DONE
    assert fresh_row.file and default_storage.exists(fresh_row.file.name)
    assert stale_row.status == ExportJob.Status.FAILED and "прервана" in stale_row.error
    assert tasks.remove_expired_exports() == {"removed": 0, "stale": 0}


def test_retention_tolerates_a_file_already_gone(district):
    job = make_job(district.curator1, status=ExportJob.Status.DONE)
    job.file.save("gone.xlsx", ContentFile(b"x"), save=False)
    default_storage.delete(job.file.name)
    ExportJob.objects.filter(pk=job.pk).update(file=job.file.name,
                                               expires_at=timezone.now() - datetime.timedelta(days=1))
    assert exports.remove_expired()["removed"] == 1
    assert not ExportJob.objects.get(pk=job.pk).file

