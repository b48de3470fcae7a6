"""Consent wording per purpose (152-ФЗ art. 9 ч. 4; the publication consent under art. 10.1) and the
blank chosen by age: under 14 the representative, 14–17 the child with the representative, 18+ the person."""

import datetime
import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from registry.documents import docx_format
from registry.forms import ConsentForm
from registry.models import Consent, ConsentPurpose, ConsentText
from registry.models.consents import signer_by_age
from registry.pdf import render_pdf
from registry.services import record_consent
from registry.typography import NBSP
from registry.views.pdf import blank_signer, consent_blank_context
from tests import factories
from tests.test_consent_blank import pdf_text

TODAY = timezone.localdate()
SCHOOL = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»"
SCHOOL_DATIVE = "Муниципальному бюджетному общеобразовательному учреждению «Средняя общеобразовательная школа № 1»"
ADDRESS = "602332, Владимирская область, пос. Красная Горбатка, ул. Школьная, д. 1"
AUTHORITY = "Управление образования администрации Селивановского района"
PARTNER = "ООО «Вектор»"
PARTNER_ADDRESS = "602332, Владимирская область, пос. Красная Горбатка, ул. Заводская, д. 7"

SIGNERS = ConsentText.Signer.values


def years_ago(years, on=TODAY, days=0):
    return on.replace(year=on.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def school(district):
    organisation = district.school1
    organisation.full_name = SCHOOL
    organisation.address = ADDRESS
    organisation.inn = "3320001234"
    organisation.ogrn = "1023301234567"
    organisation.website = "https://school1.selivanovo.example"
    organisation.fill_case_forms()
    organisation.save()
    organisation.municipality.education_authority = AUTHORITY
    organisation.municipality.save()
    return organisation


@pytest.fixture
def partner(school):
    return factories.PartnerFactory(organisation=school, name=PARTNER, address=PARTNER_ADDRESS,
                                    agreement_number="7/25", agreement_date=datetime.date(2025, 9, 1))


def child(school, age, **fields):
    return factories.ParticipantFactory(organisation=school, last_name="Смирнова", first_name="Алёна",
                                        patronymic="Игоревна", birth_date=years_ago(age, days=40), class_name="7Б",
                                        **fields)


def blank_text(participant, purpose, signer, partner=None) -> str:
    text = ConsentText.objects.get(purpose=purpose, signer=signer, is_current=True)
    return pdf_text(render_pdf("registry/pdf/consent_blank.html", consent_blank_context(participant, text, partner)))


# --- who signs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("birthday_years, day_offset, expected", [
    (8, 0, Consent.SignedBy.REPRESENTATIVE),
    (14, -1, Consent.SignedBy.REPRESENTATIVE),  # the day before the 14th birthday
    (14, 0, Consent.SignedBy.BOTH),  # the 14th birthday
    (15, 0, Consent.SignedBy.BOTH),
    (18, -1, Consent.SignedBy.BOTH),  # the day before the 18th birthday
    (18, 0, Consent.SignedBy.PARTICIPANT),  # the 18th birthday
    (19, 0, Consent.SignedBy.PARTICIPANT),
], ids=["8", "14-eve", "14th-birthday", "15", "18-eve", "18th-birthday", "19"])
def test_who_signs_follows_the_age_on_the_day(birthday_years, day_offset, expected):
    born = datetime.date(2008, 3, 12)
    birthday = born.replace(year=born.year + birthday_years)
    on = birthday + datetime.timedelta(days=day_offset)
    assert signer_by_age(born, on, is_student=True) == expected
    assert Consent.required_signers(born, on, True) == {expected}


def test_a_leap_day_child_turns_14_on_the_first_of_march():
    born = datetime.date(2012, 2, 29)
    assert signer_by_age(born, datetime.date(2026, 2, 28), is_student=True) == Consent.SignedBy.REPRESENTATIVE
    assert signer_by_age(born, datetime.date(2026, 3, 1), is_student=True) == Consent.SignedBy.BOTH


def test_without_a_birth_date_a_student_gets_the_representatives_blank_and_a_teacher_their_own(school):
    student = factories.ParticipantFactory(organisation=school, birth_date=None)
    teacher = factories.TeacherFactory(organisation=school, birth_date=None)
    assert signer_by_age(None, TODAY, is_student=True) is None
    assert blank_signer(student) == ConsentText.Signer.REPRESENTATIVE
    assert blank_signer(teacher) == ConsentText.Signer.ADULT


