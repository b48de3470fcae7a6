"""The orders added to the register (mentoring.order_kinds): the curator's appointment, the roadmap's approval,
the final event, and the municipal orders of seed 000; approving a roadmap issues its order (registry.approvals).

Golden texts for two organisations (a school and a college: names and positions in the case each sentence
needs), the roadmap's «УТВЕРЖДЕНО» printed from the order in the register, and the municipal register's
scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentoring import orders as order_service
from mentoring.models import Order
from registry.models import AcademicYear, RoleAssignment
from roadmaps import services as roadmap_services
from roadmaps.models import Level
from tests import factories
from tests.test_orders import create_url, pdf_text
from tests.test_roadmap_pages import pdf_text as roadmap_pdf_text

ISSUED = datetime.date(2026, 9, 1)

SCHOOL = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»"
COLLEGE = ("Государственное бюджетное профессиональное образовательное учреждение Владимирской области "
           "«Селивановский строительный техникум»")


@pytest.fixture
def named(district):
    """The school and the college with full names, heads, curators with positions (seed 002's Хохлова)."""
    district.school1.full_name, district.school1.director_name = SCHOOL, "Н.В. Соколова"
    district.school1.save()
    district.college.full_name, district.college.director_name = COLLEGE, "О.Н. Беляков"
    district.college.director_position = "Директор"
    district.college.save()
    curator = RoleAssignment.objects.get(user=district.curator1)
    curator.position = "заместитель директора по УВР"
    curator.save()
    district.curator1.last_name, district.curator1.first_name, district.curator1.patronymic = (
        "Хохлова", "Елена", "Викторовна")
    district.curator1.save()
    college_curator = RoleAssignment.objects.create(
        user=type(district.curator1).objects.create(username="college_curator", last_name="Ильин",
                                                    first_name="Никита", patronymic="Кузьмич"),
        role="school_curator", organisation=district.college, position="методист")
    municipal = RoleAssignment.objects.get(user=district.municipal)
    municipal.position = "главный специалист управления образования"
    municipal.save()
    district.municipal.last_name, district.municipal.first_name, district.municipal.patronymic = (
        "Кузнецова", "Ирина", "Николаевна")
    district.municipal.save()
    district.municipality.education_authority = "Управление образования администрации Селивановского района"
    district.municipality.head_name = "Т. А. Ковалёва"
    district.municipality.save()
    return college_curator


def year():
    return AcademicYear.objects.current()


def issue(owner, kind, number="7", **fields):
    order = order_service.prepare_order(organisation=owner, academic_year=year(), kind=kind, number=number,
                                        issued_on=ISSUED, **fields)
    return order_service.sign_order(order, by=None)


def text_of(order) -> str:
    return pdf_text(order_service.order_pdf_bytes(order))


# --- «О назначении куратора» ------------------------------------------------------------------------


def test_curator_order_names_the_curator_in_each_case(district, named):
    text = text_of(issue(district.school1, Order.Kind.CURATOR))
    for sentence in (
        SCHOOL, "ПРИКАЗ", "1 сентября 2026 г.", "№ 7", "«О назначении куратора внедрения целевой модели наставничества»",
        "Заместителя директора по УВР Хохлову Е. В. назначить куратором внедрения целевой модели наставничества "
        "в МБОУ СОШ № 1.",
        "мониторинг внедрения целевой модели наставничества на Хохлову Е. В.",
        "Куратору Хохловой Е. В. обеспечить создание условий",
        "1 раз в полугодие, не позднее 10 декабря и 10 июня ежегодно",
        "не позднее 30 декабря", "Контроль за исполнением приказа оставляю за собой.",
        "Директор ____________________ Н. В. Соколова", "С приказом ознакомлены:",
    ):
        assert sentence in text, sentence
    assert "Хохлова Е. В." in text.split("С приказом ознакомлены:")[1]

    text = text_of(issue(district.college, Order.Kind.CURATOR))
    for sentence in (
        COLLEGE,
        "Методиста Ильина Н. К. назначить куратором внедрения целевой модели наставничества в ГБПОУ НСТ.",
        "на Ильина Н. К.", "Куратору Ильину Н. К. обеспечить", "О. Н. Беляков",
    ):
        assert sentence in text, sentence


def test_curator_order_without_a_curator_warns_and_leaves_a_line(district):
    RoleAssignment.objects.filter(user=district.curator1).update(is_active=False)
    order = order_service.prepare_order(organisation=district.school1, academic_year=year(),
                                        kind=Order.Kind.CURATOR, number="8", issued_on=ISSUED)
    content = order_service.build_content(order)
    assert any("нет действующего куратора" in warning for warning in content["warnings"])
    assert "________" in content["points"][0]["text"]


# --- «О проведении итогового мероприятия» -------------------------------------------------------------


def test_final_event_order_from_the_form(district, named, client_for):
    from registry.models import Partner

    Partner.objects.create(organisation=district.school1, name="ООО «Техностарт»")
    client = client_for(district.curator1)
    url = create_url("final_event", year=year().start_year)
    page = client.get(url).content.decode()
    assert "Дата мероприятия" in page and 'value="Mentory fest"' in page
    response = client.post(url, {"number": "12", "issued_on": "2026-09-01", "event_on": "2027-05-20",
                                 "event_name": "Mentory fest", "event_place": "актовый зал"})
    assert response.status_code == 302
    order = Order.objects.get(kind=Order.Kind.FINAL_EVENT)
    assert order.details == {"held_on": "2027-05-20", "name": "Mentory fest", "place": "актовый зал"}
    text = text_of(order)
    for sentence in (
        "«О проведении итогового мероприятия»",
        "Провести 20 мая 2027 г. итоговое мероприятие программы наставничества «Mentory fest» (место проведения: "
        "актовый зал) для представления результатов наставничества",
        "Куратору программы наставничества Хохловой Е. В. подготовить регламент мероприятия и пригласить на него "
        "всех участников программы наставничества, представителей организаций-партнёров (ООО «Техностарт»)",
        "на официальном сайте МБОУ СОШ № 1", "в базу наставников и базу наставляемых",
        "Н. В. Соколова", "ПРОЕКТ",
    ):
        assert sentence in text, sentence
    # The curator changes the date of the draft; the form shows what was typed.
    edit = reverse("mentoring:order_edit", args=[order.pk])
    assert 'value="актовый зал"' in client.get(edit).content.decode()
    client.post(edit, {"number": "12", "issued_on": "2026-09-01", "event_on": "2027-05-27", "event_name": "",
                       "event_place": ""})
    order.refresh_from_db()
    assert order.details["held_on"] == "2027-05-27"
    text = text_of(issue(district.college, Order.Kind.FINAL_EVENT,
                         details={"held_on": "2027-06-01", "name": "", "place": ""}))
    assert "Провести 1 июня 2027 г. итоговое мероприятие программы наставничества для представления" in text
    assert "Куратору программы наставничества Ильину Н. К." in text and COLLEGE in text


# --- «Об утверждении дорожной карты»: the approval issues it -------------------------------------------


def test_approving_a_roadmap_puts_its_order_into_the_register_and_the_pdf_cites_it(district, named, client_for):
    roadmap = roadmap_services.create_from_template(template=factories.roadmap_template(), academic_year=year(),
                                                    organisation=district.school1, by=district.curator1)
    issue(district.school1, Order.Kind.CURATOR, number="1")
    client = client_for(district.director1)
    url = reverse("roadmaps:roadmap_approve", args=[roadmap.pk])
    assert 'value="2"' in client.get(url).content.decode()  # the register's next number
    on = min(datetime.date.today(), ISSUED.replace(day=2))
    assert client.post(url, {"order_number": "2", "order_date": on.isoformat()}).status_code == 302
    roadmap.refresh_from_db()
    order = Order.objects.get(kind=Order.Kind.ROADMAP)
    assert order.is_signed and order.signed_by == district.director1 and order.prepared_by == district.curator1
    assert (order.organisation, order.number, order.issued_on) == (district.school1, "2", on)
    assert (roadmap.approval_order_id, roadmap.order_number, roadmap.order_date) == (order.pk, "2", on)
    assert roadmap.approved_by_name == "Директор Н. В. Соколова"

    roadmap_pdf = roadmap_pdf_text(client.get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])).content)
    assert f"УТВЕРЖДЕНО приказом от {on:%d.%m.%Y} № 2 Директор Н. В. Соколова" in roadmap_pdf
    text = text_of(order)
    for sentence in (
        SCHOOL, "«Об утверждении дорожной карты»", "№ 2",
        f"Утвердить «дорожную карту» внедрения целевой модели наставничества в МБОУ СОШ № 1 на {year()} учебный год "
        "(приложение № 1).",
        "Куратору программы наставничества Хохловой Е. В. обеспечить организационное и методическое сопровождение",
        "Н. В. Соколова",
    ):
        assert sentence in text, sentence
    assert "ПРОЕКТ" not in text


