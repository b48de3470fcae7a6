"""Registry workflows called by views, imports, the demo loader and tests."""

import datetime

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from registry import processing
from registry.models import Consent, ConsentText, Participant, ProcessingStop
from registry.models.consents import text_signer


def current_consent_text(*, purpose: str, signed_by: str) -> ConsentText | None:
    return ConsentText.objects.filter(purpose=purpose, signer=text_signer(signed_by), is_current=True).first()


@transaction.atomic
def record_consent(*, participant: Participant, by=None, **fields) -> Consent:
    """Validate and store a signed consent; the wording is the current version unless given."""
    consent = Consent(participant=participant, created_by=by, **fields)
    if not consent.text_id:
        consent.text = current_consent_text(purpose=consent.purpose, signed_by=consent.signed_by)
    consent.full_clean()
    consent.save()
    # A new valid consent resumes what its lapse suspended.
    processing.reconcile(participant, purpose=consent.purpose, by=by)
    return consent


def consent_recorded(consent: Consent, *, by=None) -> None:
    """After a consent was stored by a form: resume what its absence suspended."""
    processing.reconcile(consent.participant, purpose=consent.purpose, by=by)


@transaction.atomic
def revoke_consent(consent: Consent, *, on: datetime.date, reason: str, mode: str = ProcessingStop.Mode.SUSPEND,
                   by=None) -> ProcessingStop | None:
    """Revocation (152-ФЗ art. 9 ч. 2): the consent stops, and so does the processing it allowed."""
    consent.revoke(on=on, reason=reason, by=by)
    return processing.reconcile(consent.participant, purpose=consent.purpose, mode=mode, by=by)


@transaction.atomic
def archive_participant(participant: Participant, *, reason: str, mode: str = ProcessingStop.Mode.SUSPEND,
                        by=None) -> list[ProcessingStop]:
    """A person who left: archived, and every processing of their data stopped."""
    participant.archive(reason=reason)
    return processing.reconcile_all_purposes(participant, mode=mode, by=by)


@transaction.atomic
def restore_participant(participant: Participant, *, by=None) -> None:
    participant.restore()
    processing.reconcile_all_purposes(participant, by=by)


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

