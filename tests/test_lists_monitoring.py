"""The monitoring app's lists page, sort and filter together (see tests/lists.py for what a walk checks),
never show another organisation's rows, and the district dashboard's sort links keep the year."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.models import BestPractice, ExportJob, MonitoringReport, Questionnaire
from registry.models import AcademicYear
from tests import factories
from tests.lists import links, params, walk

D = datetime.date
Status = MonitoringReport.Status
NOW = timezone.now()


def hostile_values_are_no_error(client, url, **extra):
    for query in ({"sort": "password"}, {"sort": "--name"}, {"per_page": "-1"}, {"per_page": "100000"},
                  {"page": "x"}, {"page": "9999"}):
        assert client.get(url, {**extra, **query}).status_code == 200, query


# --- reports ---------------------------------------------------------------------------------------------


def test_district_reports_filtered_by_status_walk_pages_and_sorts(district, client_for):
    year, _created = AcademicYear.objects.get_or_create(start_year=2025)
    for index in range(30):
        org = factories.OrganisationFactory(municipality=district.municipality, short_name=f"МБОУ Школа {index:02d}")
        factories.ReportFactory(organisation=org, academic_year=year, status=Status.ACCEPTED)
    for index in range(5):
        org = factories.OrganisationFactory(municipality=district.municipality, short_name=f"МБДОУ Сад {index}")
        factories.ReportFactory(organisation=org, academic_year=year, status=Status.DRAFT)
    factories.ReportFactory(organisation=district.foreign_school, academic_year=year, status=Status.ACCEPTED)
    client = client_for(district.municipal)
    url = reverse("monitoring:report_list")
    filters = {"year": 2025, "half": 1, "status": "accepted"}

    def keep(row):
        return row.status == Status.ACCEPTED and row.organisation.municipality_id == district.municipality.pk

    first, sorts = walk(client, url, filters, keep=keep)
    assert first.context["listing"].count == 30
    assert len(sorts) == 4
    # Every row of every sort belongs to the district: the other district's accepted report never shows.
    assert district.foreign_school.short_name not in first.content.decode()
    for href in sorts:
        assert district.foreign_school.short_name not in client.get(url + href).content.decode()
    # The filter form keeps the chosen sort and page size.
    chosen = client.get(url, {**filters, "sort": "-status", "per_page": 100}).content.decode()
    assert '<input type="hidden" name="sort" value="-status">' in chosen
    assert '<input type="hidden" name="per_page" value="100">' in chosen
    hostile_values_are_no_error(client, url, **filters)


def test_district_reports_sort_by_status_and_reverse(district, client_for):
    year, _created = AcademicYear.objects.get_or_create(start_year=2025)
    factories.ReportFactory(organisation=district.school1, academic_year=year, status=Status.ACCEPTED)
    factories.ReportFactory(organisation=district.school2, academic_year=year, status=Status.SUBMITTED)
    client = client_for(district.municipal)
    url = reverse("monitoring:report_list")
    by_status = client.get(url, {"year": 2025, "half": 1, "sort": "status"})
    # On review first, then not started (the college), then accepted.
    assert [row.organisation for row in by_status.context["listing"].rows] == [
        district.school2, district.college, district.school1]
    status_href = next(href for href in links(by_status).sorts if "sort=-status" in href)
    assert params(status_href)["year"] == ["2025"]
    reversed_rows = client.get(url + status_href).context["listing"].rows
    assert [row.organisation for row in reversed_rows] == [district.school1, district.college, district.school2]


def test_a_schools_reports_filtered_by_status_walk_pages_and_sorts(district, client_for):
    for start in range(2008, 2024):
        year, _created = AcademicYear.objects.get_or_create(start_year=start)
        for half in (1, 2):
            factories.ReportFactory(organisation=district.school1, academic_year=year, half=half, status=Status.ACCEPTED if start > 2008 else Status.RETURNED)
            factories.ReportFactory(organisation=district.school2, academic_year=year, half=half, status=Status.ACCEPTED)
    client = client_for(district.curator1)
    url = reverse("monitoring:report_list")

    def keep(row):
        return row.status == Status.ACCEPTED and row.organisation_id == district.school1.pk

    first, sorts = walk(client, url, {"status": "accepted"}, keep=keep)
    assert first.context["listing"].count == 30
    assert len(sorts) == 4
    # Newest first by default.
    years = [r.academic_year.start_year for r in first.context["listing"].rows]
    assert years == sorted(years, reverse=True) and years[0] == 2023
    hostile_values_are_no_error(client, url, status="accepted")
    # School 2's reports are never listed for school 1's curator.
    everything = client.get(url, {"per_page": 200})
    assert {r.organisation_id for r in everything.context["listing"].rows} == {district.school1.pk}
    assert everything.context["listing"].count == 32


# --- cases -----------------------------------------------------------------------------------------------


def test_cases_found_by_title_walk_pages_and_sorts(district, client_for):
    for index in range(30):
        school = district.school1 if index % 2 else district.school2
        BestPractice.objects.create(organisation=school, title=f"Практика {index:02d}", description="Описание",
                                    published=True)
    for index in range(5):
        BestPractice.objects.create(organisation=district.school1, title=f"Другое {index}", description="Описание",
                                    published=True)
    BestPractice.objects.create(organisation=district.foreign_school, title="Практика другого района",
                                description="Описание", published=True)
    BestPractice.objects.create(organisation=district.school2, title="Практика: черновик", description="Описание")
    client = client_for(district.municipal)
    url = reverse("monitoring:case_list")

    def keep(case):
        return ("Практика" in case.title and case.published
                and case.organisation.municipality_id == district.municipality.pk)

    first, sorts = walk(client, url, {"q": "Практика"}, keep=keep)
    assert first.context["listing"].count == 30  # neither the other district's case nor school 2's draft
    assert len(sorts) == 5  # title, form, organisation, files, added
    hostile_values_are_no_error(client, url, q="Практика")


def test_a_school_sees_its_own_drafts_only(district, client_for):
    for index in range(30):
        BestPractice.objects.create(organisation=district.school1, title=f"Черновик {index:02d}",
                                    description="Описание")
        BestPractice.objects.create(organisation=district.school2, title=f"Черновик школы 2 {index:02d}",
                                    description="Описание")
    first, sorts = walk(client_for(district.curator1), reverse("monitoring:case_list"), {"state": "draft"},
                        keep=lambda case: case.organisation_id == district.school1.pk and not case.published)
    assert first.context["listing"].count == 30
    assert len(sorts) == 5  # title, form, files, added, publication


# --- questionnaires --------------------------------------------------------------------------------------


def test_questionnaires_filtered_by_purpose_walk_pages_and_sorts(district, client_for):
    for index in range(30):
        Questionnaire.objects.create(title=f"Опрос за четверть {index:02d}", kind=Questionnaire.Kind.INTERIM)
    Questionnaire.objects.create(title="Старый опрос", kind=Questionnaire.Kind.INTERIM, is_active=False)
    client = client_for(district.curator1)
    url = reverse("monitoring:questionnaire_list")
    interim = Questionnaire.objects.filter(kind=Questionnaire.Kind.INTERIM, is_active=True).count()
    first, sorts = walk(client, url, {"kind": "interim"},
                        keep=lambda q: q.kind == Questionnaire.Kind.INTERIM and q.is_active)
    assert first.context["listing"].count == interim >= 30
    assert len(sorts) == 5
    hostile_values_are_no_error(client, url, kind="interim")
    # Who keeps the question sets also sees the unused ones, and the filter stays.
    municipal = client_for(district.municipal)
    first, _sorts = walk(municipal, url, {"kind": "interim", "all": 1}, keep=lambda q: q.kind == "interim")
    assert first.context["listing"].count == interim + 1
    toggle = re.search(r'href="(\?[^"]*)">Только используемые', first.content.decode()).group(1)
    assert params(unescape(toggle)) == {"kind": ["interim"], "per_page": ["25"]}


@pytest.fixture
def survey(db):
    return factories.QuestionnaireFactory()


def answered(survey, organisation, *, link=True, by=None, **participant):
    """A response received through a personal link, or entered by a curator (``link=False``)."""
    factory = factories.LinkFactory if link else factories.ResponseFactory
    return factory(questionnaire=survey, organisation=organisation, entered_by=by, submitted_at=NOW,
                   **{f"participant__{name}": value for name, value in participant.items()})


def test_the_questionnaire_list_counts_own_answers_only(district, client_for, survey):
    for organisation in (district.school1, district.school2, district.foreign_school):
        answered(survey, organisation)
    url = reverse("monitoring:questionnaire_list")
    for user, count in ((district.curator1, 1), (district.municipal, 2)):
        rows = client_for(user).get(url, {"q": "Проверочная"}).context["listing"].rows
        assert [(q.pk, q.answered) for q in rows] == [(survey.pk, count)], user.username


def test_answers_received_by_link_walk_pages_and_sorts(district, client_for, survey):
    for index in range(30):
        answered(survey, district.school1, last_name=f"Ответил{index:02d}")
    for _index in range(5):
        answered(survey, district.school1, link=False, by=district.curator1)
    answered(survey, district.school2, last_name="Школа2")
    answered(survey, district.foreign_school, last_name="Чужой")
    url = reverse("monitoring:questionnaire_detail", args=[survey.pk])

    def keep(response):
        return response.token is not None and response.organisation_id == district.school1.pk

    first, sorts = walk(client_for(district.curator1), url, {"via": "link"}, keep=keep)
    assert first.context["listing"].count == 30
    assert len(sorts) == 2  # who, when (one organisation: no organisation column)
    # The municipal curator narrows to school 1 and keeps both filters through pages and sorts.
    first, sorts = walk(client_for(district.municipal), url, {"organisation": district.school1.pk, "via": "link"},
                        keep=keep)
    assert first.context["listing"].count == 30
    everything = client_for(district.municipal).get(url, {"per_page": 200})
    assert {r.organisation_id for r in everything.context["listing"].rows} == {
        district.school1.pk, district.school2.pk}
    assert "Чужой" not in everything.content.decode()
    entered_only = client_for(district.curator1).get(url, {"via": "curator"}).context["listing"]
    assert entered_only.count == 5 and all(r.token is None for r in entered_only.rows)
    hostile_values_are_no_error(client_for(district.curator1), url, via="link")


# --- export jobs -----------------------------------------------------------------------------------------


def job(user, status, kind="mentors"):
    return ExportJob.objects.create(kind=kind, params={"filters": {}}, requested_by=user, status=status)


def test_export_jobs_filtered_by_state_walk_pages_and_sorts(district, client_for):
    for _index in range(30):
        job(district.curator1, ExportJob.Status.DONE)
    for kind in ("mentees", "statistics"):
        job(district.curator1, ExportJob.Status.FAILED, kind)
    job(district.curator2, ExportJob.Status.DONE)
    client = client_for(district.curator1)
    url = reverse("monitoring:export_list")

    def keep(row):
        return row.status == ExportJob.Status.DONE and row.requested_by_id == district.curator1.pk

    first, sorts = walk(client, url, {"status": "done"}, keep=keep)
    assert first.context["listing"].count == 30
    assert len(sorts) == 4
    failed = client.get(url, {"type": "mentees"}).context["listing"]
    assert failed.count == 1 and failed.rows[0].kind == "mentees"
    # The registry's hand-over (?kind=mentors&category=…) survives paging the jobs.
    handed_over = client.get(url, {"kind": "mentors", "category": "teacher", "per_page": 25})
    next_params = params(links(handed_over).next)
    assert next_params["kind"] == ["mentors"] and next_params["category"] == ["teacher"]
    hostile_values_are_no_error(client, url, status="done")


# --- the same number of queries, whatever the rows ---------------------------------------------------------


def queries(client, url, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["case_list", "export_list"])
def test_case_and_export_lists_run_a_constant_number_of_queries(district, client_for, page):
    client = client_for(district.curator1)
    url = reverse(f"monitoring:{page}")

    def add(count):
        for index in range(count):
            if page == "case_list":
                case = BestPractice.objects.create(organisation=district.school1, title=f"Кейс {index}",
                                                   description="Описание")
                case.files.create(title="файл", file="cases/file.pdf")
            else:
                job(district.curator1, ExportJob.Status.DONE)

    add(2)
    queries(client, url, {"sort": "-created"})  # warm up
    few = queries(client, url, {"sort": "-created"})
    add(60)
    assert queries(client, url, {"sort": "-created"}) == few
    assert queries(client, url, {"sort": "files" if page == "case_list" else "status", "page": 2}) == few


# --- the district dashboard ------------------------------------------------------------------------------


def test_dashboard_sort_links_are_query_strings_that_keep_the_year(district, client_for):
    year = AcademicYear.objects.current()
    previous = AcademicYear.objects.get_or_create(start_year=year.start_year - 1)[0]
    client = client_for(district.municipal)
    url = reverse("monitoring:dashboard")
    response = client.get(url, {"year": previous.start_year, "sort": "-pairs"})
    content = response.content.decode()
    assert "??" not in content
    heads = links(response).sorts
    assert len(heads) == 9
    # The column heads, and the district's numbers that open the table sorted.
    hrefs = [unescape(href) for href in re.findall(r'href="([^"]*sort=[^"]*)"', content)]
    assert set(heads) <= set(hrefs) and len(hrefs) > len(heads)
    for href in hrefs:
        assert href.startswith("?") and not href.startswith("??"), href
        assert href.endswith("#organisations"), href
        query = parse_qs(urlsplit(href).query)
        assert query["year"] == [str(previous.start_year)], href
    # The sorted column reverses; another starts from its first direction.
    assert "?year={}&sort=pairs#organisations".format(previous.start_year) in hrefs
    assert "?year={}&sort=-overdue#organisations".format(previous.start_year) in hrefs
    assert "?year={}&sort=name#organisations".format(previous.start_year) in hrefs
    followed = client.get(url + heads[0])
    assert followed.context["year"] == previous and followed.context["d"].sort == "name"
    names = [row.name for row in followed.context["d"].rows]
    assert district.foreign_school.short_name not in names and len(names) == 3
    # A hostile sort falls back to the default.
    assert client.get(url, {"sort": "--name"}).context["d"].sort == "name"
