"""A curator hands out a personal link in a real browser; the participant answers through it without an
account, once; the curator also enters someone's answers by clicking the scale."""

import pytest
from playwright.sync_api import expect

from monitoring.models import Question, Questionnaire, Response
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def survey(db):
    questionnaire = Questionnaire.objects.create(title="Анкета для проверки в браузере",
                                                 kind=Questionnaire.Kind.MENTEE_SATISFACTION)
    Question.objects.create(questionnaire=questionnaire, position=1, type=Question.Type.SCALE_5,
                            text="Насколько вы удовлетворены работой с наставником?")
    Question.objects.create(questionnaire=questionnaire, position=2, type=Question.Type.CHOICE,
                            text="Хотели бы вы продолжить?", choices=["Да", "Нет"])
    return questionnaire


def test_a_personal_link_is_answered_once_without_an_account(district, survey, browser, live_server, page, login,
                                                             shot):
    mentee = factories.MenteeProfileFactory(participant__organisation=district.school1,
                                            participant__last_name="Ласточкина", participant__first_name="Вера")
    factories.consent_for(mentee.participant)
    other = factories.MenteeProfileFactory(participant__organisation=district.school1,
                                           participant__last_name="Синичкина", participant__class_name="8Б")
    factories.consent_for(other.participant)
    login(page, district.curator1)
    page.goto(f"/monitoring/questionnaires/{survey.pk}/links/")
    page.get_by_label("Класс / группа").select_option("9А")
    page.get_by_role("button", name="Отобрать").click()
    expect(page.locator("body")).not_to_contain_text("Синичкина")
    page.get_by_label("Отметить всех на странице").check()
    expect(page.get_by_label("Ласточкина Вера")).to_be_checked()
    shot(page, "links-filtered")
    page.get_by_role("button", name="Выдать отмеченным").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Личные ссылки")
    expect(page.get_by_role("link", name="Листы для печати с QR-кодами (PDF)")).to_be_visible()
    shot(page, "links")
    url = page.locator("td.font-monospace").first.inner_text().strip()
    assert url == live_server.url + Response.objects.get().public_url()
    page.problems.assert_none()

    # Someone without an account opens the link in their own browser.
    stranger = browser.new_context(locale="ru-RU")
    try:
        public = stranger.new_page()
        public.goto(url)
        expect(public.get_by_role("heading", level=1)).to_have_text(survey.title)
        expect(public.locator("body")).to_contain_text("Здравствуйте, Вера!")
        assert public.locator("a").count() == 0
        public.get_by_role("button", name="Отправить ответы").click()
        expect(public.locator(".alert-danger")).to_contain_text("Ответы не отправлены")
        public.locator("label", has_text="4").click()
        public.get_by_label("Да").check()
        shot(public, "public-filled")
        public.get_by_role("button", name="Отправить ответы").click()
        expect(public.locator("h1")).to_have_text("Спасибо! Ваши ответы получены.")
        public.goto(url)
        expect(public.locator("h1")).to_have_text("Ответы по этой ссылке уже получены")
    finally:
        stranger.close()
    response = Response.objects.get()
    assert response.is_submitted and set(response.answers.values_list("number", "text")) == {(None, "Да"), (4, "")}


def test_curator_enters_answers_by_clicking_the_scale(district, survey, page, login, shot):
    mentee = factories.MenteeProfileFactory(participant__organisation=district.school1, participant__last_name="Синицына")
    factories.consent_for(mentee.participant)
    login(page, district.curator1)
    page.goto(f"/monitoring/questionnaires/{survey.pk}/answer/")
    page.get_by_label("Кто отвечает").select_option(label="Синицына Иван Петрович, 9А")
    page.locator("label", has_text="5").click()
    page.get_by_label("Нет").check()
    shot(page, "entry-filled")
    page.get_by_role("button", name="Сохранить ответы").click()
    expect(page.locator(".alert-success")).to_contain_text("Ответы сохранены")
    page.problems.assert_none()
    response = Response.objects.get()
    assert response.entered_by == district.curator1
    assert set(response.answers.values_list("number", "text")) == {(None, "Нет"), (5, "")}
