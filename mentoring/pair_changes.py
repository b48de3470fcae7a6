"""Forming, confirming and changing pairs and groups under the target model's rules
(``mentoring.pair_rules``), each change with the actor as ``by=``; the views call these through
``mentoring.services``."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import Membership, MentorLink, Pair, Programme
from mentoring.pair_rules import PairRuleError, check_pair, lock_people
from mentoring.processing import refresh_pairs
from registry import audit
from registry.models import MenteeProfile, MentorProfile
from registry.processing import require_processing
from registry.signals import announce_change



@transaction.atomic
def form_pair(
    *,
    programme: Programme,
    mentor: MentorProfile,
    mentees: list[MenteeProfile],
    started_on: datetime.date,
    planned_end_on: datetime.date | None = None,
    by=None,
) -> Pair:
    """A pair or group formed by the curator by hand."""
    lock_people(mentor, mentees)
    check_pair(programme=programme, mentor=mentor, mentees=mentees, on=started_on)
    pair = Pair.objects.create(
        programme=programme, status=Pair.Status.FORMING, started_on=started_on,
        planned_end_on=planned_end_on or programme.ends_on, created_by=by,
    )
    MentorLink.objects.create(pair=pair, mentor=mentor, started_on=started_on)
    Membership.objects.bulk_create(Membership(pair=pair, mentee=m, joined_on=started_on) for m in mentees)
    announce_change(Membership, programme.organisation_id)
    return pair


@transaction.atomic
def confirm_proposal(pair: Pair, *, started_on: datetime.date | None = None, by=None) -> Pair:
    """The curator accepts a pair proposed by matching; the rules are checked again now."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != Pair.Status.PROPOSED:
        raise PairRuleError(_("Эта пара уже не является предложением (состояние: %(status)s).")
                            % {"status": pair.get_status_display()})
    started_on = started_on or timezone.localdate()
    link = pair.mentor_links.select_related("mentor__participant").get(ended_on__isnull=True)
    mentees = [m.mentee for m in pair.memberships.select_related("mentee__participant").filter(left_on__isnull=True)]
    lock_people(link.mentor, mentees)
    check_pair(programme=pair.programme, mentor=link.mentor, mentees=mentees, on=started_on, exclude_pair=pair)
    pair.status = Pair.Status.FORMING
    pair.started_on = started_on
    pair.planned_end_on = pair.planned_end_on or pair.programme.ends_on
    pair.save(update_fields=["status", "started_on", "planned_end_on"])
    pair.mentor_links.update(started_on=started_on)
    pair.memberships.update(joined_on=started_on)
    announce_change(Membership, pair.programme.organisation_id)
    return pair


def reject_proposal(pair: Pair, *, by=None) -> None:
    updated = Pair.objects.filter(pk=pair.pk, status=Pair.Status.PROPOSED).update(status=Pair.Status.REJECTED)
    if updated != 1:
        raise PairRuleError(_("Это предложение уже обработано."))
    announce_change(Pair, pair.programme.organisation_id)
    audit.record_update(pair, {"status": [Pair.Status.PROPOSED, Pair.Status.REJECTED]})


def activate(pair: Pair, *, by=None) -> None:
    """Forming → active: the pair has met and works by its plan.

    Not while someone still taking part has no valid consent: a revocation suspends them at once, but a
    consent that expired overnight waits for the daily run (``registry.tasks.personal_data_daily``), and starting work in
    between would process their data. Those already suspended are not processed and do not hold it up."""
    people = [link.mentor.participant for link in pair.mentor_links.filter(
        ended_on__isnull=True, suspended_on__isnull=True).select_related("mentor__participant")]
    people += [membership.mentee.participant for membership in pair.memberships.filter(
        left_on__isnull=True, suspended_on__isnull=True).select_related("mentee__participant")]
    require_processing(people)
    updated = Pair.objects.filter(pk=pair.pk, status=Pair.Status.FORMING).update(status=Pair.Status.ACTIVE)
    if updated != 1:
        raise PairRuleError(_("Начать работу можно только у формирующейся пары."))
    announce_change(Pair, pair.programme.organisation_id)
    audit.record_update(pair, {"status": [Pair.Status.FORMING, Pair.Status.ACTIVE]})


