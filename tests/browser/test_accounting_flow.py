"""The municipal curator opens the quarterly personalised accounting from the menu, narrows it to the
mentees, downloads it as XLSX; then writes the half-year analysis with a management decision, finds the
decision in the district roadmap and prints the analysis."""

import datetime
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.models import Meeting, Membership, MentoringForm, MentorLink, Pair, Programme
from monitoring.models import ManagementDecision, MonitoringReport
from registry.models import AcademicYear
from roadmaps.models import Level
from roadmaps.services import create_from_template
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECISION = "Провести муниципальный семинар для наставников"


def a_pair_this_quarter(district):
    school, year = district.school1, AcademicYear.objects.current()
    today = timezone.localdate()
    started = today.replace(day=1)
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Ласточкина")
    mentee = factories.MenteeProfileFactory(participant__organisation=school, participant__last_name="Скворцов")
    programme = Programme.objects.create(organisation=school, academic_year=year,
                                         form=MentoringForm.objects.get(name="учитель – ученик"),
                                         starts_on=year.starts_on, ends_on=year.ends_on)
    pair = Pair.objects.create(programme=programme, status=Pair.Status.ACTIVE, started_on=started)
    MentorLink.objects.create(pair=pair, mentor=mentor, started_on=started)
    Membership.objects.create(pair=pair, mentee=mentee, joined_on=started)
    Meeting.objects.create(programme=programme, pair=pair, held_on=started, topic="Знакомство")
    return pair


def test_accounting_and_the_analysis(district, page, login, shot, tmp_path):
    a_pair_this_quarter(district)
    year = AcademicYear.objects.current()
    template = factories.roadmap_template("test-district", level=Level.MUNICIPALITY, items=2, stage_count=1)
    roadmap = create_from_template(template=template, academic_year=year, municipality=district.municipality)
    MonitoringReport.objects.create(organisation=district.school1, academic_year=year, half=1,
                                    due_on=year.starts_on, status=MonitoringReport.Status.ACCEPTED,
                                    accepted_at=timezone.now())

    login(page, district.municipal)
    page.locator("#mainnav").get_by_role("button", name="Ещё").click()
    page.get_by_role("link", name="Персонифицированный учёт").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Персонифицированный учёт участников")
    expect(page.locator("table")).to_contain_text("Ласточкина")
    page.get_by_label("Роль").select_option("mentee")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text("Скворцов")  # and his mentor beside him
    expect(page.locator("table tbody tr")).to_contain_text("наставник: Ласточкина")
    shot(page, "accounting")

    page.get_by_role("button", name="Выгрузить в XLSX").click()
    page.wait_for_url(re.compile(r"/monitoring/exports/\d+/$"))
    download_link = page.get_by_role("link", name="Скачать XLSX")
    expect(download_link).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        download_link.click()
    target = tmp_path / "accounting.xlsx"
    download_info.value.save_as(target)
    rows = list(openpyxl.load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert [row[1].split()[0] for row in rows[1:-1]] == ["Скворцов"] and rows[-1][0] == "ИТОГО"

    # The analysis of the first half, from the menu.
    page.locator("#mainnav").get_by_role("button", name="Ещё").click()
    page.get_by_role("link", name="Анализ и управленческие решения").click()
    page.goto(f"/monitoring/analyses/new/?year={year.start_year}&half=1")
    page.get_by_label(re.compile("Анализ оценки качества")).fill("Пары встречаются регулярно; планы выполняются.")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("МБОУ СОШ № 1").first).to_be_visible()
    page.get_by_label(re.compile("Решение")).fill(DECISION)
    page.get_by_label(re.compile(r"Ответственный\*")).fill("Муниципальный куратор")
    page.get_by_label(re.compile("Срок")).fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Записать решение").click()
    expect(page.locator("table")).to_contain_text(DECISION)
    shot(page, "analysis")
    decision = ManagementDecision.objects.get()
    page.get_by_role("link", name=re.compile("дорожной карты района")).click()
    page.wait_for_url(re.compile(rf"/roadmaps/{roadmap.pk}/"))
    expect(page.locator(f"#item-{decision.roadmap_item_id}")).to_contain_text(DECISION)
    response = page.request.get(f"/monitoring/analyses/{decision.analysis_id}.pdf")
    assert response.ok and response.body()[:4] == b"%PDF"
    page.problems.assert_none()
