"""A school curator lets matching propose pairs for a programme and confirms one; the director then
signs and prints the order «Об утверждении наставнических пар/групп», whose text names both people."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from mentoring.models import MentoringForm, Order, Pair, Programme
from registry.models import AcademicYear, Consent, Topic
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def consenting_pair_candidates(school):
    today = timezone.localdate()
    topic = Topic.objects.get(name="Олимпиадная подготовка")
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Ласточкина",
                                            participant__first_name="Вера", participant__patronymic="Павловна",
                                            capacity=2)
    mentor.topics.add(topic)
    factories.ConsentFactory(participant=mentor.participant, signed_on=today - datetime.timedelta(days=60))
    mentee = factories.MenteeProfileFactory(
        participant__organisation=school, participant__last_name="Скворцов", participant__first_name="Илья",
        participant__patronymic="Андреевич", participant__class_name="8А",
        participant__birth_date=today.replace(year=today.year - 14) - datetime.timedelta(days=100),
    )
    mentee.topics.add(topic)
    factories.ConsentFactory(participant=mentee.participant, signed_by=Consent.SignedBy.BOTH,
                             signed_on=today - datetime.timedelta(days=30), representative_name="Скворцова Анна",
                             representative_relation="mother", representative_document="свидетельство о рождении")
    return mentor, mentee


def test_curator_proposes_and_confirms_director_signs_the_order(district, page, login, logout, shot):
    today = timezone.localdate()
    school = district.school1
    school.director_name = "Н.В. Соколова"
    school.save()
    Programme.objects.create(
        organisation=school, academic_year=AcademicYear.objects.current(),
        form=MentoringForm.objects.get(name="учитель – ученик"),
        starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=180),
    )
    consenting_pair_candidates(school)
    page.on("dialog", lambda dialog: dialog.accept())  # «Подобрать пары?», «Подписать приказ?»

    # The curator opens the programme and lets matching propose pairs.
    login(page, district.curator1)
    page.get_by_role("link", name="Программы").click()
    page.get_by_role("link", name="«учитель – ученик»").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("учитель – ученик")
    page.get_by_role("button", name="Подобрать пары").click()
    expect(page.get_by_text("Подбор предложил пар: 1")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Предложения подбора")
    expect(page.get_by_label("Наставник для: Скворцов Илья Андреевич")).to_have_value(
        str(Pair.objects.get().mentor_links.get().mentor_id))
    shot(page, "curator1-proposed")

    # The proposal explains itself; the curator confirms it on its own page.
    page.get_by_role("link", name="Скворцов Илья Андреевич").click()
    expect(page.get_by_text("Предложена подбором")).to_be_visible()
    expect(page.get_by_text("Совпадают запросы: Олимпиадная подготовка")).to_be_visible()
    page.get_by_role("button", name="Подтвердить пару").click()
    expect(page.get_by_text("Пара подтверждена и формируется.")).to_be_visible()
    assert Pair.objects.get().status == Pair.Status.FORMING
    shot(page, "curator1-confirmed")

    # The curator prepares the order fixing the pair.
    page.get_by_role("link", name="Приказы").click()
    page.get_by_role("button", name="Подготовить приказ").click()
    page.get_by_role("link", name="«Об утверждении наставнических пар/групп»").click()
    pair_box = page.get_by_label(re.compile("Ласточкина"))
    if not pair_box.is_checked():
        pair_box.check()
    page.get_by_role("button", name="Подготовить проект").click()
    page.wait_for_url(re.compile(r"/mentoring/orders/\d+/$"))
    order_url = page.url
    expect(page.get_by_text("Проект").first).to_be_visible()
    shot(page, "curator1-order-draft")
    logout(page)

    # The director signs and prints it.
    login(page, district.director1)
    page.goto(order_url)
    page.get_by_role("button", name="Подписать").click()
    expect(page.get_by_text("Подписан").first).to_be_visible()
    shot(page, "director1-signed")
    order = Order.objects.get()
    assert order.is_signed and order.signed_by == district.director1
    assert Pair.objects.get().status == Pair.Status.ACTIVE

    pdf_link = page.get_by_role("link", name=re.compile("PDF"))
    response = page.request.get(pdf_link.first.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = " ".join(text.split())
    for expected in ("Об утверждении наставнических пар/групп", "Ласточкина Вера Павловна", "Скворцов Илья Андреевич",
                     f"№ {order.number}", "Н. В. Соколова"):  # «И. О. Фамилия» under the signature
        assert expected in text, expected
    page.problems.assert_none()
