"""Printable PDF documents of the registry."""

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from registry import audit, grammar
from registry.listing import search_param
from registry.models import Consent, ConsentPurpose, ConsentText, Organisation, Participant, Partner
from registry.models.consents import signer_by_age, text_signer
from registry.models.people import normalise_class_name
from registry.pdf import pdf_response, render_pdf
from registry.scoping import get_visible_or_404, read_only
from registry.typography import tie
from registry.selectors import (
    class_mentees,
    current_blank_text,
    current_blank_texts,
    organisation_partners,
    transfer_recipients,
)

# What the person fills in by hand where a placeholder has no known value.
HAND_FILLED = "_" * 44

# {name} prints the nominative, {name:datv} another case: «даю согласие {organisation:datv}».
_PLACEHOLDER = re.compile(r"\{(participant|representative|organisation|address|purpose|minor|requisites|website|"
                          r"authority|partner)(?::(%s))?\}" % "|".join(grammar.CASES))

_FILENAME_SIGNER = {ConsentText.Signer.ADULT: "совершеннолетний", ConsentText.Signer.REPRESENTATIVE: "представитель",
                    ConsentText.Signer.MINOR: "с_14_лет"}

# A class's blanks are rendered while the user waits: a class is a few dozen people, never hundreds.
MAX_CLASS_BLANKS = 60


def blank_signer(participant: Participant, on=None) -> str:
    """The blank a person needs on ``on`` (today): the age rule is ``signer_by_age``; a student without a
    birth date gets the representative's blank, the one that can never be wrong for a child."""
    signed_by = signer_by_age(participant.birth_date, on or timezone.localdate(),
                              is_student=participant.category == Participant.Category.STUDENT)
    return text_signer(signed_by or Consent.SignedBy.REPRESENTATIVE)


def fill_consent_text(body: str, values: dict) -> list[str]:
    """The consent wording with its placeholders filled, as paragraphs.

    A value is a string (the same in every case) or a function of the case. Only the documented
    placeholders are replaced, so any other brace in an edited wording is printed as it is instead
    of breaking ``str.format``.
    """
    def value(match) -> str:
        filled = values[match[1]]
        return filled(match[2] or "nomn") if callable(filled) else filled

    filled = _PLACEHOLDER.sub(value, body)
    # Tied like the orders: a line of the blank never ends in «№», «ст.» or the address's «п.».
    return [tie(paragraph.strip()) for paragraph in filled.splitlines() if paragraph.strip()]


def minor_word(gender: str, case: str) -> str:
    """«несовершеннолетней» for a girl, «несовершеннолетнего» for a boy, both when the name cannot tell."""
    if gender:
        return grammar.agree("несовершеннолетний", gender, case)
    return f"{grammar.agree('несовершеннолетний', grammar.MALE, case)} ({grammar.agree('несовершеннолетний', grammar.FEMALE, case)})"


def partner_words(partner: Partner | None) -> str:
    """The recipient as the consent names it: «ООО «Вектор» (адрес: …; соглашение № 7 от 01.09.2025)»."""
    if partner is None:
        return HAND_FILLED
    details = [f"адрес: {partner.address or HAND_FILLED}"]
    if partner.has_agreement:
        details.append(f"соглашение {grammar.reference(partner.agreement_date, partner.agreement_number)}")
    return f"{partner.name} ({'; '.join(details)})"


def requisites(organisation: Organisation) -> str:
    return f"ИНН {organisation.inn or '____________'}, ОГРН {organisation.ogrn or '_______________'}"


def consent_blank_context(participant: Participant, text: ConsentText, partner: Partner | None = None) -> dict:
    organisation = participant.organisation
    birth = f", {participant.birth_date:%d.%m.%Y} г. р." if participant.birth_date else ""
    gender = grammar.Person.of(participant).resolved_gender
    purpose_label = str(ConsentPurpose(text.purpose).label)
    municipality = organisation.municipality
    values = {
        "participant": lambda case: grammar.person_in(participant, case) + birth,
        "representative": HAND_FILLED,
        "organisation": organisation.name_in,
        "address": organisation.address or HAND_FILLED,
        "purpose": purpose_label[:1].lower() + purpose_label[1:],
        "minor": lambda case: minor_word(gender, case),
        "requisites": requisites(organisation),
        "website": organisation.website or "_" * 30,
        "authority": municipality.education_authority or municipality.name,
        "partner": partner_words(partner),
    }
    return {
        "participant": participant,
        "organisation": organisation,
        "text": text,
        "paragraphs": fill_consent_text(text.body, values),
        "is_representative": text.signer == ConsentText.Signer.REPRESENTATIVE,
        "is_minor_with_representative": text.signer == ConsentText.Signer.MINOR,
        "is_student": participant.category == Participant.Category.STUDENT,
        # Art. 10.1 (Roskomnadzor order № 18) wants the subject's contact details; the demand that stops
        # the publication is answered there.
        "needs_contact": text.purpose == ConsentPurpose.PUBLICATION,
        "purpose_label": purpose_label,
        "relations": [str(label).lower() for label in Consent.Relation.labels],
        "generated_on": timezone.localdate(),
    }


