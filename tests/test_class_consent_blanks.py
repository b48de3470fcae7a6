"""A class's consent blanks in one PDF: a blank per mentee of the chosen class, each for the signer that
person needs, inside the scope only, recorded in the export log."""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registry.models import AuditEntry
from registry.views import pdf as pdf_views
from tests import factories
from tests.test_consent_blank import pdf_text

TODAY = timezone.localdate()


def mentee(school, last_name, *, class_name="7Б", age=13, archived=False):
    birth = TODAY.replace(year=TODAY.year - age) - datetime.timedelta(days=30)
    profile = factories.MenteeProfileFactory(participant__organisation=school, participant__last_name=last_name,
                                             participant__class_name=class_name, participant__birth_date=birth)
    if archived:
        profile.participant.archive(reason="выбыл")
    return profile.participant


@pytest.fixture
def seventh(district):
    school = district.school1
    people = {
        "Алексеева": mentee(school, "Алексеева"),
        "Борисов": mentee(school, "Борисов"),
        "Взрослова": mentee(school, "Взрослова", age=18),
    }
    # Not in the PDF: a classmate who is not a mentee, an archived mentee, another class, another school.
    factories.ParticipantFactory(organisation=school, last_name="Нементи", class_name="7Б")
    mentee(school, "Архивный", archived=True)
    mentee(school, "Другойкласс", class_name="8А")
    mentee(district.school2, "Чужой")
    return people


def url(organisation, **query):
    base = reverse("registry:class_consent_blanks", args=[organisation.pk])
    return base + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def pages_of(response) -> list[str]:
    # End-of-line hyphenation undone, as pdf_text does: the wording is compared, not the line breaks.
    return [" ".join(re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", page.extract_text()).split())
            for page in PdfReader(io.BytesIO(response.content)).pages]


def test_one_blank_per_mentee_of_the_class_each_on_its_own_pages(district, client_for, seventh):
    response = client_for(district.curator1).get(url(district.school1, class_name="7б"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for name in seventh:
        assert name in text
    for absent in ("Нементи", "Архивный", "Другойкласс", "Чужой"):
        assert absent not in text
    pages = pages_of(response)
    first_pages = [next(i for i, page in enumerate(pages) if name in page) for name in seventh]
    assert first_pages == sorted(set(first_pages)), "each blank starts on a page of its own, by name"
    # A minor's blank is signed by the legal representative, an adult's by the mentee.
    minor = " ".join(pages[first_pages[0]:first_pages[1]])
    adult = " ".join(pages[first_pages[2]:])
    assert "являясь законным представителем" in minor and "Законный представитель" in minor
    assert "свободно, своей волей" in adult and "Законный представитель" not in adult
    # Each blank's footer names its own participant.
    assert f"Участник № {seventh['Взрослова'].pk}" in adult


def test_only_those_without_a_valid_consent(district, client_for, seventh):
    factories.consent_for(seventh["Борисов"])
    response = client_for(district.curator1).get(url(district.school1, class_name="7Б", missing="1"))
    text = pdf_text(response.content)
    assert "Алексеева" in text and "Взрослова" in text and "Борисов" not in text


def test_the_download_is_in_the_export_log(district, client_for, seventh):
    client_for(district.curator1).get(url(district.school1, class_name="7Б"))
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.EXPORT)
    assert "7Б" in entry.object_repr and entry.additional_data["rows"] == 3
    assert entry.additional_data["organisation"] == district.school1.pk


def test_outside_the_scope_is_404_and_bad_queries_are_refused(district, client_for, roles, seventh):
    roles.expect(url(district.school1, class_name="7Б"))
    client = client_for(district.curator1)
    for query in ({}, {"class_name": ""}, {"class_name": "7Б", "purpose": "marketing"}):
        assert client.get(url(district.school1, **query)).status_code == 404
    assert client.post(url(district.school1, class_name="7Б")).status_code == 405
    for hostile in ("%00", "x" * 5000, "7Б%27%20OR%201=1", "%F0%9F%98%80"):
        assert client.get(url(district.school1, class_name=hostile)).status_code in (302, 404)


def test_an_empty_or_too_large_class_says_why(district, client_for, seventh, monkeypatch):
    client = client_for(district.curator1)
    response = client.get(url(district.school1, class_name="11В"))
    assert response.status_code == 302
    assert "нет наставляемых" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    monkeypatch.setattr(pdf_views, "MAX_CLASS_BLANKS", 2)
    response = client.get(url(district.school1, class_name="7Б"))
    assert response.status_code == 302
    assert "больше 2 наставляемых" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).exists()


def test_the_participant_list_offers_the_class_blanks(district, client_for, seventh):
    listing = reverse("registry:participant_list")
    page = client_for(district.curator1).get(listing, {"role": "mentee", "class_name": "7б"})
    assert page.context["class_blanks"]["url"] == url(district.school1, class_name="7%D0%91")
    assert "Напечатать бланки (PDF)" in page.content.decode()
    assert client_for(district.curator1).get(listing, {"role": "mentee"}).context["class_blanks"] is None
    # A municipal curator sees many schools: the class is offered once the school is chosen.
    municipal = client_for(district.municipal)
    assert municipal.get(listing, {"class_name": "7Б"}).context["class_blanks"] is None
    page = municipal.get(listing, {"class_name": "7Б", "organisation": district.school1.pk})
    assert page.context["class_blanks"]["url"].startswith(url(district.school1))


def test_the_class_transfer_blanks_name_the_partner_asked_for(district, client_for, seventh):
    vector = factories.PartnerFactory(organisation=district.school1, name="ООО «Вектор»", address="п. Красная Горбатка")
    factories.PartnerFactory(organisation=district.school1, name="АО «Заря»")
    client = client_for(district.curator1)
    # Two partners and none chosen: a transfer consent without its recipient is never printed.
    assert client.get(url(district.school1, class_name="7Б", purpose="partner_transfer")).status_code == 404
    response = client.get(url(district.school1, class_name="7Б", purpose="partner_transfer", partner=vector.pk))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert text.count("ООО «Вектор» (адрес: п. Красная Горбатка)") == len(seventh)
    assert "АО «Заря»" not in text


def test_the_participant_list_offers_the_blanks_of_a_class_without_a_class_filter(district, client_for, seventh):
    """No need to know that typing a class offers its blanks: the list names the school's classes of
    mentees, and the form asks the class's PDF of the blanks view."""
    mentee(district.school1, "Десятиклассник", class_name="10А")
    mentee(district.school2, "Чужойкласс", class_name="9В")
    listing = reverse("registry:participant_list")
    page = client_for(district.curator1).get(listing)
    offered = page.context["blank_classes"]
    assert offered["classes"] == ["7Б", "8А", "10А"]  # a school's classes, in class order
    assert offered["url"] == url(district.school1)
    html = page.content.decode()
    assert "Бланки согласий класса" in html and 'action="%s"' % url(district.school1) in html
    assert client_for(district.curator1).get(offered["url"], {"class_name": "7Б"})["Content-Type"] == "application/pdf"
    # With a class typed in, the class's own offer replaces the choice.
    assert client_for(district.curator1).get(listing, {"class_name": "7Б"}).context["blank_classes"] is None
    # A municipal curator sees many schools: the classes are offered once the school is chosen.
    municipal = client_for(district.municipal)
    assert municipal.get(listing).context["blank_classes"] is None
    assert municipal.get(listing, {"organisation": district.school2.pk}).context["blank_classes"]["classes"] == [
        "7Б", "9В"]
