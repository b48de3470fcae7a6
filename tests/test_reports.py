"""Half-yearly monitoring reports: due dates, the workflow with its history, freezing on acceptance,
lateness, the district summary, permissions and scoping of every URL, query counts and the PDF."""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from monitoring import figures
from monitoring import reports as service
from monitoring import services as monitoring_services
from monitoring.models import CoverageTarget, MonitoringReport, ReportReview
from registry.models import AcademicYear, OrganisationHeadcount
from tests import factories
from tests.test_figures import (
    TEACHER_TO_STUDENT,
    pair,
    student,
    teacher,
    year_2025,
)

D = datetime.date
Status = MonitoringReport.Status
TEXTS = {"strengths": "Все пары встречаются по плану.", "weaknesses": "Низкий охват обучающихся.",
         "opportunities": "Партнёр — техникум.", "threats": "Нагрузка педагогов.",
         "decisions": "Расширить форму «ученик – ученик» до 1 марта."}


def at(day: datetime.date, hour=12):
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def year():
    return year_2025()


@pytest.fixture
def school(district, year):
    """School 1 in 2025/2026: a teacher mentoring a student since October, and a head count."""
    org = district.school1
    OrganisationHeadcount.objects.create(organisation=org, academic_year=year, students_total=40,
                                         students_aged_10_plus=30, teachers_total=8)
    pair(factories.ProgrammeFactory(organisation=org, academic_year=year, form_name=TEACHER_TO_STUDENT, ends_on=D(2026, 5, 31)), teacher(org, "Наставник"), [student(org, "Ученик", D(2011, 1, 1))],
         D(2025, 10, 1))
    return org


def started(org, year, half=1, **texts):
    report = monitoring_services.start_report(org, year=year, half=half, by=None)
    if texts:
        monitoring_services.save_text(report, **texts)
    return report


# --- due dates and starting ---------------------------------------------------------------------------


def test_due_dates_follow_the_municipality(district, year):
    municipality = district.municipality
    # Seed 000: not later than 10 December and 10 June.
    assert service.due_date(municipality, year, 1) == D(2025, 12, 10)
    assert service.due_date(municipality, year, 2) == D(2026, 6, 10)
    first = monitoring_services.start_report(district.school1, year=year, half=1, by=district.curator1)
    second = monitoring_services.start_report(district.school1, year=year, half=2, by=district.curator1)
    assert (first.due_on, second.due_on) == (D(2025, 12, 10), D(2026, 6, 10))
    assert first.status == second.status == Status.DRAFT

    # Seed 002: until 20 December and 20 May.
    other = factories.MunicipalityFactory(region=district.region, first_half_due_month=12, first_half_due_day=20,
                                          second_half_due_month=5, second_half_due_day=20)
    college = factories.OrganisationFactory(municipality=other)
    assert monitoring_services.start_report(college, year=year, half=1).due_on == D(2025, 12, 20)
    assert monitoring_services.start_report(college, year=year, half=2).due_on == D(2026, 5, 20)

    # A second-half date early in the calendar year falls in the next calendar year too; 29 February
    # of a common year is the 28th.
    leap = factories.MunicipalityFactory(region=district.region, second_half_due_month=2, second_half_due_day=29)
    assert service.due_date(leap, year, 2) == D(2026, 2, 28)
    assert service.due_date(leap, AcademicYear.objects.get_or_create(start_year=2027)[0], 2) == D(2028, 2, 29)


def test_one_report_per_organisation_and_half(district, year):
    monitoring_services.start_report(district.school1, year=year, half=1)
    with pytest.raises(monitoring_services.ReportError) as error:
        monitoring_services.start_report(district.school1, year=year, half=1)
    assert "уже создан" in error.value.messages[0] and "первое полугодие 2025/2026" in error.value.messages[0]
    assert MonitoringReport.objects.count() == 1
    monitoring_services.start_report(district.school2, year=year, half=1)  # another organisation: its own report


# --- the workflow ---------------------------------------------------------------------------------------


