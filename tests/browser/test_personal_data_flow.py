"""The curator revokes a paired mentee's consent and sees the pair suspended; the director destroys the
mentee's data with «Уничтожить сейчас» and reads the act. A real Chromium, so CSRF is checked on every form."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from mentoring import services
from mentoring.models import MentoringForm, Pair, Programme
from registry.models import AcademicYear, DestructionAct, Participant
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_revocation_suspends_the_pair_and_the_director_destroys_with_an_act(district, page, login, logout, shot):
    today = timezone.localdate()
    school = district.school1
    school.director_name = "Н.В. Соколова"
    school.save()
    programme = Programme.objects.create(
        organisation=school, academic_year=AcademicYear.objects.current(),
        form=MentoringForm.objects.get(name="учитель – ученик"),
        starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=180))
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Ласточкина",
                                            participant__first_name="Вера")
    factories.consent_for(mentor.participant)
    mentee = factories.MenteeProfileFactory(participant__organisation=school, participant__last_name="Скворцов",
                                            participant__first_name="Илья", participant__patronymic="Андреевич")
    factories.consent_for(mentee.participant)
    pair = services.form_pair(programme=programme, mentor=mentor, mentees=[mentee],
                              started_on=today - datetime.timedelta(days=20))
    services.activate(pair)

    # The curator revokes the consent from the mentee's page, keeping the default «suspend».
    login(page, district.curator1)
    page.goto(mentee.participant.get_absolute_url())
    page.get_by_role("link", name="Отозвать").click()
    page.get_by_label("Причина отзыва").fill("заявление матери")
    expect(page.get_by_label("Приостановить участие до нового согласия")).to_be_checked()
    page.get_by_role("button", name="Отозвать согласие").click()
    expect(page.get_by_text("Обработка персональных данных остановлена").first).to_be_visible()
    expect(page.get_by_text(f"Пара № {pair.pk} приостановлена до нового согласия.").first).to_be_visible()
    shot(page, "curator1-revoked")
    page.goto(pair.get_absolute_url())
    expect(page.get_by_text("Работа пары приостановлена")).to_be_visible()
    expect(page.get_by_text("Приостановлена").first).to_be_visible()
    assert Pair.objects.get().status == Pair.Status.SUSPENDED
    shot(page, "curator1-pair-suspended")
    logout(page)

    # The director destroys the mentee's data now, after a confirmation, and reads the act.
    login(page, district.director1)
    page.goto(mentee.participant.get_absolute_url())
    page.get_by_role("link", name="Уничтожить сейчас").click()
    expect(page.get_by_text("Будут безвозвратно уничтожены")).to_be_visible()
    page.get_by_role("button", name="Уничтожить сейчас").click()
    page.wait_for_url(re.compile(r"/registry/personal-data/acts/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Акт об уничтожении персональных данных")
    shot(page, "director1-act")
    act = DestructionAct.objects.get()
    assert act.made_by == district.director1
    person = Participant.objects.get(pk=mentee.participant.pk)
    assert person.anonymised_at is not None and "Скворцов" not in person.full_name
    response = page.request.get(page.get_by_role("link", name="Акт (PDF)").get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split())
    assert f"Участник № {person.pk}" in text and "Скворцов" not in text and "Н. В. Соколова" in text
    page.problems.assert_none()
