"""Registry writes called by views, imports, the demo loader and tests; each takes the actor as ``by=``.
Reads are in ``registry.selectors``."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry import processing
from registry.models import (
    Consent,
    Participant,
    ParticipantImport,
    ProcessingStop,
    Topic,
    User,
)
# registry/demo.py imports the consent wording from here too (a read, kept importable for it).
from registry.selectors import current_consent_text


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


@transaction.atomic
def save_consent(consent: Consent, *, by) -> Consent:
    """A consent built by its form (unsaved), stored; then what its absence suspended resumes."""
    consent.created_by = by
    consent.save()
    consent_recorded(consent, by=by)
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


def create_participant(participant: Participant, *, by) -> Participant:
    """A participant built by its form (unsaved), stored with who entered them."""
    participant.created_by = by
    participant.save()
    return participant


def save_form(form, *, by):
    """A model form's own save, for the pages whose form holds every rule (cards, profiles, settings of
    a year, vocabulary entries, programmes): the one way such an edit reaches the database, so what
    every edit needs is added here once."""
    return form.save()


def toggle_topic(topic: Topic, *, by) -> None:
    """A vocabulary entry hidden from the choices, or shown again; its past uses stay."""
    topic.is_active = not topic.is_active
    topic.save(update_fields=["is_active"])


def start_import(upload: ParticipantImport, *, original_name: str, by) -> ParticipantImport:
    """An uploaded file (built by its form, unsaved) stored as a pending import for the checker."""
    upload.original_name = original_name[:255]
    upload.uploaded_by = by
    upload.status = ParticipantImport.Status.PENDING
    upload.save()
    return upload


# --- the user's own records ----------------------------------------------------------------------------


def mark_notices_read(notices, *, by) -> int:
    """The given notices of ``by`` (a queryset of theirs) marked read now; those already read keep their
    time."""
    return notices.filter(user=by, read_at__isnull=True).update(read_at=timezone.now())


def save_settings(user: User, *, fields, by) -> None:
    """The user's own settings (which letters they receive), only the given fields."""
    user.save(update_fields=list(fields))


def code_generator_to_confirm(*, by) -> TOTPDevice:
    """The unconfirmed code generator being connected by ``by``, made once and shown until confirmed."""
    device, _created = TOTPDevice.objects.get_or_create(user=by, confirmed=False,
                                                        defaults={"name": _("Приложение-генератор кодов")})
    return device


@transaction.atomic
def confirm_code_generator(device: TOTPDevice, *, by) -> None:
    """The new generator replaces any earlier one: one confirmed device per user."""
    TOTPDevice.objects.filter(user=by, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
