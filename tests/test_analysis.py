"""The district's half-year analysis and management decisions (issue 14, item 9; seed 000 items 4.5 and
4.7): the municipal curator writes the analysis of a period, linked to the reports accepted for it; each
decision becomes an item of the district roadmap; the analysis prints as PDF; schools and the region read
it, only the municipal curator writes, another district gets 404."""

import datetime
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring import analysis as service
from monitoring.models import DistrictAnalysis, ManagementDecision, MonitoringReport
from registry.models import AcademicYear
from roadmaps.models import Level, Occurrence, RoadmapChange
from roadmaps.services import create_from_template
from tests import factories
from tests.test_roadmap_pages import pdf_text

TODAY = timezone.localdate()
QUALITY = "Удовлетворённость наставляемых высокая (4,6 из 5); две пары прекращены досрочно в связи с переездом."
GROWTH = "Рост компетентностной составляющей у 80 % наставляемых по сравнению со старт-листом."


def year() -> AcademicYear:
    return AcademicYear.objects.current()


@pytest.fixture
def roadmap(district):
    template = factories.roadmap_template("test-district", level=Level.MUNICIPALITY, items=4, stage_count=2)
    return create_from_template(template=template, academic_year=year(), municipality=district.municipality,
                                by=district.municipal)


@pytest.fixture
def reports(district):
    return {
        "accepted1": factories.ReportFactory(organisation=district.school1, status=MonitoringReport.Status.ACCEPTED),
        "accepted_college": factories.ReportFactory(organisation=district.college, status=MonitoringReport.Status.ACCEPTED),
        "submitted2": factories.ReportFactory(organisation=district.school2, status=MonitoringReport.Status.SUBMITTED),
        "other_half": factories.ReportFactory(organisation=district.school2, status=MonitoringReport.Status.ACCEPTED, half=2),
        "foreign": factories.ReportFactory(organisation=district.foreign_school, status=MonitoringReport.Status.ACCEPTED),
    }


def write(client, municipality, half=1, **texts):
    return client.post(reverse("monitoring:analysis_create"), {
        "municipality": municipality.pk, "academic_year": year().pk, "half": half,
        "quality_analysis": texts.get("quality", QUALITY), "growth_analysis": texts.get("growth", GROWTH)})


def decide(client, analysis, text, due_on, responsible="Руководители ОО", user=None):
    return client.post(reverse("monitoring:decision_create", args=[analysis.pk]), {
        "text": text, "responsible": responsible, "due_on": due_on.isoformat(),
        "responsible_user": user.pk if user else ""})


@pytest.fixture
def analysis(district, roadmap, reports):
    return service.save_analysis(municipality=district.municipality, academic_year=year(), half=1,
                                 quality_analysis=QUALITY, growth_analysis=GROWTH, by=district.municipal)


# --- writing ------------------------------------------------------------------------------------------


def test_the_municipal_curator_writes_the_analysis_linked_to_the_accepted_reports(district, client_for, reports):
    response = write(client_for(district.municipal), district.municipality)
    analysis = DistrictAnalysis.objects.get()
    assert response.status_code == 302 and response["Location"] == analysis.get_absolute_url()
    assert (analysis.quality_analysis, analysis.growth_analysis, analysis.created_by) == (QUALITY, GROWTH,
                                                                                         district.municipal)
    # The period's accepted reports of the district: not the one on review, the other half or another district.
    assert set(analysis.reports.all()) == {reports["accepted1"], reports["accepted_college"]}
    # A report accepted later joins when the analysis is saved again.
    MonitoringReport.objects.filter(pk=reports["submitted2"].pk).update(status=MonitoringReport.Status.ACCEPTED)
    client_for(district.municipal).post(reverse("monitoring:analysis_edit", args=[analysis.pk]),
                                        {"quality_analysis": QUALITY + " Дополнено.", "growth_analysis": ""})
    analysis.refresh_from_db()
    assert analysis.quality_analysis.endswith("Дополнено.") and analysis.growth_analysis == ""
    assert analysis.reports.count() == 3
    # One analysis per period: asking for a new one of the same half opens the existing one.
    again = client_for(district.municipal).get(reverse("monitoring:analysis_create"),
                                               {"year": year().start_year, "half": 1})
    assert again["Location"] == reverse("monitoring:analysis_edit", args=[analysis.pk])
    assert DistrictAnalysis.objects.count() == 1