@pytest.mark.parametrize("age, signer", [(8, "representative"), (15, "minor"), (19, "adult")])
def test_the_blank_is_chosen_by_age_on_the_boundaries_too(school, age, signer):
    person = child(school, age)
    assert blank_signer(person) == signer
    birthday = person.birth_date.replace(year=person.birth_date.year + (14 if age < 14 else 18))
    before = {8: "representative", 15: "minor", 19: "minor"}[age]
    on_the_day = {8: "minor", 15: "adult", 19: "adult"}[age]
    assert blank_signer(person, birthday - datetime.timedelta(days=1)) == before
    assert blank_signer(person, birthday) == on_the_day


@pytest.mark.parametrize("age, title, absent", [
    (8, "Согласие законного представителя на обработку персональных данных несовершеннолетнего",
     ["подпись несовершеннолетнего", "достигшего 14 лет"]),
    (15, "Согласие несовершеннолетнего, достигшего 14 лет, на обработку персональных данных",
     ["Согласие законного представителя", "Субъект персональных данных"]),
    (19, "Согласие на обработку персональных данных в целях участия в программе наставничества",
     ["Законный представитель", "несовершеннолетн"]),
], ids=["8", "15", "19"])
def test_the_page_offers_only_the_blank_for_the_age(school, district, client_for, age, title, absent):
    person = child(school, age)
    client = client_for(district.curator1)
    page = client.get(reverse("registry:participant_detail", args=[person.pk])).content.decode()
    url = reverse("registry:consent_blank", args=[person.pk])
    assert f'href="{url}"' in page
    assert "совершеннолетний), PDF" not in page  # the old pair of buttons, adult and representative, is gone
    assert str(ConsentText.Signer(blank_signer(person)).label).lower() in page

    text = pdf_text(client.get(url).content)
    assert title in text
    for words in absent:
        assert words not in text


# --- the wording -------------------------------------------------------------------------------------


def common_article_9(text, signer):
    """The elements of art. 9 ч. 4 every art. 9 blank carries, whatever its purpose."""
    assert "статьёй 9 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»" in text
    # 1–2: the subject's and the representative's name, address, identity document, authority.
    assert "Фамилия, имя, отчество" in text and "Адрес регистрации" in text and "Паспорт: серия, номер" in text
    assert "Смирнова Алёна Игоревна" in text
    if signer != "adult":
        assert "Законный представитель" in text and "Документ о полномочиях" in text
        assert "Документ, удостоверяющий личность" in text
    # 3: the operator by name (in the dative after «даю согласие») and address.
    assert f"даю согласие {SCHOOL_DATIVE} (далее — оператор; адрес: {ADDRESS})" in text
    # 4–5: purpose, list of data.
    assert "Цель обработки:" in text
    assert "Перечень персональных данных: фамилия, имя, отчество;" in text
    # 7: actions and the methods of processing.
    assert "Действия с персональными данными: сбор, запись, систематизация" in text
    assert "Способ обработки — смешанный: с использованием средств автоматизации" in text
    # 8: term and how to revoke.
    assert "Срок действия и отзыв: согласие действует со дня подписания" in text
    assert f"Согласие отзывается письменным заявлением, поданным оператору лично или направленным по адресу: {ADDRESS}." in text
    # 9: the signatures, the minor's and the representative's from 14 to 18.
    signatures = {"adult": 1, "representative": 1, "minor": 2}[signer]
    assert text.count("расшифровка подписи") == signatures
    assert "10.1" not in text


@pytest.mark.parametrize("signer", SIGNERS)
def test_the_mentoring_consent_has_every_element_of_article_9(school, signer):
    text = blank_text(child(school, 15), ConsentPurpose.MENTORING, signer)
    common_article_9(text, signer)
    assert "организация участия в программе наставничества" in text
    # 6: third parties by name.
    assert f"получает муниципальный орган управления образованием — {AUTHORITY};" in text
    assert "только в обезличенном виде" in text


@pytest.mark.parametrize("signer", SIGNERS)
def test_the_transfer_consent_names_the_partner(school, partner, signer):
    text = blank_text(child(school, 15), ConsentPurpose.PARTNER_TRANSFER, signer, partner)
    common_article_9(text, signer)
    assert (f"Третье лицо, которому передаются персональные данные: {PARTNER} (адрес: {PARTNER_ADDRESS}; "
            f"соглашение от 01.09.2025 № 7/25). Иным лицам персональные данные не передаются.") in text
    assert "передача (предоставление) организации-партнёру" in text