def test_the_workflow_with_its_history_and_frozen_figures(school, district, year):
    report = started(school, year)
    with pytest.raises(monitoring_services.ReportError) as error:
        monitoring_services.submit(report, by=district.curator1)
    assert "Перед отправкой заполните" in error.value.messages[0] and "сильные стороны" in error.value.messages[0]

    monitoring_services.save_text(report, **TEXTS)
    monitoring_services.submit(report, by=district.curator1)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED and report.submitted_by == district.curator1
    # A double submit is one submit.
    with pytest.raises(monitoring_services.ReportError, match="уже отправлен"):
        monitoring_services.submit(MonitoringReport.objects.get(pk=report.pk), by=district.curator1)
    assert report.reviews.count() == 1
    # On review nothing is edited.
    with pytest.raises(monitoring_services.ReportError, match="на проверке"):
        monitoring_services.save_text(report, strengths="другое")

    with pytest.raises(monitoring_services.ReportError, match="без комментария"):
        monitoring_services.return_report(report, comment="  ", by=district.municipal)
    monitoring_services.return_report(report, comment="Дополните угрозы.", by=district.municipal)
    report.refresh_from_db()
    assert report.status == Status.RETURNED
    monitoring_services.save_text(report, threats="Нагрузка педагогов; болезни в феврале.")
    monitoring_services.submit(report, by=district.curator1)

    accepted_on = D(2025, 12, 9)
    monitoring_services.accept(MonitoringReport.objects.get(pk=report.pk), by=district.municipal, today=accepted_on)
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED and report.accepted_by == district.municipal
    assert report.figures["in_programme"] == 2 and report.figures["computed_on"] == "2025-12-09"
    assert report.figures["period"] == ["2025-09-01", "2025-12-31"]
    assert [(r.action, r.comment, r.by) for r in report.reviews.all()] == [
        ("submitted", "", district.curator1), ("returned", "Дополните угрозы.", district.municipal),
        ("submitted", "", district.curator1), ("accepted", "", district.municipal)]

    # The data change after acceptance: the report stays as accepted, the live figures move.
    frozen = dict(report.figures)
    prog = school.programmes.get()
    pair(prog, teacher(school, "Второй"), [student(school, "Второй", D(2012, 1, 1))], D(2025, 11, 1))
    assert service.report_figures(report) == frozen
    assert service.live_figures(report)["in_programme"] == 4
    MonitoringReport.objects.get(pk=report.pk)  # still frozen in the database
    assert MonitoringReport.objects.get(pk=report.pk).figures == frozen

    # After acceptance every step is refused.
    for step in (lambda: monitoring_services.save_text(report, strengths="x"), lambda: monitoring_services.submit(report, by=district.curator1),
                 lambda: monitoring_services.return_report(report, comment="ещё", by=district.municipal),
                 lambda: monitoring_services.accept(report, by=district.municipal)):
        with pytest.raises(monitoring_services.ReportError, match="принят"):
            step()
    assert MonitoringReport.objects.get(pk=report.pk).figures == frozen
    assert report.reviews.count() == 4


def test_only_a_submitted_report_is_returned_or_accepted(district, year):
    report = started(district.school1, year, **TEXTS)
    with pytest.raises(monitoring_services.ReportError, match="ещё не отправлен"):
        monitoring_services.accept(report, by=district.municipal)
    with pytest.raises(monitoring_services.ReportError, match="ещё не отправлен"):
        monitoring_services.return_report(report, comment="комментарий", by=district.municipal)
    assert not ReportReview.objects.exists()


# --- lateness and the district ------------------------------------------------------------------------


def submit_on(report, day, by=None):
    monitoring_services.submit(report, by=by)
    MonitoringReport.objects.filter(pk=report.pk).update(submitted_at=at(day))
    report.refresh_from_db()


