"""«Настройки района» (registry.views.municipalities, registry.municipalities): the municipal curator changes
the education authority, its head and the monitoring due dates; the next municipal order prints them, a
signed one keeps what it was signed with. A day its month has not is refused in Russian with nothing
changed; another district is 404, a school's staff and the region read but may not change (403)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentoring import orders as order_service
from mentoring.models import Order
from registry import municipalities as service
from registry.models import AcademicYear, Municipality
from tests.test_orders import pdf_text

ISSUED = datetime.date(2026, 9, 1)
OLD_HEAD = "Т. А. Ковалёва"
NEW = {
    "education_authority": "Отдел образования администрации Селивановского района",
    "head_position": "Начальник отдела образования",
    "head_name": "С. П. Орлов",
    "first_half_due_month": "12", "first_half_due_day": "20",
    "second_half_due_month": "5", "second_half_due_day": "20",
}


@pytest.fixture
def municipality(district):
    municipality = district.municipality
    municipality.education_authority = "Управление образования администрации Селивановского района"
    municipality.head_name = OLD_HEAD
    municipality.save()
    return municipality


def settings_url(municipality):
    return reverse("registry:municipality_settings", args=[municipality.pk])


def edit_url(municipality):
    return reverse("registry:municipality_settings_edit", args=[municipality.pk])


def stored(municipality) -> dict:
    return Municipality.objects.filter(pk=municipality.pk).values(*service.SETTINGS_FIELDS).get()


def issue(municipality, number):
    """Signed as the register does, with the municipality as stored now (the test's copy is stale)."""
    order = order_service.prepare_order(organisation=Municipality.objects.get(pk=municipality.pk), academic_year=AcademicYear.objects.current(),
                                        kind=Order.Kind.MUNICIPAL_CURATOR, number=number, issued_on=ISSUED)
    return order_service.sign_order(order, by=None)


def text_of(order) -> str:
    return pdf_text(order_service.order_pdf_bytes(order))


def test_the_municipal_curator_edits_and_the_next_order_prints_the_new_head(district, municipality, client_for):
    signed_before = issue(municipality, "1")
    client = client_for(district.municipal)
    page = client.get(settings_url(municipality)).content.decode()
    assert OLD_HEAD in page and edit_url(municipality) in page and "10 декабря" in page
    form = client.get(edit_url(municipality)).content.decode()
    assert "Срок за первое полугодие: месяц" in form and "декабрь" in form
    response = client.post(edit_url(municipality), NEW)
    assert response.status_code == 302 and response["Location"] == settings_url(municipality)
    assert stored(municipality) == {**NEW, "first_half_due_month": 12, "first_half_due_day": 20,
                                    "second_half_due_month": 5, "second_half_due_day": 20}
    assert "Настройки района сохранены." in client.get(settings_url(municipality)).content.decode()

    text = text_of(issue(municipality, "2"))
    for sentence in ("Отдел образования администрации Селивановского района",
                     "Начальник отдела образования ____________________ С. П. Орлов",
                     "не позднее 20 декабря и 20 мая ежегодно"):
        assert sentence in text, sentence
    assert OLD_HEAD not in text
    # The order signed before the change keeps the head who signed it.
    old = text_of(signed_before)
    assert f"Начальник управления образования ____________________ {OLD_HEAD}" in old and "Орлов" not in old


@pytest.mark.parametrize(("month", "day", "message"), [
    ("6", "31", "Такой даты нет: 31 июня — в этом месяце 30 дней."),
    ("2", "30", "Такой даты нет: 30 февраля — в этом месяце 29 дней."),
    ("11", "31", "Такой даты нет: 31 ноября — в этом месяце 30 дней."),
])
def test_a_day_the_month_has_not_is_refused_and_nothing_changes(district, municipality, client_for, month, day,
                                                                  message):
    before = stored(municipality)
    response = client_for(district.municipal).post(
        edit_url(municipality), {**NEW, "second_half_due_month": month, "second_half_due_day": day})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(municipality) == before
    with pytest.raises(ValidationError) as refused:
        service.update_settings(municipality, head_name="С. П. Орлов", first_half_due_month=int(month),
                                first_half_due_day=int(day))
    assert refused.value.message_dict == {"first_half_due_day": [message]}
    assert stored(municipality) == before


def test_29_february_is_a_date(district, municipality):
    assert service.update_settings(municipality, second_half_due_month=2, second_half_due_day=29) == [
        "second_half_due_month", "second_half_due_day"]
    assert service.update_settings(municipality, second_half_due_month=2, second_half_due_day=29) == []
    assert stored(municipality)["second_half_due_day"] == 29


def test_another_districts_curator_and_a_stranger_get_404(municipality, roles):
    """The municipality's own pages: its schools read the settings, only its municipal curator edits them."""
    before = stored(municipality)
    roles.expect(settings_url(municipality), neighbour=200)
    roles.expect(edit_url(municipality), owner=403, neighbour=403)
    roles.expect(edit_url(municipality), method="post", data=NEW, owner=403, neighbour=403, municipal=None)
    assert stored(municipality) == before


def test_a_schools_staff_and_the_region_read_but_may_not_change(district, municipality, client_for):
    before = stored(municipality)
    for user in (district.curator1, district.director1, district.observer):
        client = client_for(user)
        page = client.get(settings_url(municipality))
        assert page.status_code == 200 and OLD_HEAD in page.content.decode(), user.username
        assert edit_url(municipality) not in page.content.decode(), user.username
        assert client.get(edit_url(municipality)).status_code == 403, user.username
        assert client.post(edit_url(municipality), NEW).status_code == 403, user.username
    assert stored(municipality) == before


HUGE = "9" * 20


@pytest.mark.parametrize("hostile", [
    {"first_half_due_month": "abc"}, {"first_half_due_month": "13"}, {"first_half_due_month": "0"},
    {"first_half_due_day": HUGE}, {"first_half_due_day": "-1"}, {"first_half_due_day": "1.5"},
    {"second_half_due_day": "\u0000"}, {"head_name": "\u0000"}, {"head_name": "Я" * 1000},
    {"education_authority": "<script>alert(1)</script>" * 40}, {"first_half_due_month": ["6", "abc"]},
    {"head_position": ""},
])
def test_hostile_input_is_refused_never_a_500(district, municipality, client_for, hostile):
    before = stored(municipality)
    client = client_for(district.municipal)
    client.raise_request_exception = False
    response = client.post(edit_url(municipality), {**NEW, **hostile})
    assert response.status_code == 200, response.status_code  # the form again, with its errors
    assert "is-invalid" in response.content.decode()
    assert stored(municipality) == before


def test_the_district_pages_and_the_municipal_order_form_lead_here(district, municipality, client_for):
    client = client_for(district.municipal)
    url = settings_url(municipality)
    assert url in client.get(reverse("monitoring:dashboard")).content.decode()
    assert url in client.get(reverse("monitoring:district_growth")).content.decode()
    order_form = client.get(reverse("mentoring:order_create") + "?kind=municipal_curator").content.decode()
    assert url in order_form and f"Приказ подписывает: Начальник управления образования {OLD_HEAD}." in order_form
    draft = order_service.prepare_order(organisation=municipality, academic_year=AcademicYear.objects.current(),
                                        kind=Order.Kind.MUNICIPAL_CURATOR, number="5", issued_on=ISSUED)
    assert url in client.get(draft.get_absolute_url()).content.decode()
    # A school's curator reads the district's order but keeps no settings: no link there.
    assert url not in client_for(district.curator1).get(draft.get_absolute_url()).content.decode()