def test_a_taken_number_leaves_the_roadmap_a_draft_and_the_register_as_it_was(district, named):
    roadmap = roadmap_services.create_from_template(template=factories.roadmap_template(), academic_year=year(),
                                                    organisation=district.college, by=district.curator1)
    issue(district.college, Order.Kind.CURATOR, number="5")
    with pytest.raises(ValidationError) as refused:
        roadmap_services.approve(roadmap, order_number="5", order_date=ISSUED, by=district.director1)
    assert "уже есть" in " ".join(refused.value.messages)
    roadmap.refresh_from_db()
    assert not roadmap.is_approved and not roadmap.order_number
    assert not Order.objects.filter(kind=Order.Kind.ROADMAP).exists()
    roadmap_services.approve(roadmap, order_number="6", order_date=ISSUED, by=district.director1)
    order = Order.objects.get(kind=Order.Kind.ROADMAP)
    text = text_of(order)
    assert COLLEGE in text and "в ГБПОУ НСТ на" in text and "О. Н. Беляков" in text
    with pytest.raises(ValidationError):
        roadmap_services.approve(roadmap, order_number="9", order_date=ISSUED, by=district.director1)
    assert Order.objects.filter(kind=Order.Kind.ROADMAP).count() == 1


# --- the municipal orders of seed 000 --------------------------------------------------------------------


