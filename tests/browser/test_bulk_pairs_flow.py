"""A school curator confirms 40 pairs proposed by matching in at most five actions: open the programme,
«Подобрать пары», «Выбрать все», «Подтвердить выбранные», then the confirmation page's button."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.models import MentoringForm, Pair, Programme
from registry.models import AcademicYear, Consent
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAIRS = 40
MAX_ACTIONS = 5


def matchable_people(school, count):
    today = timezone.localdate()
    for n in range(count):
        mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name=f"Учитель{n:02d}",
                                                capacity=1)
        factories.ConsentFactory(participant=mentor.participant, signed_on=today - datetime.timedelta(days=60))
        mentee = factories.MenteeProfileFactory(
            participant__organisation=school, participant__last_name=f"Ученик{n:02d}", participant__class_name="7Б",
            participant__birth_date=today.replace(year=today.year - 13) - datetime.timedelta(days=50),
        )
        factories.ConsentFactory(participant=mentee.participant, signed_by=Consent.SignedBy.REPRESENTATIVE,
                                 signed_on=today - datetime.timedelta(days=30), representative_name="Родитель",
                                 representative_relation="mother", representative_document="свидетельство о рождении")


def test_forty_pairs_are_confirmed_in_five_actions(district, page, login, shot):
    today = timezone.localdate()
    school = district.school1
    programme = Programme.objects.create(
        organisation=school, academic_year=AcademicYear.objects.current(),
        form=MentoringForm.objects.get(name="учитель – ученик"),
        starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=180),
    )
    matchable_people(school, PAIRS)
    login(page, district.curator1)

    actions = []

    def act(name, do):
        actions.append(name)
        do()

    # A question the browser asks («Вы уверены?») would be one more action: count it too.
    page.on("dialog", lambda dialog: (actions.append(f"dialog: {dialog.message}"), dialog.accept()))

    act("open the programme", lambda: page.goto(programme.get_absolute_url()))
    act("propose pairs", lambda: page.get_by_role("button", name="Подобрать пары").click())
    expect(page.get_by_text(f"Подбор предложил пар: {PAIRS}")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Предложения подбора")
    expect(page.locator("input[name=proposal]")).to_have_count(PAIRS)
    shot(page, "proposals")

    act("select all", lambda: page.get_by_label("Выбрать все").check())
    expect(page.locator("input[name=proposal]:checked")).to_have_count(PAIRS)
    act("confirm the selection", lambda: page.get_by_role("button", name="Подтвердить выбранные").click())
    expect(page.get_by_text(f"Будет подтверждено пар: {PAIRS}.")).to_be_visible()
    shot(page, "confirmation")
    assert Pair.objects.filter(status=Pair.Status.PROPOSED).count() == PAIRS  # nothing written yet

    act("confirm", lambda: page.get_by_role("button", name=f"Подтвердить пары: {PAIRS}").click())
    expect(page.get_by_text(f"Подтверждено пар: {PAIRS}.")).to_be_visible()
    expect(page.get_by_text("Неподтверждённых предложений нет.")).to_be_visible()
    shot(page, "confirmed")

    assert len(actions) <= MAX_ACTIONS, actions
    pairs = Pair.objects.filter(programme=programme, status=Pair.Status.FORMING)
    assert pairs.count() == PAIRS
    assert not Pair.objects.exclude(status=Pair.Status.FORMING).exists()
    mentees = set(pairs.values_list("memberships__mentee", flat=True))
    mentors = set(pairs.values_list("mentor_links__mentor", flat=True))
    assert len(mentees) == len(mentors) == PAIRS
    page.problems.assert_none()


def test_a_row_gets_another_mentor_from_its_select_and_is_confirmed_with_it(district, page, login):
    today = timezone.localdate()
    school = district.school1
    programme = Programme.objects.create(
        organisation=school, academic_year=AcademicYear.objects.current(),
        form=MentoringForm.objects.get(name="учитель – ученик"),
        starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=180),
    )
    matchable_people(school, 2)
    login(page, district.curator1)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(programme.get_absolute_url())
    page.get_by_role("button", name="Подобрать пары").click()
    # A mentor who joins after the proposal is offered in every row's select.
    spare = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Запасная",
                                           participant__first_name="Ольга", participant__patronymic="Ивановна")
    factories.ConsentFactory(participant=spare.participant, signed_on=today - datetime.timedelta(days=60))
    page.reload()
    first = Pair.objects.filter(programme=programme, status=Pair.Status.PROPOSED).order_by("pk").first()
    mentee = first.memberships.get().mentee.participant.full_name
    page.get_by_label(f"Наставник для: {mentee}").select_option(str(spare.pk))
    page.get_by_label(f"Выбрать: {mentee}").check()
    page.get_by_role("button", name="Подтвердить выбранные").click()
    expect(page.get_by_text("заменён")).to_be_visible()
    page.get_by_role("button", name="Подтвердить пары: 1").click()
    expect(page.get_by_text("Подтверждено пар: 1.")).to_be_visible()
    first.refresh_from_db()
    assert first.status == Pair.Status.FORMING
    assert first.mentor_links.get(ended_on__isnull=True).mentor == spare
    page.problems.assert_none()
