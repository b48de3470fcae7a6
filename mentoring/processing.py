"""What mentoring stops when a person's data may no longer be processed, and resumes when it may.

Receivers of ``registry.signals.processing_stopped`` / ``processing_resumed`` (sent by
``registry.processing.reconcile``, the one service): the person's open memberships (as a mentee) and
mentor links are suspended — the place is kept, nothing new is done — or ended with the reason; a pair
whose mentor or every current mentee is suspended is itself ``SUSPENDED`` and returns to the status it
had when it resumes; proposals of «Подобрать пары» with the person are withdrawn. Each receiver
returns Russian sentences saying what it did, for the person's page.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext as _

from mentoring.models import Meeting, Membership, MentorLink, Pair, PlanItem, Support
from registry import audit
from registry.models import ConsentPurpose, ProcessingStop
from registry.signals import (
    announce_change,
    personal_data_destroyed,
    processing_involved,
    processing_resumed,
    processing_stopped,
)


def refresh_pairs(pair_ids, *, on: datetime.date, reason: str = "") -> list[str]:
    """Set each pair's status from its people: suspended while its mentor or all its current mentees
    are; back to the status it had once they are not; ended when no mentee is left."""
    effects = []
    pairs = (Pair.objects.filter(pk__in=list(pair_ids), status__in=Pair.HOLDING_STATUSES)
             .select_related("programme").prefetch_related("mentor_links", "memberships"))
    for pair in pairs:
        link = next((x for x in pair.mentor_links.all() if x.ended_on is None), None)
        members = [m for m in pair.memberships.all() if m.left_on is None]
        before = (pair.status, pair.suspension_reason)
        if not members or link is None:
            pair.status, pair.ended_on = Pair.Status.ENDED_EARLY, on
            pair.end_reason = reason or _("участие прекращено: обработка персональных данных остановлена")
            pair.suspension_reason = ""
            effects.append(_("Пара № %(pk)s прекращена досрочно.") % {"pk": pair.pk})
        else:
            reasons = ([link.suspension_reason] if link.suspended_on else []) + [
                m.suspension_reason for m in members if m.suspended_on]
            blocked = link.suspended_on is not None or all(m.suspended_on for m in members)
            if blocked and pair.status != Pair.Status.SUSPENDED:
                pair.status_before_suspension, pair.status = pair.status, Pair.Status.SUSPENDED
                effects.append(_("Пара № %(pk)s приостановлена до нового согласия.") % {"pk": pair.pk})
            elif not blocked and pair.status == Pair.Status.SUSPENDED:
                pair.status = pair.status_before_suspension or Pair.Status.FORMING
                pair.status_before_suspension = ""
                effects.append(_("Пара № %(pk)s возобновила работу.") % {"pk": pair.pk})
            pair.suspension_reason = "; ".join(dict.fromkeys(r for r in reasons if r))[:500]
        if (pair.status, pair.suspension_reason) != before:
            pair.save(update_fields=["status", "status_before_suspension", "suspension_reason", "ended_on",
                                     "end_reason"])
            announce_change(Pair, pair.programme.organisation_id)
    return effects


def _stop(participant, *, mode: str, reason: str, on: datetime.date) -> list[str]:
    effects = []
    touched = set()
    memberships = list(Membership.objects.filter(
        mentee__participant=participant, left_on__isnull=True, pair__status__in=Pair.HOLDING_STATUSES))
    links = list(MentorLink.objects.filter(
        mentor__participant=participant, ended_on__isnull=True, pair__status__in=Pair.HOLDING_STATUSES))
    for membership in memberships:
        touched.add(membership.pair_id)
        if mode == ProcessingStop.Mode.END:
            membership.left_on, membership.leave_reason = max(on, membership.joined_on), reason[:300]
            membership.suspended_on, membership.suspension_reason = None, ""
            effects.append(_("Пара № %(pk)s: участие наставляемого прекращено.") % {"pk": membership.pair_id})
        elif membership.suspended_on is None:
            membership.suspended_on, membership.suspension_reason = on, reason[:500]
            effects.append(_("Пара № %(pk)s: участие наставляемого приостановлено.") % {"pk": membership.pair_id})
        membership.save(update_fields=["left_on", "leave_reason", "suspended_on", "suspension_reason"])
    for link in links:
        touched.add(link.pair_id)
        if mode == ProcessingStop.Mode.END:
            link.ended_on, link.end_reason = max(on, link.started_on), reason[:300]
            link.suspended_on, link.suspension_reason = None, ""
            effects.append(_("Пара № %(pk)s: наставник выбыл.") % {"pk": link.pair_id})
        elif link.suspended_on is None:
            link.suspended_on, link.suspension_reason = on, reason[:500]
            effects.append(_("Пара № %(pk)s: работа наставника приостановлена.") % {"pk": link.pair_id})
        link.save(update_fields=["ended_on", "end_reason", "suspended_on", "suspension_reason"])
    effects += refresh_pairs(touched, on=on, reason=reason)
    # Proposals hold nothing: the person simply leaves the matching pool.
    proposals = Pair.objects.filter(status=Pair.Status.PROPOSED).filter(
        Q(mentor_links__mentor__participant=participant) | Q(memberships__mentee__participant=participant)
    ).distinct()
    for pair in proposals.select_related("programme"):
        pair_pk, organisation_id = pair.pk, pair.programme.organisation_id
        Pair.objects.filter(pk=pair_pk, status=Pair.Status.PROPOSED).update(status=Pair.Status.REJECTED)
        audit.record_update(pair, {"status": [Pair.Status.PROPOSED, Pair.Status.REJECTED]})
        announce_change(Pair, organisation_id)
        effects.append(_("Предложение подбора № %(pk)s снято.") % {"pk": pair_pk})
    return effects


def _resume(participant, *, on: datetime.date) -> list[str]:
    effects = []
    touched = set()
    for membership in Membership.objects.filter(mentee__participant=participant, left_on__isnull=True,
                                                suspended_on__isnull=False):
        touched.add(membership.pair_id)
        membership.suspended_on, membership.suspension_reason = None, ""
        membership.save(update_fields=["suspended_on", "suspension_reason"])
        effects.append(_("Пара № %(pk)s: участие наставляемого возобновлено.") % {"pk": membership.pair_id})
    for link in MentorLink.objects.filter(mentor__participant=participant, ended_on__isnull=True,
                                          suspended_on__isnull=False):
        touched.add(link.pair_id)
        link.suspended_on, link.suspension_reason = None, ""
        link.save(update_fields=["suspended_on", "suspension_reason"])
        effects.append(_("Пара № %(pk)s: работа наставника возобновлена.") % {"pk": link.pair_id})
    return effects + refresh_pairs(touched, on=on)


@receiver(processing_stopped, dispatch_uid="mentoring.processing.stop")
def on_processing_stopped(sender, *, participant, purpose, mode, reason, on, **kwargs):
    if purpose != ConsentPurpose.MENTORING:
        return []
    return _stop(participant, mode=mode, reason=reason, on=on)


@receiver(processing_involved, dispatch_uid="mentoring.processing.involved")
def on_processing_involved(sender, *, participant_ids, purpose, **kwargs) -> set[int]:
    """Who of ``participant_ids`` ``_stop`` would touch: open places in holding pairs, or proposals."""
    if purpose != ConsentPurpose.MENTORING:
        return set()
    ids = list(participant_ids)
    mentees = Membership.objects.filter(mentee__participant_id__in=ids).filter(
        Q(left_on__isnull=True, pair__status__in=Pair.HOLDING_STATUSES) | Q(pair__status=Pair.Status.PROPOSED))
    mentors = MentorLink.objects.filter(mentor__participant_id__in=ids).filter(
        Q(ended_on__isnull=True, pair__status__in=Pair.HOLDING_STATUSES) | Q(pair__status=Pair.Status.PROPOSED))
    return (set(mentees.values_list("mentee__participant_id", flat=True))
            | set(mentors.values_list("mentor__participant_id", flat=True)))


@receiver(processing_resumed, dispatch_uid="mentoring.processing.resume")
def on_processing_resumed(sender, *, participant, purpose, on, **kwargs):
    if purpose != ConsentPurpose.MENTORING:
        return []
    return _resume(participant, on=on)


@receiver(personal_data_destroyed, dispatch_uid="mentoring.processing.destroyed")
def on_personal_data_destroyed(sender, *, participant, **kwargs):
    """Erase the texts mentoring holds about a destroyed person; the pairs, dates and statuses stay."""
    categories = []
    memberships = Membership.objects.filter(mentee__participant=participant)
    links = MentorLink.objects.filter(mentor__participant=participant)
    pair_ids = set(memberships.values_list("pair_id", flat=True)) | set(links.values_list("pair_id", flat=True))
    # A pair's own texts speak of its mentee: erased when the person was its mentor or its only mentee.
    alone = {pk for pk in memberships.values_list("pair_id", flat=True)
             if not Membership.objects.filter(pair_id=pk).exclude(mentee__participant=participant).exists()}
    own_pairs = alone | set(links.values_list("pair_id", flat=True))
    items = PlanItem.objects.filter(membership__in=memberships)
    if items.exists():
        categories.append(_("индивидуальный план развития (цели, мероприятия, подтверждения выполнения)"))
        audit.scrub(PlanItem, list(items.values_list("pk", flat=True)))
        items.update(goal="—", action="—", evidence="")
    memberships.update(leave_reason="", suspension_reason="")
    links.update(end_reason="", suspension_reason="")
    meetings = Meeting.objects.filter(pair_id__in=pair_ids)
    if meetings.exists():
        categories.append(_("записи о встречах и отзывы"))
        audit.scrub(Meeting, list(meetings.values_list("pk", flat=True)))
        meetings.filter(pair_id__in=own_pairs).update(note="", mentor_feedback="", mentee_feedback="")
        meetings.filter(pair__memberships__mentee__participant=participant).update(mentee_feedback="")
        meetings.filter(pair__mentor_links__mentor__participant=participant).update(mentor_feedback="")
    supports = Support.objects.filter(mentee__participant=participant)
    if supports.exists():
        # That support was given, of what kind, when and by whom stays; the note about the child goes.
        categories.append(_("заметки о сопровождении без пары"))
        audit.scrub(Support, list(supports.values_list("pk", flat=True)))
        supports.update(note="")
    pairs = Pair.objects.filter(pk__in=own_pairs)
    if pairs.exclude(results="", reflection="", best_practice="").exists():
        categories.append(_("результаты и рефлексия работы в паре"))
    audit.scrub(Pair, list(own_pairs))
    pairs.update(results="", reflection="", best_practice="", end_reason="", suspension_reason="")
    return categories
