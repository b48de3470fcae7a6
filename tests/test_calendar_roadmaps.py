"""Plans by calendar year (seed 000 «на 2022 год», seed 002 «на 2021 год»), the roadmap's own years in
every template's words, and the templates' grif of approval loaded and printed."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from registry.models import AcademicYear
from roadmaps import services
from roadmaps.models import Occurrence, Period, RoadmapItem, RoadmapTemplate
from roadmaps.years import render

D = datetime.date


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", text).split())


def year(start: int) -> AcademicYear:
    return AcademicYear.objects.get_or_create(start_year=start)[0]


def due_dates(roadmap) -> dict[str, list[datetime.date]]:
    dates: dict[str, list] = {}
    for number, due in (Occurrence.objects.filter(item__roadmap=roadmap).order_by("sequence")
                        .values_list("item__number", "due_on")):
        dates.setdefault(number, []).append(due)
    return dates


def made(code, start_year, district, **owner):
    template = RoadmapTemplate.objects.get(code=code)
    if not owner:
        owner = ({"municipality": district.municipality} if template.level == "municipality"
                 else {"organisation": district.college})
    return services.create_from_template(template=template, academic_year=year(start_year), **owner)


def assert_within_calendar_year(roadmap, plan_year):
    first, last = D(plan_year, 1, 1), D(plan_year, 12, 31)
    outside = [(o.item.number, o.starts_on, o.due_on) for o in
               Occurrence.objects.filter(item__roadmap=roadmap).select_related("item")
               if not (first <= o.starts_on <= o.due_on <= last)]
    assert not outside, outside


# --- calendar-year plans -------------------------------------------------------------------------------


def test_templates_say_which_year_their_plan_runs_by(db):
    periods = dict(RoadmapTemplate.objects.values_list("code", "period"))
    assert periods["district-000"] == periods["college-002-2021"] == Period.CALENDAR
    assert {periods[code] for code in ("school-001", "school-003", "centre-004", "college-002-2020")} == {Period.SCHOOL}


def test_seed_000_plan_for_2022_runs_january_to_december_in_order(district):
    # A plan for 2022 belongs to the school year of its January, 2021/2022.
    roadmap = made("district-000", 2021, district)
    assert roadmap.is_calendar and roadmap.plan_year == 2022 and str(roadmap.period_label) == "2022 год"
    assert_within_calendar_year(roadmap, 2022)
    dates = due_dates(roadmap)
    # The seed's words: «Январь 2022 года», «Февраль 2022 года», «Март 2022 года».
    assert dates["1.1"] == dates["1.2"] == [D(2022, 1, 31)]
    assert dates["1.3"] == dates["3.5"] == [D(2022, 2, 28)]
    assert dates["1.6"] == [D(2022, 3, 31)]
    assert dates["3.3"] == [D(2022, 4, 14)]  # two weeks after 1.6
    assert dates["4.1"] == [D(2022, 3, 31), D(2022, 6, 30), D(2022, 9, 30), D(2022, 12, 31)]
    assert dates["4.2"] == [D(2022, 6, 10), D(2022, 12, 10)]  # «не позднее 10 декабря и 10 июня»
    assert dates["1.4"] == dates["5.1.1"] == [D(2022, 12, 31)]
    item = roadmap.items.get(number="1.1")
    assert item.deadline_spec.text == "Январь 2022 года"
    # The month-bound items, sorted by date, read as the paper's first stage does.
    by_date = sorted((dates[n][0], n) for n in ("1.1", "1.2", "1.3", "1.6", "3.5"))
    assert [n for _due, n in by_date] == ["1.1", "1.2", "1.3", "3.5", "1.6"]


def test_seed_002_plan_for_2021_runs_january_to_december_in_order(district):
    roadmap = made("college-002-2021", 2020, district)
    assert roadmap.plan_year == 2021
    assert_within_calendar_year(roadmap, 2021)
    dates = due_dates(roadmap)
    single = {number: due[0] for number, due in dates.items() if len(due) == 1}
    # «До 15.02.2021», «До 20.02.2021 г.», … «Октябрь 2021», «Декабрь 2021», «До 25.12.2021»: forced onto
    # a school year «до 15.02» came after «декабрь»; in the plan's own year it comes first.
    assert single["1.1"] == D(2021, 2, 15) and single["1.2"] == D(2021, 2, 20)
    assert single["1.5"] == D(2021, 12, 30) and single["6.3"] == D(2021, 12, 25)
    dated = [item.number for item in roadmap.items.order_by("position")
             if item.deadline_spec.kind in ("date", "months")]
    in_date_order = sorted(dated, key=lambda number: (single[number], dated.index(number)))
    assert in_date_order[:2] == ["1.1", "1.2"]
    assert [single[n] for n in in_date_order] == sorted(single[n] for n in dated)
    words = {item.number: item.deadline_spec.text for item in roadmap.items.all()}
    assert words["1.1"] == "До 15.02.2021" and words["6.3"] == "До 25.12.2021"


def test_a_calendar_plan_copied_to_the_next_year_is_the_next_calendar_year(district):
    first = made("district-000", 2021, district)
    second = services.copy_to_year(first, academic_year=year(2022))
    assert second.is_calendar and second.plan_year == 2023
    assert_within_calendar_year(second, 2023)
    assert second.items.get(number="1.1").deadline_spec.text == "Январь 2023 года"
    assert "в 2023 году" in second.items.get(number="1.3").title


def test_a_school_year_plan_is_unchanged(district):
    roadmap = made("centre-004", 2026, district, organisation=district.school1)
    assert not roadmap.is_calendar and roadmap.plan_year == 2026
    dates = due_dates(roadmap)
    assert min(min(d) for d in dates.values()) >= D(2026, 9, 1)
    assert max(max(d) for d in dates.values()) <= D(2027, 8, 31)


# --- the roadmap's own years in every template's words --------------------------------------------------

# Dates of legal acts the seeds cite: they keep their years.
LEGAL_ACTS = re.compile(r"от 25\.12\.2019|25 декабря 2019 г\.|от 30\.03\.2022|от 23\.01\.2020")
ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2,3}(?!\d)")  # «20213» too


def rendered_words(roadmap) -> list[str]:
    texts = []
    for item in RoadmapItem.objects.filter(roadmap=roadmap):
        texts += [item.stage_title, item.title, item.content, item.documents, item.result, item.responsible,
                  item.deadline_spec.text]
    return texts


@pytest.mark.parametrize("code", ["district-000", "school-001", "college-002-2020", "college-002-2021",
                                  "school-003", "centre-004"])
def test_no_stale_year_in_any_template_once_rendered(district, code):
    roadmap = made(code, 2030, district)
    plan = roadmap.plan_year
    allowed = {str(y) for y in range(plan - 1, plan + 3)}
    stale = []
    for text in rendered_words(roadmap):
        for found in ANY_YEAR.findall(LEGAL_ACTS.sub("", text)):
            if found not in allowed:
                stale.append((found, text[:90]))
        assert "{" not in text, text
    assert not stale, stale
    services.approve(roadmap, order_number="7-о", order_date=D(plan, 2, 1))
    from roadmaps.years import approval_blocks

    right, left = approval_blocks(roadmap)
    for line in right + left:
        assert all(found in allowed for found in ANY_YEAR.findall(line)), line
        assert "{" not in line


def test_the_years_a_seed_names_become_the_roadmap_s_own(district):
    school = made("school-003", 2030, district, organisation=district.school1)
    titles = {item.number: item for item in school.items.all()}
    assert titles["8.1"].stage_title == "Задачи по реализации программы на 2031-2032 учебный год"
    assert "за 2030-2031 уч. год" in titles["8.1"].content
    assert titles["3.1"].deadline_spec.text == "Октябрь, ноябрь 2030 года"  # the seed's «20213»
    college = made("college-002-2021", 2030, district)
    words = {item.number: item.title for item in college.items.all()}
    assert words["1.1"].endswith("на 2031 г.") and words["6.3"] == "Разработка дорожной карты на 2032 год"


def test_render_counts_from_the_plan_s_first_year():
    assert render("на {Y}-{Y+1}, за {Y-1}", 2030) == "на 2030-2031, за 2029"
    assert render("от 25.12.2019 № Р-145", 2030) == "от 25.12.2019 № Р-145"


# --- the grif of approval ----------------------------------------------------------------------------------


def test_the_templates_approval_lines_are_loaded(db):
    approvals = dict(RoadmapTemplate.objects.values_list("code", "approval"))
    assert approvals["centre-004"].splitlines()[0] == "УТВЕРЖДЕНО"
    assert approvals["college-002-2021"].splitlines()[0] == "УТВЕРЖДАЮ"
    assert "СОГЛАСОВАНО:" in approvals["college-002-2021"]
    assert approvals["college-002-2020"].startswith("Приложение")
    assert "30-9" not in approvals["centre-004"]  # the seed's own order is never printed on another roadmap


def test_the_template_grif_is_printed_with_the_roadmap_s_order(district, client_for):
    roadmap = made("college-002-2021", 2026, district)
    draft = pdf_text(client_for(district.municipal).get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])).content)
    assert "ПРОЕКТ" in draft and "на 2027 год" in draft and "СОГЛАСОВАНО:" in draft
    services.approve(roadmap, order_number="12-о", order_date=D(2027, 2, 20))
    roadmap.refresh_from_db()
    signer = roadmap.approved_by_name  # the signature of the order in the register
    text = pdf_text(client_for(district.municipal).get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])).content)
    assert signer and "УТВЕРЖДАЮ" in text and signer in text and "«20» февраля 2027 г." in text
    assert "СОГЛАСОВАНО: Министерство образования, науки и молодежной политики Нижегородской области" in text
    assert "«___» ____________ 2027 г." in text and "ПРОЕКТ" not in text

    centre = made("centre-004", 2026, district, organisation=district.school2)
    services.approve(centre, order_number="30-о", order_date=D(2026, 9, 2))
    centre.refresh_from_db()
    text = pdf_text(client_for(district.municipal).get(reverse("roadmaps:roadmap_pdf", args=[centre.pk])).content)
    assert f"УТВЕРЖДЕНО Приказом от 02.09.2026 № 30-о {centre.approved_by_name}" in text
    assert "30-9 о/д" not in text and "на 2026–2027 учебный год" in text