def test_district_roadmap_approval_is_a_municipal_order_signed_by_the_head(district, named, client_for):
    template = factories.roadmap_template("test-district", level=Level.MUNICIPALITY, items=4, stage_count=2)
    roadmap = roadmap_services.create_from_template(template=template, academic_year=year(),
                                                    municipality=district.municipality, by=district.municipal)
    issue(district.school1, Order.Kind.CURATOR, number="1")  # the school's register is another one
    client = client_for(district.municipal)
    url = reverse("roadmaps:roadmap_approve", args=[roadmap.pk])
    assert 'value="1"' in client.get(url).content.decode()
    assert client.post(url, {"order_number": "1", "order_date": ISSUED.isoformat()}).status_code == 302
    order = Order.objects.get(municipality=district.municipality)
    assert order.kind == Order.Kind.ROADMAP and order.organisation is None and order.is_signed
    roadmap.refresh_from_db()
    assert roadmap.approval_order_id == order.pk
    assert roadmap.approved_by_name == "Начальник управления образования Т. А. Ковалёва"
    text = text_of(order)
    for sentence in (
        "Управление образования администрации Селивановского района", "«Об утверждении дорожной карты»",
        "в целях организации внедрения целевой модели наставничества в образовательных организациях "
        "Селивановского района",
        f"Утвердить план мероприятий («дорожную карту») реализации целевой модели наставничества в Селивановском "
        f"районе на {year()} учебный год (приложение № 1).",
        "Муниципальному куратору Кузнецовой И. Н. обеспечить координацию",
        "не позднее 10 декабря и 10 июня ежегодно",
        "Руководителям образовательных организаций Селивановского района обеспечить выполнение",
        "Начальник управления образования ____________________ Т. А. Ковалёва",
    ):
        assert sentence in text, sentence
    pdf = roadmap_pdf_text(client.get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])).content)
    assert f"приказом от {ISSUED:%d.%m.%Y} № 1" in pdf


