"""The municipal curator opens the district dashboard, returns a school's submitted half-yearly report
with a comment, sees the dashboard follow, and downloads the statistics export as an XLSX file."""

import datetime
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.models import Membership, MentoringForm, MentorLink, Pair, Programme
from monitoring.models import MonitoringReport, ReportReview
from monitoring.reports import due_date
from registry.models import AcademicYear, OrganisationHeadcount
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Дополните анализ слабых сторон: нет сведений о встречах пар в октябре."


def school_with_a_pair_and_a_submitted_report(district):
    """School № 1 mentors one student this year and its curator has sent the first-half report."""
    school, year = district.school1, AcademicYear.objects.current()
    OrganisationHeadcount.objects.create(organisation=school, academic_year=year, students_total=200,
                                         students_aged_10_plus=150, teachers_total=20)
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Ласточкина")
    mentee = factories.MenteeProfileFactory(participant__organisation=school, participant__last_name="Скворцов")
    factories.ConsentFactory(participant=mentor.participant)
    programme = Programme.objects.create(organisation=school, academic_year=year,
                                         form=MentoringForm.objects.get(name="учитель – ученик"),
                                         starts_on=year.starts_on, ends_on=year.ends_on)
    pair = Pair.objects.create(programme=programme, status=Pair.Status.ACTIVE, started_on=year.starts_on)
    MentorLink.objects.create(pair=pair, mentor=mentor, started_on=year.starts_on)
    Membership.objects.create(pair=pair, mentee=mentee, joined_on=year.starts_on)
    report = MonitoringReport.objects.create(
        organisation=school, academic_year=year, half=1, due_on=due_date(school.municipality, year, 1),
        status=MonitoringReport.Status.SUBMITTED, strengths="Пары встречаются регулярно.",
        weaknesses="Мало наставников из числа педагогов.", decisions="Провести обучение наставников.",
        submitted_at=timezone.now() - datetime.timedelta(hours=2), submitted_by=district.curator1,
    )
    ReportReview.objects.create(report=report, action=ReportReview.Action.SUBMITTED, by=district.curator1)
    return report


def test_municipal_curator_returns_a_report_and_downloads_the_statistics(district, page, login, shot, tmp_path):
    report = school_with_a_pair_and_a_submitted_report(district)
    school = district.school1
    page.on("dialog", lambda dialog: dialog.accept())  # «Вернуть отчёт … на доработку?»

    # The dashboard: district totals, the schools, the report waiting for review.
    login(page, district.municipal)
    page.locator("#mainnav").get_by_role("link", name="Мониторинг", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Селивановский район")
    row = page.locator("#organisations tbody tr", has_text=school.short_name)
    expect(row).to_contain_text("на проверке")
    expect(page.get_by_text("ждут проверки: 1")).to_be_visible()
    # 1 covered student of 200: 0,5 % against the target of 10 %.
    expect(row).to_contain_text("0,5")
    shot(page, "municipal-dashboard")

    # The school's own dashboard is one click away, and back.
    row.get_by_role("link", name=school.short_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(school.short_name)
    expect(page.locator("#programmes")).to_contain_text("учитель – ученик")
    shot(page, "school-dashboard")
    page.get_by_role("link", name="Мониторинг района").click()

    # She opens the report from the table and returns it with a comment.
    page.locator("#organisations tbody tr", has_text=school.short_name).get_by_role("link", name="на проверке").click()
    page.wait_for_url(re.compile(rf"/monitoring/reports/{report.pk}/$"))
    page.get_by_label(re.compile("Комментарий")).fill(COMMENT)
    shot(page, "report-review")
    page.get_by_role("button", name="Вернуть на доработку").click()
    expect(page.get_by_text(re.compile("возвращён на доработку", re.IGNORECASE)).first).to_be_visible()
    report.refresh_from_db()
    assert report.status == MonitoringReport.Status.RETURNED
    assert report.reviews.filter(action=ReportReview.Action.RETURNED, comment=COMMENT, by=district.municipal).exists()

    # The dashboard follows.
    page.goto("/monitoring/")
    expect(page.locator("#organisations tbody tr", has_text=school.short_name)).to_contain_text("возвращён")
    expect(page.get_by_text("возвращены: 1")).to_be_visible()

    # The statistics export: requested, built, downloaded.
    page.goto("/monitoring/exports/")
    page.get_by_label(re.compile("Статистика участников")).check()
    page.get_by_role("button", name="Сформировать").click()
    page.wait_for_url(re.compile(r"/monitoring/exports/\d+/$"))
    download_link = page.get_by_role("link", name="Скачать XLSX")
    expect(download_link).to_be_visible(timeout=30_000)  # the progress page reloads itself when done
    shot(page, "export-done")
    with page.expect_download() as download_info:
        download_link.click()
    target = tmp_path / "statistics.xlsx"
    download_info.value.save_as(target)
    assert target.read_bytes()[:2] == b"PK"  # a zip container, as every XLSX is
    workbook = openpyxl.load_workbook(target, read_only=True)
    cells = [str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    assert school.short_name in cells
    assert district.foreign_school.short_name not in cells
    page.problems.assert_none()
