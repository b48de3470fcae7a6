"""The orders register: preparing, numbering, signing and printing orders, each kind's text, scope."""

import datetime
import io
import pathlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentoring import orders as order_service
from mentoring import services
from mentoring.models import MentoringForm, Order, Pair, PlanItem, Programme
from registry.models import AcademicYear, Consent, RoleAssignment
from registry.scoping import Role
from tests import factories

TODAY = timezone.localdate()


# --- helpers --------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """Text of every page, end-of-line hyphenation undone, spaces collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", text)
    return " ".join(text.split())


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def teacher(org, last_name="Кузнецова", first_name="Мария", patronymic="Сергеевна", **extra):
    profile = factories.MentorProfileFactory(
        participant__organisation=org, participant__last_name=last_name, participant__first_name=first_name,
        participant__patronymic=patronymic, **extra,
    )
    factories.ConsentFactory(participant=profile.participant, signed_on=TODAY - datetime.timedelta(days=90))
    return profile


def student(org, last_name="Смирнов", first_name="Алексей", patronymic="Игоревич", age=15, class_name="9Б",
            representative="Смирнова Ольга Петровна", request="Подготовка к олимпиаде по физике"):
    birth = TODAY.replace(year=TODAY.year - age) - datetime.timedelta(days=40)
    profile = factories.MenteeProfileFactory(
        participant__organisation=org, participant__last_name=last_name, participant__first_name=first_name,
        participant__patronymic=patronymic, participant__birth_date=birth, participant__class_name=class_name,
        request=request,
    )
    factories.ConsentFactory(
        participant=profile.participant, signed_by=Consent.SignedBy.BOTH, signed_on=TODAY - datetime.timedelta(days=90),
        representative_name=representative, representative_relation=Consent.Relation.MOTHER,
        representative_document="свидетельство о рождении",
    )
    return profile


def create_url(kind, **query):
    url = reverse("mentoring:order_create") + f"?kind={kind}"
    return url + "".join(f"&{key}={value}" for key, value in query.items())


@pytest.fixture
def school(district):
    school = district.school1
    school.full_name = "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»"
    school.director_name = "Г.А. Шабаева"
    school.director_position = "Директор"
    school.save()
    return school


@pytest.fixture
def pair(school, district):
    """A forming pair: teacher Кузнецова М.С. with student Смирнов А.И. (15 years old)."""
    return services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school), mentees=[student(school)],
                              started_on=TODAY, by=district.curator1)


# --- numbering and preparing ----------------------------------------------------------------------


def test_number_suggestion_takes_the_numeric_prefix(school):
    year = AcademicYear.objects.current()
    assert order_service.suggest_number(school, year) == "1"
    factories.OrderFactory(organisation=school, number="30-9 о/д")
    factories.OrderFactory(organisation=school, number="7")
    factories.OrderFactory(organisation=school, number="б/н")
    assert order_service.suggest_number(school, year) == "31"


def test_russian_date_uses_the_genitive_month():
    assert order_service.russian_date(datetime.date(2020, 8, 24)) == "24 августа 2020 г."
    assert order_service.russian_date(datetime.date(2024, 3, 1)) == "1 марта 2024 г."


def test_curator_prepares_a_pairs_order_with_suggestions(school, district, client_for, pair):
    factories.OrderFactory(organisation=school, kind=Order.Kind.ORGANISATION, number="30-9 о/д")
    client = client_for(district.curator1)

    page = client.get(create_url("pairs"))

    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["number"] == "31"
    assert form.initial["issued_on"] == TODAY
    assert form.initial["pairs"] == [pair.pk]  # forming pairs are ticked in advance
    assert list(form.fields["pairs"].queryset) == [pair]

    response = client.post(create_url("pairs"), {"number": "31", "issued_on": TODAY.isoformat(),
                                                 "pairs": [pair.pk]})
    order = Order.objects.get(number="31")
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.kind == Order.Kind.PAIRS and order.status == Order.Status.DRAFT
    assert order.prepared_by == district.curator1
    assert list(order.pairs.all()) == [pair]


