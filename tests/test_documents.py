"""Per-mentee documents: the mentor–mentee agreement and the individual plan as PDF, inside the scope only."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentoring import orders as order_service
from mentoring import services
from mentoring.models import (
    Membership,
    MentorLink,
    Order,
    Pair,
    PlanItem,
)
from registry.models import AcademicYear, Consent, Participant
from tests import factories

TODAY = timezone.localdate()
REPRESENTATIVE_LINE = "Родитель (законный представитель) несовершеннолетнего"


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", text)
    return " ".join(text.split())


def born(age: int) -> datetime.date:
    return TODAY.replace(year=TODAY.year - age) - datetime.timedelta(days=40)


def consent(person, representative="", days_ago=90, **fields):
    signed_by = Consent.SignedBy.BOTH if representative else Consent.SignedBy.PARTICIPANT
    extra = {}
    if representative:
        extra = {"representative_name": representative, "representative_relation": Consent.Relation.MOTHER,
                 "representative_document": "свидетельство о рождении"}
    return factories.ConsentFactory(participant=person, signed_by=signed_by,
                                    signed_on=TODAY - datetime.timedelta(days=days_ago), **extra, **fields)


@pytest.fixture
def school(district):
    school = district.school1
    school.full_name = "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»"
    school.save()
    return school


@pytest.fixture
def membership(school, district):
    """Teacher Кузнецова Мария Сергеевна mentors Смирнов Алексей Игоревич, 15, whose mother signed the consent."""
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Кузнецова",
                                            participant__first_name="Мария", participant__patronymic="Сергеевна")
    consent(mentor.participant)
    mentee = factories.MenteeProfileFactory(
        participant__organisation=school, participant__last_name="Смирнов", participant__first_name="Алексей",
        participant__patronymic="Игоревич", participant__birth_date=born(15), participant__class_name="9Б",
    )
    consent(mentee.participant, representative="Смирнова Ольга Петровна")
    pair = services.form_pair(programme=factories.ProgrammeFactory(organisation=school, title="Шаг в профессию"), mentor=mentor, mentees=[mentee],
                              started_on=TODAY, by=district.curator1)
    return pair.memberships.get()


def agreement(client, membership):
    response = client.get(reverse("mentoring:agreement_pdf", args=[membership.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    return pdf_text(response.content)


def plan(client, membership):
    response = client.get(reverse("mentoring:plan_pdf", args=[membership.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


# --- the agreement --------------------------------------------------------------------------------


def test_agreement_names_the_parties_programme_term_and_duties(school, district, client_for, membership):
    text = agreement(client_for(district.curator1), membership)

    assert "СОГЛАШЕНИЕ между наставником и наставляемым" in text
    assert "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»" in text
    assert "Наставник Кузнецова Мария Сергеевна, учитель математики" in text
    assert "наставляемый Смирнов Алексей Игоревич, 9Б класс" in text
    assert "программы наставничества «Шаг в профессию»" in text
    assert "«учитель – ученик»" in text
    assert order_service.russian_date(TODAY) in text
    assert f"с {TODAY:%d.%m.%Y} по {membership.pair.planned_end_on:%d.%m.%Y}" in text
    # Seed 002, 5.1 and 6.1.
    assert "оказывать всестороннюю помощь и поддержку наставляемому" in text
    assert "выполнять своевременно и качественно задачи, поставленные наставником" in text
    assert "Конфиденциальность" in text
    assert "М. С. Кузнецова" in text and "А. И. Смирнов" in text  # «И. О. Фамилия» under a signature


def test_a_minor_mentee_is_represented_by_the_parent_from_the_latest_valid_consent(school, district, client_for,
                                                                                    membership):
    person = membership.mentee.participant
    Consent.objects.filter(participant=person).update(signed_on=TODAY - datetime.timedelta(days=200))
    consent(person, representative="Смирнов Игорь Олегович", days_ago=100)  # the latest valid one
    revoked = consent(person, representative="Посторонний Пётр Петрович", days_ago=20)
    Consent.objects.filter(pk=revoked.pk).update(revoked_on=TODAY - datetime.timedelta(days=5))

    text = agreement(client_for(district.curator1), membership)

    # The parent in the genitive after «в лице»; «несовершеннолетний» agrees with the boy.
    assert ("9Б класс (далее — Наставляемый), несовершеннолетний, в лице родителя (законного представителя) "
            "Смирнова Игоря Олеговича (мать)") in text
    assert REPRESENTATIVE_LINE + " наставляемого" in text
    assert "И. О. Смирнов" in text  # the name under the representative's signature
    assert "Смирнова Ольга Петровна" not in text and "Посторонний" not in text
    # Agrees with the boy, as «несовершеннолетний» above does (was «ознакомлен(а)»).
    assert "С соглашением ознакомлен подпись несовершеннолетнего" in text


def test_a_minor_without_a_representative_on_record_gets_a_blank_line(school, district, client_for):
    # Rows made directly, as an import would: no consent, so no representative's name to print.
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Кузнецова")
    mentee = factories.MenteeProfileFactory(participant__organisation=school, participant__last_name="Волков",
                                            participant__birth_date=born(12))
    pair = Pair.objects.create(programme=factories.ProgrammeFactory(organisation=school), status=Pair.Status.ACTIVE, started_on=TODAY,
                               planned_end_on=TODAY + datetime.timedelta(days=90))
    MentorLink.objects.create(pair=pair, mentor=mentor, started_on=TODAY)
    membership = Membership.objects.create(pair=pair, mentee=mentee, joined_on=TODAY)

    text = agreement(client_for(district.curator1), membership)

    assert "несовершеннолетний, в лице родителя (законного представителя) ______" in text
    assert REPRESENTATIVE_LINE + " наставляемого" in text


def test_adults_sign_for_themselves(school, district, client_for):
    prog = factories.ProgrammeFactory(organisation=school, form_name="учитель – учитель")
    mentor = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Белова")
    consent(mentor.participant)
    young = factories.TeacherFactory(organisation=school, last_name="Молодцова", category=Participant.Category.YOUNG_SPECIALIST,
                                     birth_date=born(24), position="Учитель истории")
    consent(young)
    pair = services.form_pair(programme=prog, mentor=mentor, mentees=[factories.MenteeProfileFactory(participant=young)],
                              started_on=TODAY)

    text = agreement(client_for(district.curator1), pair.memberships.get())

    assert "Молодцова Иван Петрович, учитель истории" in text
    assert "законн" not in text.replace("законных представителей несовершеннолетних", "")
    assert "С соглашением ознакомлен(а)" not in text


def test_a_minor_mentor_student_to_student_is_represented_too(school, district, client_for):
    prog = factories.ProgrammeFactory(organisation=school, form_name="ученик – ученик")
    senior = factories.ParticipantFactory(organisation=school, last_name="Старшеклассников", birth_date=born(16),
                                          class_name="11А")
    consent(senior, representative="Старшеклассникова Вера Ивановна")
    junior = factories.ParticipantFactory(organisation=school, last_name="Младшенький", birth_date=born(11),
                                          class_name="5В")
    consent(junior, representative="Младшенькая Анна Сергеевна")
    pair = services.form_pair(
        programme=prog, mentor=factories.MentorProfileFactory(participant=senior),
        mentees=[factories.MenteeProfileFactory(participant=junior)], started_on=TODAY,
    )

    text = agreement(client_for(district.curator1), pair.memberships.get())

    assert "Старшеклассников Иван Петрович, 11А класс" in text
    assert REPRESENTATIVE_LINE + " наставника" in text
    assert "в лице родителя (законного представителя) Старшеклассниковой Веры Ивановны" in text
    assert "В. И. Старшеклассникова" in text
    assert REPRESENTATIVE_LINE + " наставляемого" in text
    assert "в лице родителя (законного представителя) Младшенькой Анны Сергеевны" in text


def test_agreement_names_the_current_mentor_after_a_replacement(school, district, client_for, membership):
    new = factories.MentorProfileFactory(participant__organisation=school, participant__last_name="Орлова")
    consent(new.participant)
    services.replace_mentor(membership.pair, new_mentor=new, on=TODAY, reason="болезнь")
    text = agreement(client_for(district.curator1), membership)
    assert "Наставник Орлова Иван Петрович" in text
    assert "Кузнецова" not in text


def test_a_proposal_has_no_agreement_yet(school, district, client_for, membership):
    Pair.objects.filter(pk=membership.pair_id).update(status=Pair.Status.PROPOSED)
    response = client_for(district.curator1).get(reverse("mentoring:agreement_pdf", args=[membership.pk]))
    assert response.status_code == 404


# --- the individual plan --------------------------------------------------------------------------


def add_items(membership, statuses):
    for n, status in enumerate(statuses, start=1):
        PlanItem.objects.create(membership=membership, goal=f"Цель {n}", action=f"Мероприятие {n}",
                                due_on=TODAY + datetime.timedelta(days=10 * n), status=status, position=n,
                                evidence="диплом" if status == PlanItem.Status.DONE else "")


def test_plan_pdf_has_the_people_the_items_and_the_completion(school, district, client_for, membership):
    add_items(membership, [PlanItem.Status.DONE, PlanItem.Status.PLANNED, PlanItem.Status.IN_PROGRESS,
                           PlanItem.Status.DONE, PlanItem.Status.CANCELLED])

    text = plan(client_for(district.director1), membership)

    assert "ИНДИВИДУАЛЬНЫЙ ПЛАН РАЗВИТИЯ НАСТАВЛЯЕМОГО" in text
    assert "Смирнов Алексей Игоревич, 9Б класс" in text
    assert "Кузнецова Мария Сергеевна, учитель математики" in text
    assert "Шаг в профессию" in text and "учитель – ученик" in text
    for column in ("Цель", "Мероприятие", "Срок", "Отметка о выполнении"):
        assert column in text
    for n in range(1, 6):
        assert f"Цель {n}" in text and f"Мероприятие {n}" in text
    assert f"{TODAY + datetime.timedelta(days=10):%d.%m.%Y}" in text
    assert "выполнено: диплом" in text and "отменено" in text
    assert "Выполнено пунктов: 2 из 4 (50%)" in text
    assert "не менее 90%: не достигнут" in text
    assert "М. С. Кузнецова" in text and "А. И. Смирнов" in text
    assert "УТВЕРЖДЁН" not in text


def test_plan_reaching_the_target_and_approved_by_an_order(school, district, client_for, membership):
    add_items(membership, [PlanItem.Status.DONE] * 9 + [PlanItem.Status.PLANNED])
    order = Order.objects.create(organisation=school, academic_year=AcademicYear.objects.current(),
                                 kind=Order.Kind.PLANS, number="44-о", issued_on=TODAY)
    order.pairs.set([membership.pair])
    order_service.sign_order(order, by=district.director1)

    text = plan(client_for(district.curator1), membership)

    assert "Выполнено пунктов: 9 из 10 (90%)" in text
    assert "не менее 90%: достигнут" in text
    assert f"УТВЕРЖДЁН приказом от {TODAY:%d.%m.%Y} № 44-о" in text


def test_an_empty_plan_still_prints(school, district, client_for, membership):
    text = plan(client_for(district.curator1), membership)
    assert "План ещё не составлен" in text
    # Nothing to count yet: no «0 из 0 (0%) … не достигнут» on the blank taken to the planning meeting,
    # only the target.
    assert "Выполнено пунктов" not in text and "не достигнут" not in text
    assert "Целевой показатель — не менее 90% выполненных пунктов плана." in text
    assert "Наставник" in text and "расшифровка подписи" in text


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mentoring:agreement_pdf", "mentoring:plan_pdf"])
def test_documents_are_404_outside_the_scope_and_200_inside(school, district, client_for, roles, membership, name):
    roles.expect(reverse(name, args=[membership.pk]))
    for user in (district.director1, district.member1, district.observer):
        assert client_for(user).get(reverse(name, args=[membership.pk])).status_code == 200, user.username
    assert client_for(district.curator1).get(reverse(name, args=[membership.pk + 1000])).status_code == 404