def test_an_empty_analysis_is_refused(district, client_for):
    response = write(client_for(district.municipal), district.municipality, quality="   ")
    assert response.status_code == 200 and not DistrictAnalysis.objects.exists()


def test_each_decision_becomes_an_item_of_the_district_roadmap(district, client_for, analysis, roadmap):
    client = client_for(district.municipal)
    due = TODAY + datetime.timedelta(days=40)
    response = decide(client, analysis, "Провести муниципальный семинар для наставников", due,
                      responsible="Муниципальный куратор")
    assert response.status_code == 302
    decision = ManagementDecision.objects.get()
    item = decision.roadmap_item
    assert item.roadmap == roadmap and not item.is_removed
    assert item.title == "Провести муниципальный семинар для наставников"
    assert item.responsible == "Муниципальный куратор" and item.stage_title == service.DECISIONS_STAGE_TITLE
    assert item.stage_number == 3 and item.number == "3.1"  # after the template's two stages
    assert list(item.responsible_users.all()) == [district.municipal]  # nobody named: who decided
    occurrence = item.occurrences.get()
    assert occurrence.due_on == due and occurrence.status == Occurrence.Status.NOT_STARTED
    assert RoadmapChange.objects.filter(item=item, kind=RoadmapChange.Kind.ITEM_ADDED).exists()

    # The second decision joins the same stage; its responsible user gets the reminders.
    later = datetime.date(year().start_year + 1, 9, 15)  # the next September: a year either side is allowed
    decide(client, analysis, "Собрать согласия от 100 % участников", later, user=district.curator1)
    second = ManagementDecision.objects.latest("pk").roadmap_item
    assert (second.stage_number, second.number) == (3, "3.2")
    assert list(second.responsible_users.all()) == [district.curator1]
    assert second.occurrences.get().due_on == later
    page = client.get(analysis.get_absolute_url()).content.decode()
    assert "мероприятие 3.1 дорожной карты района" in page and "Не начато" in page
    # The same decision sent again (a double click) is not a second roadmap item.
    again = decide(client, analysis, "Собрать согласия от 100 % участников", later, user=district.curator1)
    assert again.status_code == 200 and "уже записано" in again.content.decode()
    assert ManagementDecision.objects.count() == 2 and roadmap.items.filter(stage_number=3).count() == 2


def test_a_decision_without_a_district_roadmap_or_with_a_past_date_is_refused(district, client_for, reports):
    client = client_for(district.municipal)
    analysis = service.save_analysis(municipality=district.municipality, academic_year=year(), half=1,
                                     quality_analysis=QUALITY, by=district.municipal)
    response = decide(client, analysis, "Решение", TODAY + datetime.timedelta(days=10))
    assert response.status_code == 200 and "нет дорожной карты" in response.content.decode()
    assert not ManagementDecision.objects.exists()
    template = factories.roadmap_template("test-district", level=Level.MUNICIPALITY, items=2, stage_count=1)
    create_from_template(template=template, academic_year=year(), municipality=district.municipality)
    assert decide(client, analysis, "Решение", TODAY - datetime.timedelta(days=1)).status_code == 200
    far = datetime.date(year().start_year + 3, 1, 10)
    assert "слишком далёк" in decide(client, analysis, "Решение", far).content.decode()
    assert not ManagementDecision.objects.exists()


