"""Printable PDF documents of the registry."""

import re

from django.http import Http404
from django.utils import timezone

from registry.models import Consent, ConsentPurpose, ConsentText, Participant
from registry.pdf import pdf_response, render_pdf
from registry.scoping import get_visible_or_404, read_only

# What the person fills in by hand where a placeholder has no known value.
HAND_FILLED = "_" * 44

_PLACEHOLDER = re.compile(r"\{(participant|representative|organisation|address|purpose)\}")

_FILENAME_SIGNER = {ConsentText.Signer.ADULT: "совершеннолетний", ConsentText.Signer.REPRESENTATIVE: "представитель"}


def fill_consent_text(body: str, values: dict[str, str]) -> list[str]:
    """The consent wording with its placeholders filled, as paragraphs.

    Only the documented placeholders are replaced, so any other brace in an edited wording is
    printed as it is instead of breaking ``str.format``.
    """
    filled = _PLACEHOLDER.sub(lambda match: values[match[1]], body)
    return [paragraph.strip() for paragraph in filled.splitlines() if paragraph.strip()]


def consent_blank_context(participant: Participant, text: ConsentText) -> dict:
    organisation = participant.organisation
    person = participant.full_name
    if participant.birth_date:
        person = f"{person}, {participant.birth_date:%d.%m.%Y} г. р."
    purpose_label = str(ConsentPurpose(text.purpose).label)
    values = {
        "participant": person,
        "representative": HAND_FILLED,
        "organisation": organisation.full_name or organisation.short_name,
        "address": organisation.address or HAND_FILLED,
        "purpose": purpose_label[:1].lower() + purpose_label[1:],
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