@pytest.mark.parametrize("signer", SIGNERS)
def test_the_publication_consent_is_the_separate_consent_of_article_10_1(school, signer):
    text = blank_text(child(school, 15), ConsentPurpose.PUBLICATION, signer)
    assert "статьёй 10.1 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»" in text
    assert "статьёй 9 " not in text
    assert "разрешённых для распространения" in text or "разрешённых субъектом персональных данных для распространения" in text
    # The operator with its requisites (Roskomnadzor order of 24.02.2021 № 18), the subject's contacts.
    assert f"даю согласие {SCHOOL_DATIVE} (далее — оператор; адрес: {ADDRESS}; ИНН 3320001234, ОГРН 1023301234567)" in text
    assert "Телефон, эл. почта" in text
    assert "предоставление доступа к ним неограниченному кругу лиц" in text
    # The resource where the data is published.
    # (a line may break after «https://»: compared without spaces)
    assert "официальныйсайтhttps://school1.selivanovo.example;" in text.replace(" ", "")
    # The list of data allowed, and what is not disseminated.
    assert "Персональные данные, разрешённые для распространения: фамилия, имя;" in text
    assert "не распространяются" in text
    # The subject's conditions and prohibitions (ч. 9), to tick.
    assert "Условия и запреты (ч. 9 ст. 10.1" in text
    assert text.count("☐") == 3
    assert "запрещаю неограниченному кругу лиц передачу" in text
    # Separate from other consents; term; the demand that stops it (ч. 12, 13).
    assert "Согласие оформлено отдельно от иных согласий" in text
    assert "действует со дня подписания" in text
    assert "ч. 12 и 13 ст. 10.1" in text
    assert f"Требование направляется по адресу: {ADDRESS}." in text
    assert text.count("расшифровка подписи") == (2 if signer == "minor" else 1)


def test_a_representative_blank_declines_the_child_and_leaves_the_representative_to_write(school):
    text = blank_text(child(school, 8), ConsentPurpose.MENTORING, "representative")
    birth = f"{years_ago(8, days=40):%d.%m.%Y}"
    assert f"являясь законным представителем несовершеннолетней Смирновой Алёны Игоревны, {birth} г. р.," in text
    assert "на обработку персональных данных несовершеннолетней на следующих условиях." in text
    assert "Я, ______" in text


def test_without_inn_site_or_partner_address_the_blank_leaves_lines_to_fill(district):
    organisation = district.school2
    organisation.address = ADDRESS
    organisation.save()
    partner = factories.PartnerFactory(organisation=organisation, name="АО «Заря»")
    person = child(organisation, 19)
    publication = blank_text(person, ConsentPurpose.PUBLICATION, "adult")
    assert "ИНН ____________, ОГРН _______________" in publication
    assert "официальный сайт ______________________________;" in publication
    transfer = blank_text(person, ConsentPurpose.PARTNER_TRANSFER, "adult", partner)
    assert "АО «Заря» (адрес: ____" in transfer


# --- versions ----------------------------------------------------------------------------------------


def test_one_current_wording_per_purpose_and_signer_and_old_consents_keep_theirs(school):
    current = ConsentText.objects.filter(is_current=True)
    assert sorted((t.purpose, t.signer) for t in current) == sorted(
        (purpose, signer) for purpose in ConsentPurpose.values for signer in SIGNERS)
    assert {t.version for t in current} == {"2025-3"}
    old = ConsentText.objects.get(purpose=ConsentPurpose.MENTORING, signer="representative", version="2025-2")
    assert not old.is_current

    person = child(school, 15)
    signed_before = factories.ConsentFactory(participant=person, signed_by=Consent.SignedBy.BOTH, text=old,
                                             representative_name="Смирнова Ольга Петровна",
                                             representative_relation=Consent.Relation.MOTHER,
                                             representative_document="свидетельство о рождении III-МЮ № 123456")
    signed_now = record_consent(participant=person, purpose=ConsentPurpose.MENTORING, signed_by=Consent.SignedBy.BOTH,
                                signed_on=TODAY, representative_name="Смирнова Ольга Петровна",
                                representative_relation=Consent.Relation.MOTHER,
                                representative_document="свидетельство о рождении III-МЮ № 123456")
    signed_before.refresh_from_db()
    assert signed_before.text == old
    assert (signed_now.text.version, signed_now.text.signer) == ("2025-3", "minor")


# --- the recipient of a transfer ---------------------------------------------------------------------


