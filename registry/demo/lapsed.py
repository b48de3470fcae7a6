"""The last registry steps: what the daily tasks would have done by now — processing stopped for
lapsed consents (900) and the curators' notices of consents about to end (950)."""

from __future__ import annotations

import datetime

from registry.demo.context import DemoContext, demo_step
from registry.models import (
    Consent,
    ConsentPurpose,
    Participant,
)

C = Participant.Category


@demo_step(order=900)
def stop_lapsed_processing(ctx: DemoContext) -> None:
    """Consents revoked or expired in the demo stop their processing, as the daily task would; and one
    paired mentee of the first school has just had a consent revoked, so the suspended pair, the person's
    page and the destruction list show what happens then."""
    from registry import processing
    from registry.models import ProcessingStop

    first = ctx.organisations[0]
    if not ProcessingStop.objects.filter(participant__organisation=first, cause=ProcessingStop.Cause.REVOKED,
                                         purpose=ConsentPurpose.MENTORING).exists():
        # A mentee in an open pair (the mentoring app's memberships, reached without importing it).
        consent = (Consent.objects.filter(participant__organisation=first, purpose=ConsentPurpose.MENTORING,
                                          revoked_on__isnull=True, participant__is_archived=False,
                                          participant__mentee_profile__memberships__left_on__isnull=True,
                                          participant__mentee_profile__memberships__pair__status="active")
                   .order_by("participant__last_name", "pk").first())
        if consent is not None:
            on = ctx.today - datetime.timedelta(days=10)
            consent.revoke(on=max(on, consent.signed_on), reason="заявление законного представителя")
            processing.reconcile(consent.participant)
    ctx.created["остановок обработки данных"] += processing.reconcile_lapsed(on=ctx.today)


@demo_step(order=950)
def consent_notices(ctx: DemoContext) -> None:
    """The curators' notices of consents ending within 30 days, as the daily check would make them (the
    apps' steps add theirs: quiet pairs, overdue roadmap items). Two consents of the first school end
    this month, so its curator has something to renew."""
    from registry.consent_notices import notify_expiring_consents

    first = ctx.organisations[0]
    if first.pk in ctx.populated_organisation_ids:
        ending = (Consent.objects.valid_on(ctx.today)
                  .filter(participant__organisation=first, participant__is_archived=False,
                          participant__category=C.TEACHER, purpose=ConsentPurpose.MENTORING)
                  .order_by("participant__last_name", "pk")[:2])
        for consent, days in zip(ending, (12, 26)):
            Consent.objects.filter(pk=consent.pk).update(valid_until=ctx.today + datetime.timedelta(days=days))
    ctx.created["уведомлений"] += notify_expiring_consents(ctx.today)