def test_withdrawing_a_decision_excludes_its_item(district, client_for, analysis):
    decision = service.add_decision(analysis, text="Открыть раздел на сайте", responsible="МК",
                                    due_on=TODAY + datetime.timedelta(days=20), by=district.municipal)
    client = client_for(district.municipal)
    url = reverse("monitoring:decision_withdraw", args=[decision.pk])
    assert client.post(url, {"reason": ""}).status_code == 302
    decision.refresh_from_db()
    assert not decision.is_withdrawn
    client.post(url, {"reason": "Раздел уже создан управлением образования"})
    decision.refresh_from_db()
    item = decision.roadmap_item
    item.refresh_from_db()
    assert decision.is_withdrawn and item.is_removed
    assert item.occurrences.get().status == Occurrence.Status.CANCELLED
    assert RoadmapChange.objects.get(item=item, kind=RoadmapChange.Kind.ITEM_REMOVED).reason == (
        "Раздел уже создан управлением образования")
    assert "отменено" in client.get(analysis.get_absolute_url()).content.decode()


# --- the PDF --------------------------------------------------------------------------------------------


def test_the_analysis_prints_as_pdf(district, client_for, analysis, tmp_path):
    service.add_decision(analysis, text="Провести методический семинар для наставников",
                         responsible="Муниципальный куратор", due_on=TODAY + datetime.timedelta(days=30),
                         by=district.municipal)
    response = client_for(district.municipal).get(reverse("monitoring:analysis_pdf", args=[analysis.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("АНАЛИЗ", "Селивановский район", "первое полугодие", QUALITY, GROWTH,
                     "Провести методический семинар для наставников", "Муниципальный куратор",
                     (TODAY + datetime.timedelta(days=30)).strftime("%d.%m.%Y"), "Принято отчётов организаций: 2",
                     "МБОУ СОШ № 1", "ГБПОУ НСТ", "Не начато"):
        assert expected in text, expected
    # The first page renders to an image (a broken document would not).
    pdf = tmp_path / "analysis.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert list(tmp_path.glob("page*.png"))


# --- who may see and write ------------------------------------------------------------------------------


def test_a_school_reads_the_analysis_but_does_not_write(district, client_for, analysis):
    decision = service.add_decision(analysis, text="Решение для школ", responsible="Руководители ОО",
                                    due_on=TODAY + datetime.timedelta(days=30), by=district.municipal)
    for user in (district.curator1, district.director1, district.observer):
        client = client_for(user)
        page = client.get(analysis.get_absolute_url())
        assert page.status_code == 200, user.username
        html = page.content.decode()
        assert "Решение для школ" in html and page.context["can_write"] is False
        assert reverse("monitoring:decision_create", args=[analysis.pk]) not in html
        assert client.get(reverse("monitoring:analysis_pdf", args=[analysis.pk])).status_code == 200
        assert client.get(reverse("monitoring:analysis_edit", args=[analysis.pk])).status_code == 403
        assert decide(client, analysis, "Чужое решение", TODAY + datetime.timedelta(days=5)).status_code == 403
        assert client.post(reverse("monitoring:decision_withdraw", args=[decision.pk]),
                           {"reason": "так"}).status_code == 403
        assert write(client, district.municipality).status_code == 403
    assert client_for(district.curator1).get(reverse("monitoring:analysis_create")).status_code == 403
    # Of the linked reports a school sees its own; the number stays the district's.
    page = client_for(district.curator1).get(analysis.get_absolute_url())
    assert [r.organisation for r in page.context["reports"]] == [district.school1]
    assert page.context["report_count"] == 2
    assert ManagementDecision.objects.count() == 1 and not decision.is_withdrawn


def test_the_link_to_the_district_report_is_shown_only_to_who_can_open_it(district, client_for, analysis):
    # A school curator was shown «Сводный мониторинг района за период» and got a 404 behind it.
    for user, shown in ((district.curator1, False), (district.director1, False), (district.municipal, True),
                        (district.observer, True)):
        client = client_for(user)
        html = client.get(analysis.get_absolute_url()).content.decode()
        href = (f'{reverse("monitoring:district_report")}?municipality={district.municipality.pk}'
                f'&amp;year={analysis.academic_year.start_year}&amp;half={analysis.half}')
        assert (href in html) is shown, user.username
        report = client.get(href.replace("&amp;", "&"))
        assert (report.status_code == 200) is shown, (user.username, report.status_code)


def test_another_district_gets_404(district, client_for, roles, analysis):
    decision = service.add_decision(analysis, text="Решение", responsible="МК",
                                    due_on=TODAY + datetime.timedelta(days=30), by=district.municipal)
    # The district's analysis: its schools read it, its municipal curator writes it.
    roles.expect([analysis.get_absolute_url(), reverse("monitoring:analysis_pdf", args=[analysis.pk])],
                 neighbour=200)
    roles.expect([reverse("monitoring:analysis_edit", args=[analysis.pk]),
                  reverse("monitoring:decision_create", args=[analysis.pk])], owner=403, neighbour=403)
    roles.expect(reverse("monitoring:decision_withdraw", args=[decision.pk]), method="post",
                 data={"reason": "так"}, owner=403, neighbour=403, municipal=None)
    client = client_for(district.foreign_municipal)
    assert client.get(reverse("monitoring:analysis_create"),
                      {"municipality": district.municipality.pk}).status_code == 404
    assert write(client, district.municipality).status_code == 404
    assert not client.get(reverse("monitoring:analysis_list")).context["listing"].rows
    assert client_for(district.nobody).get(analysis.get_absolute_url()).status_code == 404
    assert DistrictAnalysis.objects.get().quality_analysis == QUALITY


def test_the_list_and_hostile_parameters(district, client_for, analysis):
    client = client_for(district.municipal)
    listing = client.get(reverse("monitoring:analysis_list"))
    assert [a.pk for a in listing.context["listing"].rows] == [analysis.pk] and listing.context["can_write"]
    assert not client_for(district.curator1).get(reverse("monitoring:analysis_list")).context["can_write"]
    for query in ({"sort": "password"}, {"page": "x"}, {"year": "abc", "half": "7"}, {"municipality": "1e9"},
                  {"year": "\x00"}):
        assert client.get(reverse("monitoring:analysis_list"), query).status_code == 200, query
        assert client.get(reverse("monitoring:analysis_create"), query).status_code in (200, 302), query
    assert client.get(reverse("monitoring:analysis_create"), {"municipality": "99999999"}).status_code == 404


def test_the_list_runs_a_constant_number_of_queries(district, client_for):
    client = client_for(district.municipal)

    def add(start_year):
        academic_year, _created = AcademicYear.objects.get_or_create(start_year=start_year)
        for half in (1, 2):
            made = service.save_analysis(municipality=district.municipality, academic_year=academic_year,
                                         half=half, quality_analysis=QUALITY)
            made.reports.add(factories.ReportFactory(organisation=district.school1, status=MonitoringReport.Status.ACCEPTED, half=half, academic_year=academic_year))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("monitoring:analysis_list")).status_code == 200
        return len(captured)

    add(2020)
    few = queries()
    for start_year in (2021, 2022, 2023):
        add(start_year)
    assert queries() == few
    listing = client.get(reverse("monitoring:analysis_list")).context["listing"]
    assert listing.count == 8 and {a.report_count for a in listing.rows} == {1}


def test_the_district_report_leads_to_the_halfs_analysis(district, client_for, reports, roadmap):
    url = reverse("monitoring:district_report")
    query = {"municipality": district.municipality.pk, "year": year().start_year, "half": 1}
    start = reverse("monitoring:analysis_create")
    assert start in client_for(district.municipal).get(url, query).content.decode()
    assert start not in client_for(district.observer).get(url, query).content.decode()
    made = service.save_analysis(municipality=district.municipality, academic_year=year(), half=1,
                                 quality_analysis=QUALITY)
    for user in (district.municipal, district.observer):
        assert made.get_absolute_url() in client_for(user).get(url, query).content.decode(), user.username
