"""A school curator registers a 15-year-old student and her consent in a real browser; the municipal
curator then finds her by school, and the neighbouring school's curator cannot open her page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registry.models import Consent, Participant
from tests import factories

pytestmark = [
    pytest.mark.browser,
    # The live server answers from another thread, so the test data must be committed; the rows the
    # migrations seeded come back through the reference_data fixture (tests/reference_data.py).
    pytest.mark.django_db(transaction=True),
]


def fifteen_years_ago(today: datetime.date) -> datetime.date:
    first_of_month = today.replace(day=1)
    return first_of_month.replace(year=first_of_month.year - 15) - datetime.timedelta(days=20)


def assert_bootstrap_applied(page):
    """The stylesheet really loaded: the navbar has Bootstrap's primary colour, not the browser's default."""
    background = page.locator("nav.navbar").evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in {"rgba(0, 0, 0, 0)", "transparent"}, background


def test_curator_registers_minor_with_consent_and_scope_holds(district, page, login, logout, shot):
    other_school_pupil = factories.ParticipantFactory(organisation=district.school2, last_name="Соседова")
    today = timezone.localdate()
    birth_date = fifteen_years_ago(today)

    # The school curator signs in.
    login(page, district.curator1)
    expect(page.locator("nav.navbar")).to_contain_text("Участники")
    assert_bootstrap_applied(page)
    shot(page, "curator1-home")

    # «Все участники» → «Добавить участника».
    page.locator("nav.navbar").get_by_role("link", name="Участники", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Участники")
    shot(page, "curator1-participants")
    page.get_by_role("link", name="Добавить участника").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Новый участник")

    page.get_by_label("Фамилия").fill("Ёлкина")
    page.get_by_label(re.compile(r"^\s*Имя[*\s]*$")).fill("Мария")
    page.get_by_label("Отчество").fill("Сергеевна")
    page.get_by_label("Дата рождения").fill(birth_date.isoformat())
    page.get_by_label("Категория").select_option(label="Обучающийся")
    page.get_by_label("Класс / группа").fill("9Б")
    shot(page, "curator1-new-participant-filled")
    page.get_by_role("button", name="Сохранить", exact=True).click()

    # The participant's page, with no consent yet.
    page.wait_for_url(re.compile(r"/registry/participants/\d+/$"))
    participant_url = page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ёлкина Мария Сергеевна")
    expect(page.get_by_text("нет действующего согласия на участие")).to_be_visible()
    expect(page.get_by_text(birth_date.strftime("%d.%m.%Y"))).to_be_visible()
    shot(page, "curator1-participant-created")

    # «Внести согласие»: a 15-year-old signs together with her legal representative.
    page.get_by_role("link", name="Внести согласие").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Согласие на обработку персональных данных")
    page.get_by_label("Кто подписал").select_option(label="Законный представитель вместе с несовершеннолетним")
    page.get_by_label("ФИО законного представителя").fill("Ёлкина Ольга Петровна")
    page.get_by_label("Кем приходится").select_option(label="Мать")
    page.get_by_label("Документ, подтверждающий полномочия").fill("свидетельство о рождении III-МЮ № 123456")
    page.get_by_label("Дата подписания").fill(today.isoformat())
    shot(page, "curator1-consent-filled")
    page.get_by_role("button", name="Внести согласие").click()

    page.wait_for_url(participant_url)
    expect(page.get_by_text("согласие на участие действует")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Ёлкина Ольга Петровна (мать)")
    shot(page, "curator1-consent-saved")
    page.problems.assert_none()

    participant = Participant.objects.get(last_name="Ёлкина")
    assert participant.organisation == district.school1
    assert participant.birth_date == birth_date
    consent = participant.consents.get()
    assert consent.signed_by == Consent.SignedBy.BOTH
    assert consent.purpose == Consent.Purpose.MENTORING
    assert consent.created_by == district.curator1

    logout(page)

    # The municipal curator sees her in the district's list, filtered by her school.
    login(page, district.municipal)
    page.locator("nav.navbar").get_by_role("link", name="Участники", exact=True).click()
    expect(page.get_by_role("link", name=other_school_pupil.full_name)).to_be_visible()
    page.get_by_label("Организация").select_option(label=str(district.school1))
    page.get_by_role("button", name="Найти").click()
    page.wait_for_url(re.compile(rf"organisation={district.school1.pk}"))
    row = page.locator("tbody tr", has=page.get_by_role("link", name="Ёлкина Мария Сергеевна"))
    expect(row).to_be_visible()
    expect(row).to_contain_text("действует")
    expect(page.get_by_role("link", name=other_school_pupil.full_name)).to_have_count(0)
    shot(page, "municipal-filtered-by-school")
    page.problems.assert_none()
    logout(page)

    # The other school's curator gets a 404 on her page: it is not in his scope.
    login(page, district.curator2)
    response = page.goto(participant_url)
    assert response.status == 404
    expect(page.get_by_text("Ёлкина")).to_have_count(0)
    shot(page, "curator2-404")