@transaction.atomic
def replace_mentor(
    pair: Pair, *, new_mentor: MentorProfile, on: datetime.date, reason: str, on_mentee_request: bool = False,
    by=None,
) -> MentorLink:
    """Replacing a mentor (e.g. on the mentee's request, ходатайство): the old link ends, with its reason."""
    pair = Pair.objects.select_for_update().select_related("programme__form").get(pk=pair.pk)
    if pair.status not in Pair.HOLDING_STATUSES:
        raise PairRuleError(_("Заменить наставника можно только в действующей, формирующейся или приостановленной "
                              "паре."))
    if not reason.strip():
        raise PairRuleError(_("Укажите причину замены наставника."))
    current = pair.mentor_links.get(ended_on__isnull=True)
    if current.mentor_id == new_mentor.pk:
        raise PairRuleError(_("Это тот же наставник."))
    if on < current.started_on:
        raise PairRuleError(_("Дата замены раньше, чем начал работу прежний наставник."))
    mentees = [m.mentee for m in pair.memberships.select_related("mentee__participant").filter(left_on__isnull=True)]
    lock_people(new_mentor, mentees)
    check_pair(programme=pair.programme, mentor=new_mentor, mentees=mentees, on=on, exclude_pair=pair,
           new_mentees=mentees)
    current.ended_on = on
    current.end_reason = reason.strip()
    current.on_mentee_request = on_mentee_request
    current.save(update_fields=["ended_on", "end_reason", "on_mentee_request"])
    link = MentorLink.objects.create(pair=pair, mentor=new_mentor, started_on=on)
    # A pair suspended because its mentor's consent lapsed works again with the new mentor.
    refresh_pairs([pair.pk], on=on)
    return link


@transaction.atomic
def add_mentee(pair: Pair, *, mentee: MenteeProfile, on: datetime.date, by=None) -> Membership:
    pair = Pair.objects.select_for_update().select_related("programme__form").get(pk=pair.pk)
    if not pair.is_open:
        raise PairRuleError(_("Добавить наставляемого можно только в действующую или формирующуюся пару."))
    link = pair.mentor_links.select_related("mentor__participant").get(ended_on__isnull=True)
    current = [m.mentee for m in pair.memberships.select_related("mentee__participant").filter(left_on__isnull=True)]
    if mentee in current:
        raise PairRuleError(_("%(name)s уже в этой группе.") % {"name": mentee.participant.full_name})
    lock_people(link.mentor, [mentee])
    check_pair(programme=pair.programme, mentor=link.mentor, mentees=current + [mentee], on=on, exclude_pair=pair,
           new_mentees=[mentee])
    return Membership.objects.create(pair=pair, mentee=mentee, joined_on=on)


def remove_mentee(membership: Membership, *, on: datetime.date, reason: str, by=None) -> None:
    if not reason.strip():
        raise PairRuleError(_("Укажите причину выхода из группы."))
    if on < membership.joined_on:
        raise PairRuleError(_("Дата выхода раньше даты вхождения в группу."))
    updated = Membership.objects.filter(pk=membership.pk, left_on__isnull=True).update(
        left_on=on, leave_reason=reason.strip()
    )
    if updated != 1:
        raise PairRuleError(_("Наставляемый уже вышел из группы."))
    announce_change(Membership, membership.pair.programme.organisation_id)
    audit.record_update(membership, {"left_on": [None, on], "leave_reason": ["", reason.strip()]})


def close_pair(pair: Pair, *, status: str, on: datetime.date, results: str = "", reflection: str = "",
               best_practice: str = "", reason: str = "", by=None) -> None:
    """Completion or early end. The pair, its people and its meetings all stay on record."""
    if status not in (Pair.Status.COMPLETED, Pair.Status.ENDED_EARLY):
        raise ValueError(status)
    if status == Pair.Status.ENDED_EARLY and not reason.strip():
        raise PairRuleError(_("Укажите причину досрочного прекращения."))
    if status == Pair.Status.COMPLETED and not results.strip():
        raise PairRuleError(_("Опишите результаты работы пары."))
    if pair.started_on and on < pair.started_on:
        raise PairRuleError(_("Дата окончания раньше начала работы пары."))
    updated = Pair.objects.filter(pk=pair.pk, status__in=Pair.HOLDING_STATUSES).update(
        status=status, ended_on=on, results=results.strip(), reflection=reflection.strip(),
        best_practice=best_practice.strip(), end_reason=reason.strip(),
    )
    if updated != 1:
        raise PairRuleError(_("Пара уже закрыта."))
    announce_change(Pair, pair.programme.organisation_id)
    audit.record_update(pair, {"status": [pair.status, status], "ended_on": [None, on]})


@transaction.atomic
def add_to_long_term_base(membership: Membership, *, by=None) -> MentorProfile:
    """A mentee who finished well joins the long-term mentor base (долгосрочная база наставников)."""
    participant = membership.mentee.participant
    require_processing([participant])  # a new purpose for their data: not once the consent has lapsed
    profile, created = MentorProfile.objects.get_or_create(
        participant=participant, defaults={"in_long_term_base": True, "capacity": 1}
    )
    if not created and not profile.in_long_term_base:
        profile.in_long_term_base = True
        profile.save(update_fields=["in_long_term_base"])
    profile.topics.add(*membership.mentee.topics.all())
    Membership.objects.filter(pk=membership.pk).update(offered_mentor_base=True)
    return profile