def test_a_transfer_consent_records_the_partner_it_names(school, partner, district):
    person = child(school, 19)
    with pytest.raises(ValidationError) as missing:
        record_consent(participant=person, purpose=ConsentPurpose.PARTNER_TRANSFER,
                       signed_by=Consent.SignedBy.PARTICIPANT, signed_on=TODAY)
    assert "partner" in missing.value.message_dict
    foreign = factories.PartnerFactory(organisation=district.school2)
    with pytest.raises(ValidationError) as other:
        record_consent(participant=person, purpose=ConsentPurpose.PARTNER_TRANSFER, partner=foreign,
                       signed_by=Consent.SignedBy.PARTICIPANT, signed_on=TODAY)
    assert "partner" in other.value.message_dict
    with pytest.raises(ValidationError) as stray:
        record_consent(participant=person, purpose=ConsentPurpose.MENTORING, partner=partner,
                       signed_by=Consent.SignedBy.PARTICIPANT, signed_on=TODAY)
    assert "partner" in stray.value.message_dict
    consent = record_consent(participant=person, purpose=ConsentPurpose.PARTNER_TRANSFER, partner=partner,
                             signed_by=Consent.SignedBy.PARTICIPANT, signed_on=TODAY)
    assert consent.partner == partner

    form = ConsentForm(participant=person)
    assert list(form.fields["partner"].queryset) == [partner]


def test_the_page_offers_a_transfer_blank_per_partner(school, partner, district, client_for):
    person = child(school, 15)
    client = client_for(district.curator1)
    page = client.get(reverse("registry:participant_detail", args=[person.pk])).content.decode()
    url = f"{reverse('registry:consent_blank', args=[person.pk])}?purpose=partner_transfer&amp;partner={partner.pk}"
    assert url in page
    response = client.get(url.replace("&amp;", "&"))
    assert response.status_code == 200
    assert f"{PARTNER} (адрес: {PARTNER_ADDRESS};" in pdf_text(response.content)


def test_the_organisation_card_checks_inn_and_ogrn_and_completes_the_site(district):
    from registry.forms import OrganisationForm
    from tests.test_grammar import _form_data

    school = district.school1
    wrong = OrganisationForm(_form_data(school, inn="12345", ogrn="12345678901234"), instance=school)
    assert not wrong.is_valid()
    assert set(wrong.errors) == {"inn", "ogrn"}
    right = OrganisationForm(_form_data(school, inn="3320001234", ogrn="1023301234567", website="school1.example"),
                             instance=school)
    assert right.is_valid(), right.errors
    right.save()
    school.refresh_from_db()
    assert (school.inn, school.ogrn, school.website) == ("3320001234", "1023301234567", "https://school1.example")


# --- typography: the orders' non-breaking spaces (registry.typography) ---------------------------------


@pytest.mark.parametrize("signer", SIGNERS)
def test_the_blank_ties_numbers_places_and_initials_in_pdf_and_docx(school, signer):
    """A line of the blank never ends in «№», «ст.» or the address's «п.»: the HTML the PDF is made of and
    the DOCX made from it carry the orders' non-breaking spaces."""
    school.address = "602330, Владимирская область, п. Новый, ул. Школьная, д. 1"
    school.save()
    partner = factories.PartnerFactory(organisation=school, name=PARTNER, address=PARTNER_ADDRESS,
                                       agreement_number="123456", agreement_date=datetime.date(2025, 9, 1))
    person = child(school, 15)
    text = ConsentText.objects.get(purpose=ConsentPurpose.PARTNER_TRANSFER, signer=signer, is_current=True)
    context = consent_blank_context(person, text, partner)
    html = render_to_string("registry/pdf/consent_blank.html", context)
    with docx_format():
        body = Document(io.BytesIO(render_pdf("registry/pdf/consent_blank.html", context))).element.body
    docx = "".join(node.text or "" for node in body.iter(qn("w:t")))  # the runs' text, spaces as they are
    for rendered in (html, docx):
        assert f"соглашение от 01.09.2025 №{NBSP}123456" in rendered
        assert f"п.{NBSP}Новый, ул.{NBSP}Школьная, д.{NBSP}1" in rendered
        assert f"27.07.2006 №{NBSP}152-ФЗ" in rendered
        assert "№ " not in rendered.replace("№ ____", "")  # «№» always tied (a blank line to fill aside)
    if signer != ConsentText.Signer.REPRESENTATIVE:  # the representative's blank leaves the name to fill
        assert f"А.{NBSP}И. Смирнова" in html  # the signature's initials kept together