def test_lateness_and_the_district_summary(school, district, year):
    municipality = district.municipality
    on_time = started(school, year, **TEXTS)
    submit_on(on_time, D(2025, 12, 8), district.curator1)
    monitoring_services.accept(on_time, by=district.municipal, today=D(2025, 12, 12))
    late_submission = started(district.school2, year, **TEXTS)
    submit_on(late_submission, D(2025, 12, 11))
    # The college has no report.

    before = service.district_summary(municipality, year, 1, today=D(2025, 12, 10))
    by_name = {row.organisation.short_name: row for row in before.rows}
    assert [row.organisation.short_name for row in before.rows] == ["ГБПОУ НСТ", "МБОУ СОШ № 1", "МБОУ СОШ № 2"]
    assert by_name["МБОУ СОШ № 1"].late is False
    assert by_name["МБОУ СОШ № 2"].late is True  # submitted on the 11th
    assert by_name["ГБПОУ НСТ"].late is False and by_name["ГБПОУ НСТ"].status == service.MISSING  # the 10th is not late yet
    assert by_name["ГБПОУ НСТ"].due_on == D(2025, 12, 10)

    after = service.district_summary(municipality, year, 1, today=D(2025, 12, 11))
    assert [row.organisation.short_name for row in after.late] == ["ГБПОУ НСТ", "МБОУ СОШ № 2"]
    assert after.counts == {"missing": 1, "draft": 0, "submitted": 1, "returned": 0, "accepted": 1, "late": 2}
    # Only accepted reports' figures count: school 1's.
    assert [row.organisation.short_name for row in after.accepted] == ["МБОУ СОШ № 1"]
    assert after.totals["organisations"] == 1 and after.totals["in_programme"] == 2
    assert after.totals["coverage"]["students"] == 1 and after.totals["coverage"]["students_base"] == 40

    # A report returned after the deadline is late until it is submitted again.
    monitoring_services.return_report(late_submission, comment="Дополните выводы.", by=district.municipal)
    late_submission.refresh_from_db()
    assert service.is_late(late_submission, late_submission.due_on, D(2025, 12, 9)) is False
    assert service.is_late(late_submission, late_submission.due_on, D(2025, 12, 12)) is True
    # A draft before the deadline is not late; after it, it is.
    draft = started(district.college, year)
    assert service.is_late(draft, draft.due_on, D(2025, 12, 10)) is False
    assert service.is_late(draft, draft.due_on, D(2025, 12, 11)) is True


def many_organisations(district, year, count):
    """``count`` more organisations in the district, each with a report in some state."""
    made = []
    states = [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED, None]
    frozen = figures.compute([district.school1], year, period=figures.Period.half(year, 1),
                             today=D(2025, 12, 5))[district.school1.pk]
    for index in range(count):
        org = factories.OrganisationFactory(municipality=district.municipality)
        state = states[index % len(states)]
        if state is not None:
            MonitoringReport.objects.create(
                organisation=org, academic_year=year, half=1, due_on=D(2025, 12, 10), status=state,
                submitted_at=at(D(2025, 12, 1)) if state != Status.DRAFT else None,
                figures=frozen if state == Status.ACCEPTED else {})
        made.append(org)
    return made


def test_the_district_summary_runs_a_constant_number_of_queries(district, year):
    organisations = list(district.municipality.organisations.all())
    with CaptureQueriesContext(connection) as few:
        service.district_summary(district.municipality, year, 1, today=D(2025, 12, 20))
    many_organisations(district, year, 27)
    with CaptureQueriesContext(connection) as lots:
        summary = service.district_summary(district.municipality, year, 1, today=D(2025, 12, 20))
    assert len(organisations) == 3 and len(summary.rows) == 30
    assert len(lots.captured_queries) == len(few.captured_queries) <= 3


# --- pages: scoping and permissions ----------------------------------------------------------------------


def url(name, report=None):
    return reverse(f"monitoring:{name}", args=[report.pk] if report else [])


def test_report_pages_answer_404_outside_the_scope_and_403_without_the_permission(school, district, year,
                                                                                  client_for, roles):
    report = started(school, year, **TEXTS)
    roles.expect([url("report_detail", report), url("report_pdf", report)])
    roles.expect(url("report_edit", report), municipal=403)
    outside = {"owner": None, "municipal": None}
    roles.expect(url("report_submit", report), method="post", **outside)
    roles.expect(url("report_review", report), method="post", data={"action": "accept"}, **outside)
    for user in (district.curator1, district.director1, district.member1, district.municipal, district.observer):
        response = client_for(user).get(url("report_pdf", report))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", user

    # Only the school curator prepares and submits: the director reads (403), so do the others.
    for user in (district.director1, district.member1, district.municipal, district.observer):
        client = client_for(user)
        assert client.get(url("report_edit", report)).status_code == 403, user
        assert client.post(url("report_edit", report), {"strengths": "x"}).status_code == 403, user
        assert client.post(url("report_submit", report)).status_code == 403, user
    # Only the municipal curator reviews.
    for user in (district.curator1, district.director1, district.observer):
        assert client_for(user).post(url("report_review", report),
                                     {"action": "accept"}).status_code == 403, user
    report.refresh_from_db()
    assert report.status == Status.DRAFT and report.strengths == TEXTS["strengths"]

    # GET is not a way to submit or review.
    assert client_for(district.curator1).get(url("report_submit", report)).status_code == 405
    assert client_for(district.municipal).get(url("report_review", report)).status_code == 405