def test_pair_choices_are_the_open_pairs_of_the_year_optionally_of_one_programme(school, district, client_for,
                                                                                  pair):
    other_programme = factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель")
    other = services.form_pair(programme=other_programme, mentor=teacher(school, last_name="Белова"),
                               mentees=[factories.MenteeProfileFactory(
                                   participant=factories.ConsentFactory(
                                       participant=factories.TeacherFactory(organisation=school)).participant)],
                               started_on=TODAY)
    closed = services.form_pair(programme=pair.programme, mentor=teacher(school, last_name="Орлова"),
                                mentees=[student(school, last_name="Зайцев")], started_on=TODAY)
    services.close_pair(closed, status=Pair.Status.ENDED_EARLY, on=TODAY, reason="переезд")
    last_year = AcademicYear.objects.create(start_year=AcademicYear.objects.current().start_year - 1)
    old_programme = Programme.objects.create(
        organisation=school, academic_year=last_year, form=MentoringForm.objects.get(name="ученик – ученик"),
        starts_on=last_year.starts_on, ends_on=last_year.ends_on,
    )
    Pair.objects.create(programme=old_programme, status=Pair.Status.ACTIVE)
    client = client_for(district.curator1)

    everything = client.get(create_url("mentors")).context["form"].fields["pairs"].queryset
    narrowed = client.get(create_url("mentors", programme=other_programme.pk)).context["form"].fields["pairs"].queryset

    assert set(everything) == {pair, other}
    assert list(narrowed) == [other]
    response = client.post(create_url("mentors"), {"number": "5", "issued_on": TODAY.isoformat(),
                                                   "programme": other_programme.pk, "pairs": [pair.pk]})
    assert response.status_code == 200
    assert "не относятся к программе" in str(response.context["form"].errors)
    assert not Order.objects.exists()


def test_duplicate_number_in_the_same_year_is_refused_in_russian(school, district, client_for, pair):
    factories.OrderFactory(organisation=school, number="12")
    factories.OrderFactory(organisation=district.school2, number="13")  # another organisation's number is not taken
    client = client_for(district.curator1)

    response = client.post(create_url("pairs"), {"number": " 12 ", "issued_on": TODAY.isoformat(),
                                                 "pairs": [pair.pk]})

    assert response.status_code == 200
    errors = response.context["form"].errors["number"]
    assert errors == [f"Приказ № 12 уже есть в {AcademicYear.objects.current()} учебном году. Свободный номер: 13."]
    assert Order.objects.filter(organisation=school).count() == 1
    assert client.post(create_url("pairs"), {"number": "13", "issued_on": TODAY.isoformat(),
                                             "pairs": [pair.pk]}).status_code == 302


def test_duplicate_number_is_refused_by_the_service_too(school):
    year = AcademicYear.objects.current()
    factories.OrderFactory(organisation=school, number="4")
    with pytest.raises(order_service.OrderError) as error:
        order_service.prepare_order(organisation=school, academic_year=year, kind=Order.Kind.ORGANISATION,
                                    number="4", issued_on=TODAY)
    assert "уже есть" in " ".join(error.value.messages)


def test_rewards_order_chooses_participants_and_wording(school, district, client_for, pair):
    mentor = pair.mentor_links.get().mentor.participant
    client = client_for(district.curator1)
    page = client.get(create_url("rewards"))
    assert page.context["form"].initial["reward_text"] == "объявить благодарность"
    assert mentor in page.context["form"].fields["rewarded"].queryset

    client.post(create_url("rewards"), {"number": "8", "issued_on": TODAY.isoformat(), "rewarded": [mentor.pk],
                                        "reward_text": "наградить почётной грамотой"})

    order = Order.objects.get(number="8")
    assert order.reward_text == "наградить почётной грамотой"
    assert list(order.rewarded.all()) == [mentor]


