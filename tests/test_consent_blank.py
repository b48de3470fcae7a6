"""Printable consent blanks: pre-filled PDFs with embedded Cyrillic fonts, reachable only inside the scope."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registry.models import ConsentPurpose, ConsentText
from registry.pdf import _static_file, _url_fetcher_class, ascii_filename, pdf_response
from tests import factories

FONT_FILE_KEYS = ("/FontFile", "/FontFile2", "/FontFile3")


TODAY = timezone.localdate()


def years_ago(years, days=0):
    return TODAY.replace(year=TODAY.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def participant(district):
    """Смирнова Алёна Игоревна, 15 years old: her blank is hers and her representative's."""
    district.school1.address = "602332, Владимирская область, пос. Красная Горбатка, ул. Школьная, д. 1"
    district.school1.save()
    return factories.ParticipantFactory(
        organisation=district.school1, last_name="Смирнова", first_name="Алёна", patronymic="Игоревна",
        birth_date=years_ago(15, days=40), class_name="9Б",
    )


def blank_url(participant, **query):
    url = reverse("registry:consent_blank", args=[participant.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with WeasyPrint's end-of-line hyphenation undone and spaces collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", text)
    return " ".join(text.split())


def pdf_fonts(pdf: bytes) -> list:
    """Every font dictionary used by the pages, including those inside form XObjects."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}

    def walk(resources):
        resources = resources.get_object() if resources is not None else {}
        for ref in (resources.get("/Font") or {}).values():
            fonts[(ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)] = ref.get_object()
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                walk(xobject["/Resources"])

    for page in reader.pages:
        walk(page.get("/Resources"))
    return list(fonts.values())


def font_descriptor(font):
    if font.get("/Subtype") == "/Type0":  # composite font: the descriptor sits on the descendant
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor.get_object() if descriptor is not None else None


@pytest.mark.parametrize("age, signer, own_words, other_words", [
    (19, "adult", "свободно, своей волей и в своём интересе даю согласие", "законным представителем"),
    (8, "representative", "являясь законным представителем несовершеннолетней Смирновой Алёны Игоревны, {birth} г. р.,",
     "своей волей и в своём интересе"),
    (15, "minor", "с согласия моего законного представителя", "являясь законным представителем"),
], ids=["adult-19", "representative-8", "minor-15"])
def test_blank_is_prefilled_with_the_current_text_for_the_age(district, client_for, participant, age, signer,
                                                              own_words, other_words):
    participant.birth_date = years_ago(age, days=40)
    participant.save()
    birth = f"{participant.birth_date:%d.%m.%Y}"
    response = client_for(district.curator1).get(blank_url(participant))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    text = pdf_text(pdf)
    current = ConsentText.objects.get(purpose=ConsentPurpose.MENTORING, signer=signer, is_current=True)
    assert "Смирнова Алёна Игоревна" in text
    assert birth in text
    assert "9Б" in text
    assert district.school1.full_name in text
    assert "пос. Красная Горбатка, ул. Школьная, д. 1" in text
    assert current.title in text
    assert f"Редакция текста {current.version}" in text
    assert own_words.format(birth=birth) in text
    assert other_words not in text
    assert "«___» ____________ 20___ г." in text
    assert not re.search(r"\{(participant|representative|organisation|address|purpose|minor)(:\w+)?\}", text)
    # The operator in the dative after «даю согласие»: never the nominative pasted into the sentence.
    dative = district.school1.full_name.replace("Муниципальное бюджетное общеобразовательное учреждение",
                                                "Муниципальному бюджетному общеобразовательному учреждению")
    assert f"даю согласие {dative} (далее — оператор; адрес:" in text
    if signer == "representative":
        assert "Я, ______" in text  # the representative's name is written by hand
        assert "подпись несовершеннолетнего" not in text  # under 14 the representative alone signs
    elif signer == "minor":
        assert f"Я, Смирнова Алёна Игоревна, {birth} г. р." in text
        assert "Законный представитель" in text and "Несовершеннолетний" in text
    else:
        assert f"Я, Смирнова Алёна Игоревна, {birth} г. р." in text
        assert "несовершеннолетн" not in text

    fonts = pdf_fonts(pdf)
    assert fonts
    for font in fonts:
        descriptor = font_descriptor(font)
        assert descriptor is not None, f"font {font.get('/BaseFont')} is not embedded"
        assert any(key in descriptor for key in FONT_FILE_KEYS), f"font {font.get('/BaseFont')} is not embedded"
        assert re.search(r"Liberation|DejaVu", str(font.get("/BaseFont"))), font.get("/BaseFont")


def test_blank_follows_purpose_and_the_newest_wording(district, client_for, participant):
    ConsentText.objects.filter(purpose=ConsentPurpose.PUBLICATION, signer="minor").update(is_current=False)
    ConsentText.objects.create(
        purpose=ConsentPurpose.PUBLICATION, signer="minor", version="2026-7", title="Согласие на публикацию",
        body="Я, {participant}, разрешаю {organisation} публиковать снимки {unknown}.\nАдрес: {address}.",
    )

    response = client_for(district.curator1).get(blank_url(participant, purpose="publication"))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Согласие на публикацию" in text
    assert "Редакция текста 2026-7" in text
    assert f"разрешаю {district.school1.full_name} публиковать снимки {{unknown}}." in text


def test_other_organisation_gets_404(roles, participant):
    roles.expect(blank_url(participant))


def test_municipal_curator_of_the_same_municipality_gets_the_blank(district, client_for, participant):
    response = client_for(district.municipal).get(blank_url(participant))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("query", [
    {"purpose": "marketing"},
    {"purpose": "MENTORING"},
    {"purpose": "partner_transfer"},  # the school has two partners: which one the blank names is not said
    {"purpose": "partner_transfer", "partner": "abc"},
    {"purpose": "partner_transfer", "partner": "9" * 30},
    {"purpose": "partner_transfer", "partner": "-1"},
], ids=["unknown-purpose", "purpose-case", "transfer-without-partner", "partner-not-a-number", "partner-huge",
        "partner-negative"])
def test_unknown_purpose_or_partner_is_404(district, client_for, participant, query):
    factories.PartnerFactory(organisation=district.school1, name="ООО «Вектор»")
    factories.PartnerFactory(organisation=district.school1, name="АО «Заря»")
    response = client_for(district.curator1).get(blank_url(participant, **query))
    assert response.status_code == 404


def test_a_partner_of_another_organisation_is_404(roles, participant):
    own = factories.PartnerFactory(organisation=roles.organisation, name="ООО «Свой»")
    other = factories.PartnerFactory(organisation=roles.district.school2, name="ООО «Чужой»")
    roles.expect(blank_url(participant, purpose="partner_transfer", partner=own.pk))
    # The neighbour's partner named in the owner's blank: no one gets it, not even those who see both schools.
    roles.expect(blank_url(participant, purpose="partner_transfer", partner=other.pk), owner=404, municipal=404)


def test_pdf_response_names_the_file_in_cyrillic_with_an_ascii_fallback():
    response = pdf_response(b"%PDF-1.7", "Согласие_Смирнова_АИ.pdf")
    assert response["Content-Disposition"] == (
        'inline; filename="Soglasie_Smirnova_AI.pdf"; '
        "filename*=utf-8''%D0%A1%D0%BE%D0%B3%D0%BB%D0%B0%D1%81%D0%B8%D0%B5_"
        "%D0%A1%D0%BC%D0%B8%D1%80%D0%BD%D0%BE%D0%B2%D0%B0_%D0%90%D0%98.pdf"
    )
    assert response["Content-Length"] == "8"
    assert pdf_response(b"", "report.pdf", inline=False)["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert pdf_response(b"", '../a"b\r\n.pdf')["Content-Disposition"] == 'inline; filename="_a_b_.pdf"'
    assert ascii_filename("Приказ № 15 «О наставничестве».pdf") == "Prikaz_15_O_nastavnichestve_.pdf"


def test_renderer_reads_static_files_only():
    assert _static_file("/static/css/nastavnik.css").is_file()
    assert _static_file("/static/../config/settings.py") is None
    assert _static_file("/media/consents/1/scan.pdf") is None
    fetcher = _url_fetcher_class()()
    for url in ("http://example.com/logo.png", "file:///etc/passwd", "http://nastavnik.invalid/media/x.pdf"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