def test_starting_a_report_through_the_pages(district, year, client_for):
    curator = client_for(district.curator1)
    response = curator.get(url("report_list"))
    assert response.status_code == 200 and "Начать отчёт" in response.content.decode()
    current_year, half = service.current_half()
    response = curator.post(url("report_create"), {"organisation": district.school1.pk,
                                                   "academic_year": current_year.pk, "half": half})
    report = MonitoringReport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report_edit", report)
    assert report.organisation == district.school1 and report.due_on == service.due_date(
        district.municipality, current_year, half)
    # The list now opens it instead.
    page = curator.get(url("report_list")).content.decode()
    assert url("report_detail", report) in page and "Начать отчёт</button>" not in page
    # Twice: a message and the existing report.
    response = curator.post(url("report_create"), {"organisation": district.school1.pk,
                                                   "academic_year": current_year.pk, "half": half})
    assert response["Location"] == url("report_detail", report) and "уже создан" in messages_of(response)
    assert MonitoringReport.objects.count() == 1
    # Another organisation: 404; roles that do not prepare: 403.
    assert curator.post(url("report_create"), {"organisation": district.school2.pk, "academic_year": year.pk,
                                               "half": 1}).status_code == 404
    assert curator.get(url("report_create") + f"?organisation={district.foreign_school.pk}").status_code == 404
    for user in (district.director1, district.municipal, district.member1, district.observer):
        client = client_for(user)
        assert client.get(url("report_create")).status_code == 403, user
        assert client.post(url("report_create"), {"organisation": district.school1.pk, "academic_year": year.pk,
                                                  "half": 1}).status_code == 403, user
    assert MonitoringReport.objects.count() == 1
    # The start form itself.
    assert curator.get(url("report_create")).status_code == 200


def test_the_workflow_through_the_pages(school, district, year, client_for):
    report = started(school, year)
    curator, municipal = client_for(district.curator1), client_for(district.municipal)

    assert curator.get(url("report_edit", report)).status_code == 200
    response = curator.post(url("report_edit", report), {**TEXTS, "next": "submit"})
    assert response.status_code == 302 and "отправлен на проверку" in messages_of(response)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED and report.decisions == TEXTS["decisions"]
    # On review the curator cannot edit: a message, not the form.
    response = curator.get(url("report_edit", report))
    assert response.status_code == 302 and "на проверке" in messages_of(response)

    page = municipal.get(url("report_detail", report)).content.decode()
    assert "Вернуть на доработку" in page and "Принять" in page and "data-confirm" in page
    response = municipal.post(url("report_review", report), {"action": "return", "comment": ""})
    assert "без комментария" in messages_of(response)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    municipal.post(url("report_review", report), {"action": "return", "comment": "Уточните охват."})
    report.refresh_from_db()
    assert report.status == Status.RETURNED
    assert "Уточните охват." in curator.get(url("report_detail", report)).content.decode()
    assert "Уточните охват." in curator.get(url("report_edit", report)).content.decode()

    curator.post(url("report_submit", report))
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    response = municipal.post(url("report_review", report), {"action": "accept", "comment": ""})
    assert "принят" in messages_of(response)
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED and report.figures["in_programme"] == 2
    frozen = dict(report.figures)

    # After acceptance: edit, submit, return and accept are refused with a message; nothing changes.
    response = curator.get(url("report_edit", report))
    assert response.status_code == 302 and "принят" in messages_of(response)
    response = curator.post(url("report_edit", report), {**TEXTS, "strengths": "новое"})
    assert response.status_code == 302 and "принят" in messages_of(response)
    response = curator.post(url("report_submit", report))
    assert "принят" in messages_of(response)
    response = municipal.post(url("report_review", report), {"action": "return", "comment": "Ещё раз"})
    assert "уже принят" in messages_of(response)
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED and report.figures == frozen and report.strengths == TEXTS["strengths"]
    assert report.reviews.count() == 4
    page = curator.get(url("report_detail", report)).content.decode()
    assert "Изменить анализ" not in page and "Отправить на проверку</button>" not in page
    assert "зафиксированы" in page


