"""A school curator creates this year's roadmap from the school template, marks an item done with an
evidence file uploaded through the form, and the municipal curator sees the school's progress in the
district matrix."""

import re

import pytest
from playwright.sync_api import expect

from roadmaps.models import EvidenceFile, Occurrence, Roadmap, RoadmapTemplate
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = factories.pdf_bytes()


def test_curator_builds_the_roadmap_and_the_district_sees_progress(district, page, login, logout, shot, tmp_path):
    template = RoadmapTemplate.objects.filter(level="organisation", kind="school").order_by("code").first()
    assert template is not None, "the school templates are loaded (tests/reference_data.py)"
    protocol = tmp_path / "Протокол педсовета.pdf"
    protocol.write_bytes(PDF)

    # The curator creates the roadmap from the school template.
    login(page, district.curator1)
    page.get_by_role("link", name="Дорожные карты").first.click()
    expect(page.get_by_text("дорожных карт нет")).to_be_visible()
    page.get_by_role("link", name="Создать по шаблону").click()
    expect(page.get_by_text(district.school1.short_name)).to_be_visible()
    page.get_by_label("Шаблон", exact=True).select_option(str(template.pk))
    shot(page, "curator1-create")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_text("учебный год создана")).to_be_visible()
    roadmap = Roadmap.objects.get(organisation=district.school1)
    expect(page.get_by_role("heading", level=1)).to_have_text(roadmap.title)
    shot(page, "curator1-roadmap")

    # She marks the first item done with the protocol as evidence.
    first = roadmap.items.order_by("stage_number", "position").first()
    page.locator(f"#item-{first.pk}").get_by_role("link", name="отметить").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"№ {first.number}")
    page.get_by_label("Состояние").select_option(label="Выполнено")
    page.get_by_label("Чем подтверждается выполнение").fill("Протокол педагогического совета № 1")
    page.locator("input[name=files]").set_input_files(str(protocol))
    shot(page, "curator1-report")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Отметка сохранена.")).to_be_visible()
    expect(page.locator(f"#item-{first.pk}").get_by_text("выполнено")).to_be_visible()
    occurrence = Occurrence.objects.filter(item=first).order_by("sequence").first()
    assert occurrence.status == Occurrence.Status.DONE
    evidence = EvidenceFile.objects.get(occurrence=occurrence)
    assert evidence.title == "Протокол педсовета.pdf" and evidence.file.read() == PDF
    shot(page, "curator1-done")
    page.problems.assert_none()
    logout(page)

    # The municipal curator sees the school's progress in the matrix and goes down to its roadmap.
    login(page, district.municipal)
    page.goto("/roadmaps/")
    page.get_by_role("link", name="Сводка по организациям").click()
    row = page.get_by_role("row").filter(has_text=district.school1.short_name)
    percent = int(re.search(r"(\d+)\s*%", row.inner_text()).group(1))
    assert percent > 0
    expect(page.get_by_role("row").filter(has_text=district.school2.short_name)).to_contain_text(
        "нет дорожной карты")
    shot(page, "municipal-matrix")
    row.get_by_role("link", name=re.compile("дорожная карта")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(roadmap.title)
    expect(page.get_by_role("link", name="Добавить мероприятие")).to_have_count(0)
    page.problems.assert_none()
