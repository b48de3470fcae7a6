"""«Об утверждении программ наставничества» (mentoring/order_kinds/programmes.py): prepared from the register's
menu, it lists the organisation's programmes of the year with the people responsible, who sign to have read it;
names in the case each sentence needs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring import orders as order_service
from mentoring.models import MentoringForm, Order, Programme
from registry.models import AcademicYear
from tests.test_order_kinds import ISSUED, SCHOOL, issue, named, text_of  # noqa: F401 (named: a fixture)
from tests.test_orders import create_url


def add_programme(organisation, form, title="", responsible=()):
    year = AcademicYear.objects.current()
    programme = Programme.objects.create(organisation=organisation, academic_year=year,
                                         form=MentoringForm.objects.get(name=form), title=title,
                                         starts_on=datetime.date(year.start_year, 10, 1),
                                         ends_on=datetime.date(year.start_year + 1, 5, 31))
    programme.responsible.set(responsible)
    return programme


@pytest.mark.usefixtures("named")
def test_programmes_order_lists_the_programmes_of_the_year(district):
    year = AcademicYear.objects.current()
    add_programme(district.school1, "учитель – ученик", "Шаг в профессию", [district.curator1])
    add_programme(district.school1, "ученик – ученик")
    order = issue(district.school1, Order.Kind.PROGRAMMES, number="5")
    text = text_of(order)
    for sentence in (
        SCHOOL, "№ 5", "«Об утверждении программ наставничества»",
        "в целях реализации целевой модели наставничества, по итогам выбора форм наставничества исходя из "
        "запросов потенциальных наставляемых",
        f"Утвердить программы наставничества МБОУ СОШ № 1 на {year} учебный год согласно перечню (приложение № 1).",
        "Ответственным за реализацию программ наставничества, указанным в приложении № 1, обеспечить",
        "Куратору программы наставничества Хохловой Е. В. разместить программы наставничества в разделе "
        "«Наставничество» официального сайта МБОУ СОШ № 1, проинформировать о них педагогов",
        "Контроль за исполнением приказа оставляю за собой.", "Н. В. Соколова",
        f"Перечень программ наставничества на {year} учебный год",
        "Шаг в профессию", "Программа наставничества по форме «ученик – ученик»",
        f"с 01.10.{year.start_year} по 31.05.{year.start_year + 1}",
        "Хохлова Е. В., заместитель директора по УВР",
    ):
        assert sentence in text, sentence
    forms = [row[2] for row in order.content["appendices"][0]["table"]["rows"]]
    assert forms == sorted(forms, key=lambda name: MentoringForm.objects.get(name=name).position) and len(forms) == 2
    assert [person["name"] for person in order.content["acquainted"]] == ["Хохлова Е. В."]
    # The programme without anyone responsible is flagged while the order is a draft.
    draft = order_service.prepare_order(organisation=district.school1, academic_year=year,
                                        kind=Order.Kind.PROGRAMMES, number="6", issued_on=ISSUED)
    warnings = order_service.build_content(draft)["warnings"]
    assert warnings == ["У программы наставничества по форме «ученик – ученик» не указаны ответственные."]


@pytest.mark.usefixtures("named")
def test_a_short_name_of_words_is_declined(district):
    district.school2.short_name = "Лицей № 2"
    district.school2.save()
    add_programme(district.school2, "учитель – ученик")
    text = text_of(issue(district.school2, Order.Kind.PROGRAMMES))
    assert "Утвердить программы наставничества Лицея № 2 на" in text
    assert "официального сайта Лицея № 2," in text


def test_without_programmes_the_draft_warns(district):
    order = order_service.prepare_order(organisation=district.school1, academic_year=AcademicYear.objects.current(),
                                        kind=Order.Kind.PROGRAMMES, number="1", issued_on=ISSUED)
    content = order_service.build_content(order)
    assert any("Программ наставничества на этот учебный год нет" in w for w in content["warnings"])
    assert content["appendices"][0]["table"]["rows"] == []


@pytest.mark.usefixtures("named")
def test_the_content_costs_the_same_queries_for_one_programme_or_three(district):
    add_programme(district.school1, "учитель – ученик", responsible=[district.curator1])
    order = order_service.prepare_order(organisation=district.school1, academic_year=AcademicYear.objects.current(),
                                        kind=Order.Kind.PROGRAMMES, number="1", issued_on=ISSUED)
    with CaptureQueriesContext(connection) as one:
        order_service.build_content(order)
    add_programme(district.school1, "ученик – ученик", responsible=[district.curator1, district.director1])
    add_programme(district.school1, "учитель – учитель", responsible=[district.director1])
    with CaptureQueriesContext(connection) as three:
        content = order_service.build_content(order)
    assert len(content["appendices"][0]["table"]["rows"]) == 3
    assert len(three) == len(one)


def test_the_curator_prepares_it_from_the_register(district, client_for):
    add_programme(district.school1, "учитель – ученик")
    client = client_for(district.curator1)
    register = client.get(reverse("mentoring:order_list")).content.decode()
    assert "kind=programmes" in register and "Об утверждении программ наставничества" in register
    url = create_url("programmes")
    assert set(client.get(url).context["form"].fields) == {"number", "issued_on"}
    response = client.post(url, {"number": "4", "issued_on": ISSUED.isoformat()})
    assert response.status_code == 302
    order = Order.objects.get(kind="programmes")
    page = client.get(order.get_absolute_url()).content.decode()
    # The text keeps «№ 1» together with a non-breaking space, as a browser and the PDF show it.
    assert "Утвердить программы наставничества МБОУ СОШ № 1" in " ".join(page.split())
    # Not the municipality's: its curator has no such kind to prepare.
    municipal_register = client_for(district.municipal).get(reverse("mentoring:order_list")).content.decode()
    assert "kind=programmes" not in municipal_register