def test_the_report_page_shows_the_figures_and_texts(school, district, year, client_for):
    report = started(school, year, **TEXTS)
    page = client_for(district.director1).get(url("report_detail", report)).content.decode()
    for text in ("Охват наставничеством", "Обучающиеся", "1 из 40", "2,5\u00a0%", "ниже цели", "«учитель – ученик»",
                 "Удовлетворённость наставников", "Рост участников", "Сильные стороны", TEXTS["threats"],
                 "Выводы и управленческие решения", TEXTS["decisions"], "История проверки",
                 "Согласия на обработку персональных данных"):
        assert text in page, text
    # The director reads: no edit, submit or review buttons.
    assert "Изменить анализ" not in page and "Отправить на проверку</button>" not in page
    assert "Проверка отчёта" not in page


# --- lists, the district report and targets -------------------------------------------------------------


def test_the_municipal_list_filters_sorts_and_marks_late_reports(school, district, year, client_for):
    late = started(district.school2, year, **TEXTS)  # a draft: late after 10.12.2025
    accepted = started(school, year, **TEXTS)
    submit_on(accepted, D(2025, 12, 1), district.curator1)
    monitoring_services.accept(accepted, by=district.municipal)
    client = client_for(district.municipal)
    page = client.get(url("report_list") + "?year=2025&half=1").content.decode()
    assert "МБОУ СОШ № 1" in page and "МБОУ СОШ № 2" in page and "ГБПОУ НСТ" in page
    assert "МКОУ СОШ № 10" not in page  # the other district
    assert page.count(">просрочен</span>") == 2  # school 2's draft and the college without a report

    page = client.get(url("report_list") + "?year=2025&half=1&status=late").content.decode()
    assert url("report_detail", late) in page and url("report_detail", accepted) not in page
    page = client.get(url("report_list") + "?year=2025&half=1&status=accepted").content.decode()
    assert url("report_detail", accepted) in page and url("report_detail", late) not in page
    page = client.get(url("report_list") + "?year=2025&half=1&sort=status").content.decode()
    assert page.index("МБОУ СОШ № 2") < page.index("ГБПОУ НСТ") < page.index("МБОУ СОШ № 1")
    page = client.get(url("report_list") + "?year=2025&half=1&sort=-name").content.decode()
    assert page.index("МБОУ СОШ № 2") < page.index("МБОУ СОШ № 1") < page.index("ГБПОУ НСТ")

    # The school curator sees only their organisation's reports.
    page = client_for(district.curator2).get(url("report_list")).content.decode()
    assert url("report_detail", late) in page and url("report_detail", accepted) not in page


def test_list_and_district_report_run_a_constant_number_of_queries(school, district, year, client_for):
    client = client_for(district.municipal)
    list_url = url("report_list") + "?year=2025&half=1"
    district_url = url("district_report") + "?year=2025&half=1"
    client.get(list_url)  # sessions, years: warm up
    with CaptureQueriesContext(connection) as list_few:
        assert client.get(list_url).status_code == 200
    with CaptureQueriesContext(connection) as district_few:
        assert client.get(district_url).status_code == 200
    many_organisations(district, year, 27)
    with CaptureQueriesContext(connection) as list_many:
        page = client.get(list_url).content.decode()
    with CaptureQueriesContext(connection) as district_many:
        assert client.get(district_url).status_code == 200
    assert page.count("<tr>") >= 30
    assert len(list_many.captured_queries) == len(list_few.captured_queries)
    assert len(district_many.captured_queries) == len(district_few.captured_queries)


