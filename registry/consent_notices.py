"""The daily check of consents about to expire: the school's curators are told once per consent.

A consent counts when it ends within ``EXPIRING_WITHIN`` days, is not revoked, belongs to a person still
in the registry (not archived, not destroyed) and no later consent of the same person for the same
purpose outlasts it (a new one already collected needs no reminder). The key holds the consent and its
end date: a consent whose term is extended and then nears its new end is reminded again, a second run of
the check the same day or the next records nothing.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Consent, Notification
from registry.notifications import Notice, holders_by_organisation, record
from registry.scoping import Role

EXPIRING_WITHIN = datetime.timedelta(days=30)


def expiring_consents(today: datetime.date):
    later = Consent.objects.filter(
        participant_id=OuterRef("participant_id"), purpose=OuterRef("purpose"), revoked_on__isnull=True,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until"))).exclude(pk=OuterRef("pk"))
    return (
        Consent.objects.filter(valid_until__gte=today, valid_until__lte=today + EXPIRING_WITHIN,
                               signed_on__lte=today, participant__is_archived=False,
                               participant__anonymised_at__isnull=True)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .exclude(Exists(later))
        .select_related("participant__organisation")
        .order_by("valid_until", "pk")
    )


def notice_text(consent: Consent) -> str:
    person = consent.participant.get_category_display().lower()
    if consent.participant.class_name:
        person = f"{person}, {consent.participant.class_name}"
    return _("Согласие на обработку персональных данных (%(purpose)s) участника (%(person)s) в %(organisation)s "
             "действует до %(date)s: соберите новое, пока срок не истёк.") % {
        "purpose": consent.get_purpose_display().lower(), "person": person,
        "organisation": consent.participant.organisation.short_name,
        "date": consent.valid_until.strftime("%d.%m.%Y")}


def notify_expiring_consents(today: datetime.date | None = None) -> int:
    """Tell each organisation's curators of its consents ending within 30 days; returns the new notices."""
    today = today or timezone.localdate()
    consents = list(expiring_consents(today))
    curators = holders_by_organisation(Role.SCHOOL_CURATOR, {c.participant.organisation_id for c in consents},
                                       today)
    notices = [
        Notice(user_id=user_id, kind=Notification.Kind.CONSENT_EXPIRING, text=notice_text(consent),
               url=consent.get_absolute_url(),
               key=f"consent-expiring:{consent.pk}:{consent.valid_until.isoformat()}")
        for consent in consents for user_id in curators.get(consent.participant.organisation_id, ())
    ]
    return record(notices)