def test_municipal_curator_order_prepared_and_entered_as_signed(district, named, client_for):
    client = client_for(district.municipal)
    register = client.get(reverse("mentoring:order_list")).content.decode()
    assert "kind=municipal_curator" in register and "kind=pairs" not in register
    url = create_url("municipal_curator", year=year().start_year)
    assert client.get(url).status_code == 200
    assert client.post(url, {"number": "1", "issued_on": "2026-09-01"}).status_code == 302
    order = Order.objects.get(kind=Order.Kind.MUNICIPAL_CURATOR)
    assert order.municipality == district.municipality and order.prepared_by == district.municipal
    detail = client.get(order.get_absolute_url()).content.decode()
    assert "Внести подписанным руководителем" in detail
    assert client.post(reverse("mentoring:order_sign", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.is_signed
    text = text_of(order)
    for sentence in (
        "Управление образования администрации Селивановского района",
        "«О назначении муниципального куратора внедрения целевой модели наставничества»",
        "Назначить главного специалиста управления образования Кузнецову И. Н. муниципальным куратором, "
        "ответственным за внедрение целевой модели наставничества (далее – ЦМН) в образовательных организациях "
        "Селивановского района.",
        "Муниципальному куратору Кузнецовой И. Н.:", "ежеквартально осуществлять персонализированный учёт",
        "Руководителям образовательных организаций Селивановского района назначить школьных кураторов",
        "Т. А. Ковалёва", "С приказом ознакомлены:",
    ):
        assert sentence in text, sentence
    # The head signed on paper; the curator entered it: the footer does not call her the signatory.
    assert "Подписан в системе" not in text
    assert f"Внесён в систему «Наставник» подписанным руководителем: {district.municipal.display_name}" in text
    # A school's curator does not keep the municipality's register; the school's kinds are not the municipality's.
    assert client_for(district.curator1).get(url).status_code == 404
    assert client.get(create_url("curator", year=year().start_year)).status_code == 404
    assert client.get(create_url("roadmap", year=year().start_year)).status_code == 404


def test_municipal_orders_outside_the_scope_are_404(district, named, client_for, roles):
    order = issue(district.municipality, Order.Kind.MUNICIPAL_CURATOR, number="1")
    # Seen inside the district (read-only for a school), not in another municipality's register.
    roles.expect([reverse("mentoring:order_detail", args=[order.pk]), reverse("mentoring:order_pdf", args=[order.pk])],
                 neighbour=200)
    roles.expect(reverse("mentoring:order_edit", args=[order.pk]), owner=403, neighbour=403, municipal=None)
    roles.expect(reverse("mentoring:order_sign", args=[order.pk]), method="post", owner=None, neighbour=None,
                 municipal=None)
    listed = client_for(district.foreign_municipal).get(reverse("mentoring:order_list")).content.decode()
    assert order.get_absolute_url() not in listed
    assert order.get_absolute_url() in client_for(district.municipal).get(reverse("mentoring:order_list")).content.decode()


def test_a_calendar_plan_is_approved_for_its_calendar_year(district, named):
    """Seed 000's district plan runs «на 2022 год»: its order says the year, not the school year."""
    from roadmaps.models import Period

    template = factories.roadmap_template("test-district-calendar", level=Level.MUNICIPALITY, items=4, stage_count=2)
    roadmap = roadmap_services.create_from_template(template=template, academic_year=year(),
                                                    municipality=district.municipality, by=district.municipal)
    roadmap.period = Period.CALENDAR
    roadmap.save(update_fields=["period"])
    roadmap_services.approve(roadmap, order_number="3", order_date=ISSUED, by=district.municipal)
    text = text_of(Order.objects.get(municipality=district.municipality, kind=Order.Kind.ROADMAP))
    assert f"районе на {roadmap.plan_year} год (приложение № 1)." in text
    assert "учебный год (приложение" not in text