def test_the_district_report(school, district, year, client_for):
    accepted = started(school, year, **TEXTS)
    submit_on(accepted, D(2025, 12, 1), district.curator1)
    monitoring_services.accept(accepted, by=district.municipal, today=D(2025, 12, 5))
    started(district.school2, year, **TEXTS)
    page = client_for(district.municipal).get(url("district_report") + "?year=2025&half=1").content.decode()
    assert "Селивановский район" in page and "Не сдали в срок" in page
    assert "ГБПОУ НСТ (не начат" in page and "МБОУ СОШ № 2 (готовится" in page
    assert "отчёт не принят" in page and "Итого по району (принят 1 отчёт)" in page
    assert "Охват по району" in page and "2,5" in page  # 1 of 40 students
    # The observer of the region reads it; school roles do not; a foreign district is not reachable.
    assert client_for(district.observer).get(url("district_report")).status_code == 200
    for user in (district.curator1, district.director1, district.member1):
        assert client_for(user).get(url("district_report")).status_code == 403, user
    foreign = client_for(district.foreign_municipal)
    assert "МБОУ СОШ № 1" not in foreign.get(url("district_report") + "?year=2025&half=1").content.decode()
    assert foreign.get(url("district_report") + f"?municipality={district.municipality.pk}").status_code == 404
    # The printable PDF.
    response = client_for(district.municipal).get(url("district_report") + "?year=2025&half=1&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Мониторинг реализации целевой модели наставничества Селивановский район: первое полугодие 2025/2026" in text
    assert "Не представили отчёт в срок" in text and "МБОУ СОШ № 2" in text


def test_targets_are_set_by_the_municipal_curator_only(district, year, client_for):
    client = client_for(district.municipal)
    target_url = url("targets_edit") + "?year=2025"
    page = client.get(target_url).content.decode()
    # The defaults of seeds 004 and 002: 10 / 15 / 90 / 100.
    for value in ('name="students_percent" value="10"', 'name="teachers_percent" value="15"',
                  'name="plans_percent" value="90"', 'name="consents_percent" value="100"'):
        assert value in page, value
    response = client.post(target_url, {"students_percent": "70", "student_base": "aged_10_plus",
                                        "teachers_percent": "15", "plans_percent": "90", "consents_percent": "100"})
    assert response.status_code == 302
    target = CoverageTarget.objects.get(municipality=district.municipality, academic_year=year)
    assert (float(target.students_percent), target.student_base) == (70.0, "aged_10_plus")
    assert figures.target_for(district.municipality.pk, year)["students_percent"] == 70.0
    # Out of range.
    response = client.post(target_url, {"students_percent": "170", "student_base": "all", "teachers_percent": "15",
                                        "plans_percent": "90", "consents_percent": "100"})
    assert response.status_code == 200
    assert float(CoverageTarget.objects.get(pk=target.pk).students_percent) == 70.0

    for user in (district.curator1, district.director1, district.member1, district.observer):
        other = client_for(user)
        assert other.get(target_url).status_code == 403, user
        assert other.post(target_url, {"students_percent": "5", "student_base": "all", "teachers_percent": "5",
                                       "plans_percent": "5", "consents_percent": "5"}).status_code == 403, user
    foreign = client_for(district.foreign_municipal)
    assert foreign.get(url("targets_edit") + f"?municipality={district.municipality.pk}").status_code == 404
    assert foreign.get(url("targets_edit")).status_code == 200  # their own district
    assert float(CoverageTarget.objects.get(pk=target.pk).students_percent) == 70.0


# --- the PDF --------------------------------------------------------------------------------------------


def test_the_information_note_pdf(school, district, year, client_for):
    report = started(school, year, **TEXTS)
    client = client_for(district.curator1)
    response = client.get(url("report_pdf", report))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert ("Информационная справка о реализации целевой модели наставничества в МБОУ СОШ № 1 за первое "
            "полугодие 2025/2026 учебного года").lower() in text.lower()
    assert "ПРОЕКТ" in text
    assert "в программах наставничества за период — 2 чел." in text
    assert "1 из 40" in text and "2,5" in text  # students covered
    assert TEXTS["decisions"] in text and "Куратор программы наставничества" in text and "И. И. Иванова" in text

    monitoring_services.submit(report, by=district.curator1)
    monitoring_services.accept(report, by=district.municipal)
    text = pdf_text(client.get(url("report_pdf", report)).content)
    assert "ПРОЕКТ" not in text and "Отчёт принят" in text
    assert re.search(r"Куратор программы наставничества подпись А\. Петрова", text)

    second = started(school, year, 2)
    text = pdf_text(client.get(url("report_pdf", second)).content)
    assert "за второе полугодие 2025/2026 учебного года" in text and "ПРОЕКТ" in text
