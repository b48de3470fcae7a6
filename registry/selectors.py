"""Registry reads the views, imports and pages call: consent texts, the home page's and the
organisations' figures, the gaps a curator has to close."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from registry.models import AcademicYear, Consent, ConsentText, Participant
from registry.models.consents import text_signer


def current_consent_text(*, purpose: str, signed_by: str) -> ConsentText | None:
    return ConsentText.objects.filter(purpose=purpose, signer=text_signer(signed_by), is_current=True).first()



def participants_lacking_consent(queryset, *, on: datetime.date | None = None):
    """Current participants without a valid consent to take part in mentoring on ``on``."""
    return queryset.current().with_consent_state(on).filter(has_valid_consent=False)


def organisation_summaries(organisations, *, on: datetime.date | None = None):
    """Per organisation: participants, mentors, mentees, with a valid consent — one query in all."""
    on = on or timezone.localdate()
    current = Q(participants__is_archived=False)
    valid_consent = Exists(
        Consent.objects.valid_on(on).filter(participant=OuterRef("participants"), purpose=Consent.Purpose.MENTORING)
    )
    return organisations.annotate(
        participant_count=Count("participants", filter=current, distinct=True),
        mentor_count=Count("participants", filter=current & Q(participants__mentor_profile__isnull=False), distinct=True),
        mentee_count=Count("participants", filter=current & Q(participants__mentee_profile__isnull=False), distinct=True),
        consent_count=Count("participants", filter=current & Q(valid_consent), distinct=True),
    )


def registry_counts(participants, *, on: datetime.date | None = None) -> dict:
    """The home page's figures over a (scoped) participant queryset, in one query."""
    on = on or timezone.localdate()
    valid_consent = Exists(
        Consent.objects.valid_on(on).filter(participant=OuterRef("pk"), purpose=Consent.Purpose.MENTORING)
    )
    current = participants.current()
    counts = current.aggregate(
        total=Count("pk"),
        mentors=Count("pk", filter=Q(mentor_profile__isnull=False)),
        mentees=Count("pk", filter=Q(mentee_profile__isnull=False)),
        with_consent=Count("pk", filter=Q(valid_consent)),
    )
    counts["without_consent"] = counts["total"] - counts["with_consent"]
    counts["consent_percent"] = round(100 * counts["with_consent"] / counts["total"]) if counts["total"] else 0
    return counts


def mentors_lacking_certificate(mentor_profiles):
    """Outside mentors (parents, graduates, employers, partners' staff) without the certificate on file."""
    outside = Q(participant__category__in=Participant.OUTSIDE_CATEGORIES) | Q(partner__isnull=False)
    missing = Q(certificate_date__isnull=True) | Q(certificate_file="")
    return mentor_profiles.filter(participant__is_archived=False).filter(outside & missing)



def academic_years():
    """The years a page offers to switch to, newest first."""
    return AcademicYear.objects.order_by("-start_year")