def test_organisation_order_has_nothing_to_choose(school, district, client_for):
    client = client_for(district.curator1)
    form = client.get(create_url("organisation")).context["form"]
    assert set(form.fields) == {"number", "issued_on"}
    response = client.post(create_url("organisation"), {"number": "1", "issued_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert Order.objects.get().kind == Order.Kind.ORGANISATION


def test_unknown_kind_is_404(district, client_for):
    assert client_for(district.curator1).get(create_url("nonsense")).status_code == 404


# --- editing --------------------------------------------------------------------------------------


def test_curator_edits_a_draft(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, number="3", pairs=[pair])
    factories.OrderFactory(organisation=school, number="9")
    client = client_for(district.curator1)
    url = reverse("mentoring:order_edit", args=[order.pk])

    assert client.get(url).context["form"].initial["pairs"] == [pair.pk]
    clash = client.post(url, {"number": "9", "issued_on": TODAY.isoformat(), "pairs": [pair.pk]})
    assert "уже есть" in str(clash.context["form"].errors["number"])
    same = client.post(url, {"number": "3", "issued_on": "2024-09-02", "pairs": [pair.pk]})

    assert same.status_code == 302
    order.refresh_from_db()
    assert order.issued_on == datetime.date(2024, 9, 2)


def test_signed_order_cannot_be_edited(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    order_service.sign_order(order, by=district.director1)
    client = client_for(district.curator1)
    url = reverse("mentoring:order_edit", args=[order.pk])

    page = client.get(url, follow=True)
    post = client.post(url, {"number": "77", "issued_on": TODAY.isoformat(), "pairs": [pair.pk]}, follow=True)

    assert page.redirect_chain[-1][0] == order.get_absolute_url()
    assert "изменить его нельзя" in " ".join(str(m) for m in page.context["messages"])
    assert post.redirect_chain[-1][0] == order.get_absolute_url()
    order.refresh_from_db()
    assert order.number == "1"
    with pytest.raises(order_service.OrderError):
        order_service.update_order(order, number="77", issued_on=TODAY, pairs=[pair])


# --- signing --------------------------------------------------------------------------------------


def test_director_signs_a_pairs_order_and_forming_pairs_start_work(school, district, client_for, pair):
    active = services.form_pair(programme=pair.programme, mentor=teacher(school, last_name="Белова"),
                                mentees=[student(school, last_name="Зайцев")], started_on=TODAY)
    services.activate(active)
    not_in_order = services.form_pair(programme=pair.programme, mentor=teacher(school, last_name="Орлова"),
                                      mentees=[student(school, last_name="Волков")], started_on=TODAY)
    order = factories.OrderFactory(organisation=school, number="15", pairs=[pair, active], prepared_by=district.curator1)

    response = client_for(district.director1).post(reverse("mentoring:order_sign", args=[order.pk]))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.SIGNED
    assert order.signed_by == district.director1
    assert order.signed_at is not None
    assert order.pdf.name.endswith(".pdf")
    assert order.content["number"] == "15"
    assert order.content["appendices"][0]["table"]["rows"][0][1].startswith("Кузнецова Мария Сергеевна")
    pair.refresh_from_db(), active.refresh_from_db(), not_in_order.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE
    assert active.status == Pair.Status.ACTIVE
    assert not_in_order.status == Pair.Status.FORMING


def test_double_sign_signs_once(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    stale_copy = Order.objects.get(pk=order.pk)
    client = client_for(district.director1)

    first = client.post(reverse("mentoring:order_sign", args=[order.pk]))
    second = client.post(reverse("mentoring:order_sign", args=[order.pk]), follow=True)

    assert first.status_code == 302
    assert "уже подписан" in " ".join(str(m) for m in second.context["messages"])
    # A submit that loaded the order before the first one finished is refused by the conditional update.
    with pytest.raises(order_service.OrderError):
        order_service.sign_order(stale_copy, by=district.director1)
    order.refresh_from_db()
    assert order.signed_by == district.director1
    stored = list(pathlib.Path(order.pdf.path).parent.iterdir())
    assert len(stored) == 1  # the refused attempt left no file behind


def test_signed_pdf_is_the_stored_one_and_ignores_later_changes(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.PAIRS, number="21", pairs=[pair])
    order_service.sign_order(order, by=district.director1)
    order.refresh_from_db()
    with order.pdf.open("rb") as stored:
        stored_bytes = stored.read()
    mentor = pair.mentor_links.get().mentor.participant
    mentor.last_name = "Переименованная"
    mentor.save()
    school.director_name = "В.В. Новый"
    school.save()
    client = client_for(district.curator1)

    pdf = client.get(reverse("mentoring:order_pdf", args=[order.pk]))
    page = client.get(order.get_absolute_url())

    assert pdf.content == stored_bytes
    text = pdf_text(pdf.content)
    assert "Кузнецова Мария Сергеевна" in text and "Переименованная" not in text
    assert "Г. А. Шабаева" in text and "Новый" not in text
    assert "ПРОЕКТ" not in text
    assert "Кузнецова Мария Сергеевна" in page.content.decode()
    assert "Переименованная" not in page.content.decode()


def test_signing_uses_the_stored_content_if_the_file_is_lost(school, district, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    order_service.sign_order(order, by=district.director1)
    order.refresh_from_db()
    order.pdf.storage.delete(order.pdf.name)
    mentor = pair.mentor_links.get().mentor.participant
    mentor.last_name = "Переименованная"
    mentor.save()
    text = pdf_text(order_service.order_pdf_bytes(order))
    assert "Кузнецова" in text and "Переименованная" not in text


def test_an_order_signed_without_a_stored_file_prints_the_same_text(school, district, pair):
    """The demo loader signs with ``store_pdf=False``: the order prints its frozen content on request,
    the text a stored file would have had."""
    stored = order_service.sign_order(factories.OrderFactory(organisation=school, pairs=[pair], number="7-а"), by=district.director1)
    lazy = order_service.sign_order(factories.OrderFactory(organisation=school, pairs=[pair], number="7-б"), by=district.director1,
                                    store_pdf=False)
    assert lazy.status == Order.Status.SIGNED and not lazy.pdf and lazy.content["number"] == "7-б"
    mentor = pair.mentor_links.get().mentor.participant
    mentor.last_name = "Переименованная"
    mentor.save()

    def text(order):
        minute = timezone.localtime(order.signed_at).strftime("%d.%m.%Y %H:%M")
        return pdf_text(order_service.order_pdf_bytes(order)).replace(minute, "").replace(order.number, "N")

    assert stored.pdf and "Переименованная" not in text(lazy) and "ПРОЕКТ" not in text(lazy)
    assert text(lazy) == text(stored)


# --- the text of each kind ------------------------------------------------------------------------


def common_checks(text, order_number, title):
    assert "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»" in text
    assert "ПРИКАЗ" in text
    assert "2 сентября 2024 г." in text
    assert f"№ {order_number}" in text
    assert f"«{title}»" in text
    assert "от 25.12.2019 № Р-145" in text
    assert "ПРИКАЗЫВАЮ:" in text
    assert "Контроль за исполнением приказа оставляю за собой." in text
    assert "Директор" in text and "Г. А. Шабаева" in text  # «И. О. Фамилия» under the signature


def draft_pdf(client, order):
    response = client.get(reverse("mentoring:order_pdf", args=[order.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


ISSUED = datetime.date(2024, 9, 2)


def test_organisation_order_text_from_the_registry(school, district, client_for, pair):
    curator_role = RoleAssignment.objects.get(user=district.curator1)
    curator_role.position = "заместитель директора по УВР"
    curator_role.save()
    district.curator1.last_name, district.curator1.first_name, district.curator1.patronymic = "Хохлова", "Елена", "Викторовна"
    district.curator1.save()
    member = RoleAssignment.objects.get(user=district.member1)
    member.position, member.duty = "педагог-психолог", "организация отбора и обучения наставников"
    member.save()
    district.member1.last_name, district.member1.first_name, district.member1.patronymic = "Зыкова", "Анна", "Владимировна"
    district.member1.save()
    ended = factories.RoleFactory(organisation=school, role=Role.WORKING_GROUP, is_active=False,
                                  user=factories.UserFactory(username="gone", last_name="Ушедшая"))
    mentor = pair.mentor_links.get().mentor
    mentor.competencies = "Призёр олимпиад по физике"
    mentor.capacity = 3
    mentor.save()
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.ORGANISATION, number="30-9 о/д", issued_on=ISSUED)
    client = client_for(district.curator1)

    pdf = draft_pdf(client, order)
    text = pdf_text(pdf)

    common_checks(text, "30-9 о/д", "Об организации наставничества")
    assert "ПРОЕКТ" in text
    year = str(AcademicYear.objects.current())
    assert f"на {year} учебный год" in text
    for appendix in ("Положение о наставничестве в МБОУ СОШ № 1 (приложение № 1)",
                     "(приложение № 2)", "Реестр наставников (приложение № 3)", "Список наставляемых (приложение № 4)",
                     "(приложение № 5)"):
        assert appendix in text
    # Seed 002: the curator appointed in the accusative, named in the dative where given a duty.
    assert ("Назначить ответственным исполнителем (куратором) по внедрению и реализации системы наставничества "
            "заместителя директора по УВР Хохлову Е. В.") in text
    assert "Куратору программы наставничества Хохловой Е. В. организовать мониторинг" in text
    assert ("Организовать в Муниципальном бюджетном общеобразовательном учреждении «Средняя школа № 1» "
            "внедрение системы") in text
    assert "С приказом ознакомлены:" in text
    acquainted = text[text.index("С приказом ознакомлены:"):text.index("Приложение № 3")]
    assert "Хохлова Е. В." in acquainted and "Зыкова А. В." in acquainted
    assert "Приложение № 3 к приказу от 02.09.2024 № 30-9 о/д" in text
    assert "Кузнецова Мария Сергеевна" in text and "Призёр олимпиад по физике" in text
    assert "Смирнов Алексей Игоревич" in text and "Подготовка к олимпиаде по физике" in text
    assert "Зыкова А. В." in text and "организация отбора и обучения наставников" in text
    assert ended.user.last_name not in text
    assert "30 декабря" in text and "региональный наставнический центр" in text
    assert "1 раз в полугодие" in text
    assert "«учитель – ученик»" in text  # the programmes of the year
    assert pdf_pages(pdf) >= 4  # order, then appendices 3, 4, 5 each on a new page


def test_pairs_order_text(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.PAIRS, number="222/2020/г", issued_on=ISSUED, pairs=[pair])
    text = pdf_text(draft_pdf(client_for(district.director1), order))
    common_checks(text, "222/2020/г", "Об утверждении наставнических пар/групп")
    assert "Наставник (ФИО, должность или класс)" in text
    assert "Кузнецова Мария Сергеевна, учитель математики" in text
    assert "Смирнов Алексей Игоревич, 9Б класс" in text
    assert "учитель – ученик" in text
    assert f"с {TODAY:%d.%m.%Y} по {pair.planned_end_on:%d.%m.%Y}" in text
    assert "Приложение № 1 к приказу от 02.09.2024 № 222/2020/г" in text
    assert "ПРОЕКТ" in text


def test_plans_order_text(school, district, client_for, pair):
    membership = pair.memberships.get()
    for n, status in enumerate([PlanItem.Status.DONE, PlanItem.Status.PLANNED, PlanItem.Status.CANCELLED]):
        PlanItem.objects.create(membership=membership, goal=f"Цель {n}", action="Занятие", due_on=TODAY,
                                status=status)
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.PLANS, number="40", issued_on=ISSUED, pairs=[pair])
    order_service.sign_order(order, by=district.director1)
    order.refresh_from_db()
    text = pdf_text(draft_pdf(client_for(district.curator1), order))
    common_checks(text, "40", "Об утверждении индивидуальных планов")
    assert "не менее чем на 90%" in text
    row = order.content["appendices"][0]["table"]["rows"][0]
    assert row[:4] == ["1", "Смирнов Алексей Игоревич, 9Б класс", "Кузнецова Мария Сергеевна", "2"]
    assert "Смирнов Алексей Игоревич" in text and "Кузнецова Мария Сергеевна" in text
    assert "ПРОЕКТ" not in text


def test_mentors_order_text(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.MENTORS, number="41", issued_on=ISSUED, pairs=[pair], programme=pair.programme)
    text = pdf_text(draft_pdf(client_for(district.curator1), order))
    common_checks(text, "41", "О назначении наставников")
    assert "Назначить наставников в рамках программы наставничества" in text
    assert "Кузнецова Мария Сергеевна" in text and "Смирнов Алексей Игоревич" in text
    assert "учитель – ученик" in text


def test_rewards_order_text(school, district, client_for, pair):
    mentor = pair.mentor_links.get().mentor.participant
    mentee = pair.memberships.get().mentee.participant
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.REWARDS, number="42", issued_on=ISSUED, reward_text="наградить почётной грамотой")
    order.rewarded.set([mentor, mentee])
    text = pdf_text(draft_pdf(client_for(district.curator1), order))
    common_checks(text, "42", "О поощрении участников наставнической деятельности")
    assert "Кузнецова Мария Сергеевна" in text and "учитель математики" in text
    assert "Смирнов Алексей Игоревич" in text and "9Б класс" in text
    assert text.count("наградить почётной грамотой") == 2


@pytest.mark.parametrize("kind", [Order.Kind.PROGRAMMES, Order.Kind.MENTORS, Order.Kind.REWARDS, Order.Kind.CURATOR])
def test_every_kind_ties_numbers_and_places_to_their_words(school, district, pair, kind):
    """«в приложении № 1», «МБОУ СОШ № 1 п. Красная Горбатка»: no line of any kind's order ends in «№» or
    «п.» (the programmes order printed «указанным в приложении №» / «1, обеспечить …»)."""
    school.short_name = "МБОУ СОШ № 1 п. Красная Горбатка"
    school.save()
    order = factories.OrderFactory(organisation=school, kind=kind, number="43", issued_on=ISSUED, pairs=[pair],
                                   programme=pair.programme)
    points = order_service.build_content(order)["points"]
    words = " ".join([p["text"] for p in points] + [s["text"] for p in points for s in p["subpoints"]])
    assert "№" in words
    assert not re.search(r"№ |\bп\. ", words), words


def test_draft_marked_project_signed_not(school, district, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    assert "ПРОЕКТ" in pdf_text(order_service.order_pdf_bytes(order))
    order_service.sign_order(order, by=district.director1)
    order.refresh_from_db()
    signed = pdf_text(order_service.order_pdf_bytes(order))
    assert "ПРОЕКТ" not in signed
    assert district.director1.display_name in signed  # who signed it, in the footer


def test_detail_page_previews_text_and_offers_buttons_by_role(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, number="5", pairs=[pair])
    as_curator = client_for(district.curator1).get(order.get_absolute_url())
    as_director = client_for(district.director1).get(order.get_absolute_url())
    as_member = client_for(district.member1).get(order.get_absolute_url())

    html = as_curator.content.decode()
    assert "ПРИКАЗЫВАЮ:" in html and "Кузнецова Мария Сергеевна" in html
    assert reverse("mentoring:order_edit", args=[order.pk]) in html
    assert reverse("mentoring:order_sign", args=[order.pk]) not in html
    director_html = as_director.content.decode()
    assert reverse("mentoring:order_sign", args=[order.pk]) in director_html
    assert "data-confirm" in director_html
    assert reverse("mentoring:order_edit", args=[order.pk]) not in director_html
    assert reverse("mentoring:order_sign", args=[order.pk]) not in as_member.content.decode()

    order_service.sign_order(order, by=district.director1)
    signed_html = client_for(district.director1).get(order.get_absolute_url()).content.decode()
    assert reverse("mentoring:order_sign", args=[order.pk]) not in signed_html


# --- permissions and scope ------------------------------------------------------------------------


def order_urls(order):
    return {
        "detail": reverse("mentoring:order_detail", args=[order.pk]),
        "edit": reverse("mentoring:order_edit", args=[order.pk]),
        "pdf": reverse("mentoring:order_pdf", args=[order.pk]),
    }


def test_order_pages_inside_and_outside_the_scope(school, district, client_for, roles, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    urls = order_urls(order)
    roles.expect(urls["edit"], municipal=None)
    roles.expect([urls["detail"], urls["pdf"]])
    roles.expect(reverse("mentoring:order_sign", args=[order.pk]), method="post", owner=None, municipal=None)
    for user in (district.director1, district.member1, district.observer):
        client = client_for(user)
        assert client.get(urls["detail"]).status_code == 200, user.username
        assert client.get(urls["pdf"]).status_code == 200, user.username
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


def test_only_curators_prepare(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    # Nowhere to prepare an order: 404, as for any page outside one's reach.
    for user in (district.director1, district.member1, district.municipal, district.observer, district.nobody):
        client = client_for(user)
        for kind in Order.Kind.values:
            if user == district.municipal and kind == Order.Kind.MUNICIPAL_CURATOR:
                continue  # the municipality's own register (tests/test_order_kinds.py)
            assert client.get(create_url(kind)).status_code == 404, (user.username, kind)
        assert client.post(create_url("organisation"), {"number": "99", "issued_on": TODAY.isoformat()}
                           ).status_code == 404
    # The order is visible to them, the change is not theirs to make: 403.
    for user in (district.director1, district.member1, district.municipal):
        assert client_for(user).get(order_urls(order)["edit"]).status_code == 403, user.username
    assert client_for(district.curator2).get(create_url("pairs")).status_code == 200
    assert not Order.objects.filter(number="99").exists()


def test_only_directors_sign(school, district, client_for, pair):
    order = factories.OrderFactory(organisation=school, pairs=[pair], number="1")
    url = reverse("mentoring:order_sign", args=[order.pk])
    for user in (district.curator1, district.member1, district.municipal, district.observer):
        assert client_for(user).post(url).status_code == 403, user.username
    assert client_for(district.director1).get(url).status_code == 405
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    pair.refresh_from_db()
    assert pair.status == Pair.Status.FORMING


def test_curator2_cannot_put_another_schools_pair_into_an_order(school, district, client_for, pair):
    response = client_for(district.curator2).post(create_url("pairs"), {
        "number": "1", "issued_on": TODAY.isoformat(), "pairs": [pair.pk],
    })
    assert response.status_code == 200
    assert "pairs" in response.context["form"].errors
    assert not Order.objects.exists()


def test_a_curator_of_two_schools_chooses_the_organisation(school, district, client_for):
    factories.RoleFactory(user=district.curator1, role=Role.SCHOOL_CURATOR, organisation=district.school2)
    client = client_for(district.curator1)
    chooser = client.get(create_url("organisation"))
    assert chooser.status_code == 200
    assert "choose_organisation" in chooser.templates[0].name
    page = client.get(create_url("organisation", organisation=district.school2.pk))
    assert page.context["organisation"] == district.school2
    assert client.get(create_url("organisation", organisation=district.foreign_school.pk)).status_code == 404


# --- the register ---------------------------------------------------------------------------------


def test_register_lists_the_scope_filters_by_year_and_kind(school, district, client_for, pair):
    mine = factories.OrderFactory(organisation=school, number="1", pairs=[pair])
    signed = factories.OrderFactory(organisation=school, kind=Order.Kind.REWARDS, number="2")
    order_service.sign_order(signed, by=district.director1)
    factories.OrderFactory(organisation=district.school2, number="1")
    last_year = AcademicYear.objects.create(start_year=AcademicYear.objects.current().start_year - 1)
    old = Order.objects.create(organisation=school, academic_year=last_year, kind=Order.Kind.ORGANISATION,
                               number="100", issued_on=last_year.starts_on)
    client = client_for(district.curator1)

    page = client.get(reverse("mentoring:order_list"))
    assert {o.pk for o in page.context["listing"].rows} == {mine.pk, signed.pk}
    html = page.content.decode()
    assert "Подготовить приказ" in html and "?kind=organisation" in html
    assert district.director1.display_name in html
    assert reverse("mentoring:order_pdf", args=[mine.pk]) in html
    assert "проект" in html and "подписан" in html

    by_kind = client.get(reverse("mentoring:order_list") + "?kind=rewards")
    assert [o.pk for o in by_kind.context["listing"].rows] == [signed.pk]
    by_year = client.get(reverse("mentoring:order_list") + f"?year={last_year.start_year}")
    assert [o.pk for o in by_year.context["listing"].rows] == [old.pk]

    director_page = client_for(district.director1).get(reverse("mentoring:order_list")).content.decode()
    assert "Подготовить приказ" not in director_page
    municipal = client_for(district.municipal).get(reverse("mentoring:order_list"))
    assert len(municipal.context["listing"].rows) == 3


def test_register_runs_a_constant_number_of_queries(school, district, client_for, django_assert_max_num_queries):
    year = AcademicYear.objects.current()

    def add_orders(count, start):
        for n in range(start, start + count):
            order = Order.objects.create(organisation=school, academic_year=year, kind=Order.Kind.PAIRS,
                                         number=str(n), issued_on=TODAY)
            if n % 2:
                Order.objects.filter(pk=order.pk).update(status=Order.Status.SIGNED, signed_by=district.director1,
                                                         signed_at=timezone.now())

    client = client_for(district.curator1)
    add_orders(3, 1)
    client.get(reverse("mentoring:order_list"))  # warm up the session and the current year
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("mentoring:order_list"))
    assert len(response.context["listing"].rows) == 3
    add_orders(27, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("mentoring:order_list"))
    assert len(response.context["listing"].rows) == 30
    assert len(few.captured_queries) <= 10
