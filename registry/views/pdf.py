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
from registry.models import Consent, ConsentPurpose, ConsentText, Organisation, Participant
from registry.models.people import normalise_class_name
from registry.pdf import pdf_response, render_pdf
from registry.scoping import get_visible_or_404, read_only

# What the person fills in by hand where a placeholder has no known value.
HAND_FILLED = "_" * 44

# {name} prints the nominative, {name:datv} another case: «даю согласие {organisation:datv}».
_PLACEHOLDER = re.compile(r"\{(participant|representative|organisation|address|purpose|minor)(?::(%s))?\}"
                          % "|".join(grammar.CASES))

_FILENAME_SIGNER = {ConsentText.Signer.ADULT: "совершеннолетний", ConsentText.Signer.REPRESENTATIVE: "представитель"}

# A class's blanks are rendered while the user waits: a class is a few dozen people, never hundreds.
MAX_CLASS_BLANKS = 60


def blank_signer(participant: Participant) -> str:
    """The blank a person needs: a minor's is signed by the legal representative."""
    if participant.is_minor_on(timezone.localdate()):
        return ConsentText.Signer.REPRESENTATIVE
    return ConsentText.Signer.ADULT


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
    return [paragraph.strip() for paragraph in filled.splitlines() if paragraph.strip()]


def minor_word(gender: str, case: str) -> str:
    """«несовершеннолетней» for a girl, «несовершеннолетнего» for a boy, both when the name cannot tell."""
    if gender:
        return grammar.agree("несовершеннолетний", gender, case)
    return f"{grammar.agree('несовершеннолетний', grammar.MALE, case)} ({grammar.agree('несовершеннолетний', grammar.FEMALE, case)})"


def consent_blank_context(participant: Participant, text: ConsentText) -> dict:
    organisation = participant.organisation
    birth = f", {participant.birth_date:%d.%m.%Y} г. р." if participant.birth_date else ""
    gender = grammar.Person.of(participant).resolved_gender
    purpose_label = str(ConsentPurpose(text.purpose).label)
    values = {
        "participant": lambda case: grammar.person_in(participant, case) + birth,
        "representative": HAND_FILLED,
        "organisation": organisation.name_in,
        "address": organisation.address or HAND_FILLED,
        "purpose": purpose_label[:1].lower() + purpose_label[1:],
        "minor": lambda case: minor_word(gender, case),
    }
    return {
        "participant": participant,
        "organisation": organisation,
        "text": text,
        "paragraphs": fill_consent_text(text.body, values),
        "is_representative": text.signer == ConsentText.Signer.REPRESENTATIVE,
        "is_student": participant.category == Participant.Category.STUDENT,
        "purpose_label": purpose_label,
        "relations": [str(label).lower() for label in Consent.Relation.labels],
        "generated_on": timezone.localdate(),
    }


@read_only
def consent_blank(request, pk, signer):
    """A pre-filled consent blank to print, sign by hand and upload back as a scan."""
    if signer not in ConsentText.Signer.values:
        raise Http404
    purpose = request.GET.get("purpose", ConsentPurpose.MENTORING)
    if purpose not in ConsentPurpose.values:
        raise Http404
    participant = get_visible_or_404(Participant.objects.select_related("organisation"), request, pk=pk)
    text = ConsentText.objects.filter(purpose=purpose, signer=signer, is_current=True).first()
    if text is None:
        raise Http404
    pdf = render_pdf("registry/pdf/consent_blank.html", consent_blank_context(participant, text), request=request)
    initials = "".join(part[0] for part in (participant.first_name, participant.patronymic) if part)
    filename = f"Согласие_{participant.last_name}_{initials}_{_FILENAME_SIGNER[signer]}"
    if purpose != ConsentPurpose.MENTORING:
        filename += f"_{purpose}"
    return pdf_response(pdf, f"{filename}.pdf")


def class_mentees(organisation: Organisation, class_name: str, *, purpose: str = ConsentPurpose.MENTORING,
                  missing_only: bool = False):
    """The mentees of a class (not archived), by name; ``missing_only``: those without a valid consent
    for ``purpose`` today."""
    people = Participant.objects.filter(organisation=organisation, class_name=class_name, is_archived=False,
                                        mentee_profile__isnull=False, anonymised_at__isnull=True)
    if missing_only:
        valid = Consent.objects.valid_on(timezone.localdate()).filter(purpose=purpose).values("participant_id")
        people = people.exclude(pk__in=valid)
    return people.select_related("organisation").order_by("last_name", "first_name", "patronymic", "pk")


@read_only
def class_consent_blanks(request, pk):
    """One PDF with a pre-filled consent blank for every mentee of a class of the organisation
    (``?class_name=7Б``), each for the signer that person needs; ``?missing=1``: only those without a
    valid consent. Recorded in the export log, as a download of many people's data."""
    organisation = get_visible_or_404(Organisation.objects.select_related("municipality"), request, pk=pk)
    class_name = normalise_class_name(search_param(request.GET, "class_name"))
    purpose = request.GET.get("purpose", ConsentPurpose.MENTORING)
    if not class_name or purpose not in ConsentPurpose.values:
        raise Http404
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
    texts = {text.signer: text for text in ConsentText.objects.filter(purpose=purpose, is_current=True)}
    blanks = [consent_blank_context(person, texts[blank_signer(person)]) for person in people
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
