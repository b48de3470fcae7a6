"""The district report states the targets it measures against and never totals reports frozen under
different targets together (issue 14, item 7e)."""

import datetime

import pytest
from django.urls import reverse

from monitoring import figures
from monitoring import services as monitoring_services
from monitoring.models import CoverageTarget
from registry.models import OrganisationHeadcount
from tests import factories
from tests.test_figures import TEACHER_TO_STUDENT, pair, student, teacher, year_2025
from tests.test_reports import TEXTS, pdf_text, started, submit_on

D = datetime.date
URL = reverse("monitoring:district_report") + "?year=2025&half=1"


@pytest.fixture
def year():
    return year_2025()


@pytest.fixture
def school(district, year):
    """School 1 in 2025/2026: a teacher mentoring a student since October, 40 students (30 aged 10+)."""
    org = district.school1
    OrganisationHeadcount.objects.create(organisation=org, academic_year=year, students_total=40,
                                         students_aged_10_plus=30, teachers_total=8)
    pair(factories.ProgrammeFactory(organisation=org, academic_year=year, form_name=TEACHER_TO_STUDENT, ends_on=D(2026, 5, 31)), teacher(org, "Наставник"), [student(org, "Ученик", D(2011, 1, 1))],
         D(2025, 10, 1))
    return org


def accepted(org, year, by, day=D(2025, 12, 5)):
    report = started(org, year, **TEXTS)
    submit_on(report, D(2025, 12, 1))
    monitoring_services.accept(report, by=by, today=day)
    report.refresh_from_db()
    return report


def second_school(district, year):
    org = district.school2
    OrganisationHeadcount.objects.create(organisation=org, academic_year=year, students_total=50,
                                         students_aged_10_plus=20, teachers_total=10)
    pair(factories.ProgrammeFactory(organisation=org, academic_year=year, form_name=TEACHER_TO_STUDENT, ends_on=D(2026, 5, 31)), teacher(org, "Наставникова"),
         [student(org, "Ученица", D(2012, 1, 1)), student(org, "Ученик", D(2018, 1, 1))], D(2025, 10, 1))
    return org


def test_the_report_states_the_default_targets_when_none_is_set(school, district, year, client_for):
    page = client_for(district.municipal).get(URL).content.decode()
    assert "Целевые показатели на 2025/2026 учебный год" in page
    assert "муниципалитет их не установил — применяются значения по умолчанию" in page
    assert "охват обучающихся не менее 10 % (от всех обучающихся), педагогов не менее 15 %" in page
    # The municipal curator may change them from here; the region's observer may not.
    assert reverse("monitoring:targets_edit") in page
    assert reverse("monitoring:targets_edit") not in client_for(district.observer).get(URL).content.decode()


def test_the_report_states_the_municipality_s_targets(school, district, year, client_for):
    CoverageTarget.objects.create(municipality=district.municipality, academic_year=year, students_percent=70,
                                  student_base=CoverageTarget.StudentBase.AGED_10_PLUS, teachers_percent=20)
    page = client_for(district.municipal).get(URL).content.decode()
    assert "установлены муниципалитетом" in page
    assert ("охват обучающихся не менее 70 % (от обучающихся в возрасте от 10 лет), педагогов не менее 20 %"
            in page)


def test_reports_frozen_under_different_targets_are_totalled_apart(school, district, year, client_for):
    first = accepted(school, year, district.municipal)  # under the defaults: 10 % of all students
    target = CoverageTarget.objects.create(municipality=district.municipality, academic_year=year,
                                           students_percent=70, student_base=CoverageTarget.StudentBase.AGED_10_PLUS)
    second = accepted(second_school(district, year), year, district.municipal)
    assert first.figures["coverage"]["students_target"] == 10.0
    assert second.figures["coverage"]["students_target"] == 70.0

    client = client_for(district.municipal)
    page = client.get(URL).content.decode()
    assert "Отчёты приняты при разных целевых показателях." in page
    assert "Итого по району" not in page  # no total over both
    # Each group's total is its own reports' alone: school 2 (the current targets) is group А.
    assert "Итого по группе А (принят 1 отчёт)" in page and "Итого по группе Б (принят 1 отчёт)" in page
    current = figures.total({second.organisation_id: second.figures})["coverage"]["students_percent"]
    earlier = figures.total({first.organisation_id: first.figures})["coverage"]["students_percent"]
    mixed = figures.total({first.organisation_id: first.figures,
                           second.organisation_id: second.figures})["coverage"]["students_percent"]
    assert (current, earlier) == (5.0, 2.5)  # 1 of 20 aged 10+; 1 of 40 students
    assert mixed not in (current, earlier)  # what a mixed total would have said
    shown = [part.split("</td>")[0].strip() for part in page.split('<td class="text-end num">')[1:]]
    assert "5,0" in shown and "2,5" in shown and f"{mixed:.1f}".replace(".", ",") not in shown
    assert "охват по району и целевые показатели — группа а" in page.lower()
    # The PDF keeps them apart too.
    text = pdf_text(client.get(URL + "&format=pdf").content)
    assert "Отчёты приняты при разных целевых показателях" in text
    assert "группа А" in text and "группа Б" in text
    # Back to the defaults: still two groups, the current one (school 1's, 10 %) first.
    target.delete()
    page = client.get(URL).content.decode()
    assert "Группа А — 1 отчёт (текущие цели): охват обучающихся не менее 10 %" in page


def test_a_single_group_under_earlier_targets_is_said_so(school, district, year, client_for):
    accepted(school, year, district.municipal)
    CoverageTarget.objects.create(municipality=district.municipality, academic_year=year, students_percent=70)
    page = client_for(district.municipal).get(URL).content.decode()
    assert "разных целевых показателях" not in page and "Итого по району (принят 1 отчёт)" in page
    assert "отличных от текущих" in page and "охват обучающихся не менее 10 %" in page


def test_one_group_under_the_current_targets_gives_one_district_total(school, district, year, client_for):
    accepted(school, year, district.municipal)
    page = client_for(district.municipal).get(URL).content.decode()
    assert "Итого по району (принят 1 отчёт)" in page
    assert "разных целевых показателях" not in page and "отличных от текущих" not in page


def test_the_pdf_names_the_municipal_curator_who_signs_it(school, district, year, client_for):
    """The signature line carries the municipal curator's name, as the school's report carries the
    curator's and the director's, whoever prints it (the region's observer too)."""
    district.municipal.last_name, district.municipal.first_name = "Кузнецова", "Ирина"
    district.municipal.patronymic = "Николаевна"
    district.municipal.save()
    for user in (district.municipal, district.observer):
        text = pdf_text(client_for(user).get(URL + f"&municipality={district.municipality.pk}&format=pdf").content)
        assert "Муниципальный куратор подпись И. Н. Кузнецова расшифровка подписи" in text, text[-300:]