def _purpose_and_partner(request, organisation: Organisation) -> tuple[str, Partner | None]:
    """``?purpose=`` and, for a transfer, ``?partner=``: the recipient the consent names (one of the
    organisation's partners; its only partner when none is asked for)."""
    purpose = request.GET.get("purpose", ConsentPurpose.MENTORING)
    if purpose not in ConsentPurpose.values:
        raise Http404
    if purpose != ConsentPurpose.PARTNER_TRANSFER:
        return purpose, None
    wanted = request.GET.get("partner", "")
    if wanted and (not wanted.isdigit() or len(wanted) > 12):
        raise Http404
    found = transfer_recipients(organisation, partner_id=int(wanted) if wanted else None)
    if len(found) != 1:
        raise Http404  # a transfer consent names its recipient: never a blank without one
    return purpose, found[0]


def consent_blank_links(participant: Participant) -> list[tuple[str, str]]:
    """(label, url) of the blanks a person's page offers: one per purpose, and a transfer blank per partner
    of the organisation, since a transfer consent names its recipient."""
    url = reverse("registry:consent_blank", args=[participant.pk])
    links = [(str(ConsentPurpose.MENTORING.label), url),
             (str(ConsentPurpose.PUBLICATION.label), f"{url}?{urlencode({'purpose': ConsentPurpose.PUBLICATION})}")]
    for partner in organisation_partners(participant.organisation_id):
        query = urlencode({"purpose": ConsentPurpose.PARTNER_TRANSFER, "partner": partner.pk})
        links.append((_("Передача сведений: %(partner)s") % {"partner": partner.name}, f"{url}?{query}"))
    return links


@read_only
def consent_blank(request, pk):
    """A pre-filled consent blank to print, sign by hand and upload back as a scan; who signs it follows
    the person's age today (``blank_signer``)."""
    participant = get_visible_or_404(Participant.objects.select_related("organisation__municipality"), request, pk=pk)
    purpose, partner = _purpose_and_partner(request, participant.organisation)
    signer = blank_signer(participant)
    text = current_blank_text(purpose=purpose, signer=signer)
    if text is None:
        raise Http404
    pdf = render_pdf("registry/pdf/consent_blank.html", consent_blank_context(participant, text, partner),
                     request=request)
    filename = f"Согласие_{grammar.Person.of(participant).in_filename}_{_FILENAME_SIGNER[signer]}"
    if purpose != ConsentPurpose.MENTORING:
        filename += f"_{purpose}"
    return pdf_response(pdf, f"{filename}.pdf")


@read_only
def class_consent_blanks(request, pk):
    """One PDF with a pre-filled consent blank for every mentee of a class of the organisation
    (``?class_name=7Б``), each for the signer that person needs; ``?missing=1``: only those without a
    valid consent. Recorded in the export log, as a download of many people's data."""
    organisation = get_visible_or_404(Organisation.objects.select_related("municipality"), request, pk=pk)
    class_name = normalise_class_name(search_param(request.GET, "class_name"))
    if not class_name:
        raise Http404
    purpose, partner = _purpose_and_partner(request, organisation)
    missing_only = request.GET.get("missing") == "1"
    people = list(class_mentees(organisation, class_name, purpose=purpose, missing_only=missing_only)
                  [:MAX_CLASS_BLANKS + 1])
    back = redirect(f"{reverse('registry:participant_list')}?{urlencode({'role': 'mentee', 'class_name': class_name})}")
    if not people:
        messages.info(request, _("В классе %(name)s нет наставляемых, которым нужен бланк.") % {"name": class_name})
        return back
    if len(people) > MAX_CLASS_BLANKS:
        messages.error(request, _("В классе %(name)s больше %(max)s наставляемых: бланки печатаются по классам "
                                  "до %(max)s человек.") % {"name": class_name, "max": MAX_CLASS_BLANKS})
        return back
    texts = current_blank_texts(purpose=purpose)
    blanks = [consent_blank_context(person, texts[blank_signer(person)], partner) for person in people
              if blank_signer(person) in texts]
    if not blanks:
        raise Http404
    pdf = render_pdf("registry/pdf/consent_blanks.html", {
        "blanks": blanks, "organisation": organisation, "class_name": class_name,
        "generated_on": timezone.localdate(),
    }, request=request)
    audit.record_export(title=_("Бланки согласий: %(org)s, класс %(name)s") % {
        "org": organisation.short_name, "name": class_name}, rows=len(blanks), scope=request.scope,
        organisation_id=organisation.pk)
    filename = f"Согласия_{class_name}"
    if purpose != ConsentPurpose.MENTORING:
        filename += f"_{purpose}"
    return pdf_response(pdf, f"{filename}.pdf")
