"""Mentoring workflows: forming, confirming and changing pairs under the rules of the target model.

Every rule is checked here, in one place, so the pages, the matching proposals and the tests all
refuse the same things with the same Russian message.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.list_rows import last_meeting_date
from mentoring.models import MatchingWeights, Meeting, Membership, MentorLink, Pair, PlanItem, Programme
from mentoring.processing import refresh_pairs
from registry import audit
from registry.models import MenteeProfile, MentorProfile, Participant
from registry import processing
from registry.processing import require_processing
from registry.signals import announce_change

QUIET_DAYS = 30


class PairRuleError(ValidationError):
    """A pair that the target model does not allow; ``messages`` say why, in Russian."""


# --- reading ------------------------------------------------------------------------------------


def mentor_load(mentor_ids, *, exclude_pair: Pair | None = None) -> dict[int, int]:
    """How many mentees each mentor has in open pairs (all programmes), in one query."""
    memberships = Membership.objects.filter(
        left_on__isnull=True,
        pair__status__in=Pair.HOLDING_STATUSES,
        pair__mentor_links__ended_on__isnull=True,
        pair__mentor_links__mentor_id__in=list(mentor_ids),
    )
    if exclude_pair is not None:
        memberships = memberships.exclude(pair=exclude_pair)
    rows = memberships.values("pair__mentor_links__mentor_id").annotate(n=Count("pk"))
    return {row["pair__mentor_links__mentor_id"]: row["n"] for row in rows}


def participants_with_valid_consent(participant_ids, on: datetime.date) -> set[int]:
    """Who holds a valid consent to mentoring on ``on``, as ``registry.processing`` decides it. Being
    archived is left out here: the callers say «в архиве» on its own, not as a missing consent."""
    people = Participant.objects.filter(pk__in=list(participant_ids))
    return {pk for pk, state in processing.states(people, on=on).items()
            if state.allowed or state.cause == processing.Cause.ARCHIVED and state.consent is not None
            and state.consent.is_valid_on(on)}


def pairs_with_people(queryset):
    """Pairs with their current mentor and mentees loaded in a fixed number of queries."""
    return queryset.select_related("programme__form", "programme__organisation").prefetch_related(
        Prefetch("mentor_links", queryset=MentorLink.objects.select_related("mentor__participant")),
        Prefetch("memberships", queryset=Membership.objects.select_related("mentee__participant")),
    )


def quiet_pairs(queryset, *, today: datetime.date | None = None, days: int = QUIET_DAYS):
    """Open pairs with no meeting in the last ``days`` days (and started at least that long ago)."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days)
    return (
        queryset.open()
        .annotate(last_meeting_on=last_meeting_date())  # per pair through an index, not grouped over the scope
        .filter(Q(last_meeting_on__lt=since) | Q(last_meeting_on__isnull=True, started_on__lte=since))
    )


def eligible_mentees(programme: Programme):
    """Mentees of the organisation whose category the programme's form accepts."""
    return MenteeProfile.objects.filter(
        participant__organisation_id=programme.organisation_id,
        participant__is_archived=False,
        participant__category__in=programme.form.mentee_categories,
    )


def eligible_mentors(programme: Programme):
    return MentorProfile.objects.filter(
        participant__organisation_id=programme.organisation_id,
        participant__is_archived=False,
        participant__category__in=programme.form.mentor_categories,
    )


def unpaired_mentees(programme: Programme, *, on: datetime.date | None = None) -> list[tuple[MenteeProfile, str]]:
    """Mentees of the programme's form with no open or proposed pair in it, and why.

    They get psychological support while the search goes on (seed 003), so the curator sees them.
    """
    on = on or timezone.localdate()
    taken = Membership.objects.filter(
        pair__programme=programme, left_on__isnull=True,
        pair__status__in=(*Pair.HOLDING_STATUSES, Pair.Status.PROPOSED),
    ).values("mentee_id")
    mentees = list(
        eligible_mentees(programme).exclude(pk__in=taken).select_related("participant")
        .order_by("participant__last_name", "participant__first_name")
    )
    consenting = participants_with_valid_consent([m.participant_id for m in mentees], on)
    return [
        (m, _("ожидает подбора наставника") if m.participant_id in consenting
         else _("нет действующего согласия — в пару включить нельзя"))
        for m in mentees
    ]


def weights_for(organisation) -> MatchingWeights:
    weights = MatchingWeights.objects.filter(organisation=organisation).first()
    return weights or MatchingWeights(organisation=organisation)


# --- rules ----------------------------------------------------------------------------------------


def pair_rule_violations(
    *,
    programme: Programme,
    mentor: MentorProfile,
    mentees: list[MenteeProfile],
    on: datetime.date,
    exclude_pair: Pair | None = None,
    new_mentees: list[MenteeProfile] | None = None,
) -> list[str]:
    """Every reason the target model refuses this mentor with these mentees on ``on``.

    ``new_mentees`` are the ones that would take a place of the mentor's capacity now (by default
    all of ``mentees``); pass fewer when an existing pair only changes.
    """
    errors: list[str] = []
    form = programme.form
    mentor_person = mentor.participant
    new_mentees = mentees if new_mentees is None else new_mentees
    if not mentees:
        errors.append(_("В паре должен быть хотя бы один наставляемый."))
    people = [mentor_person] + [m.participant for m in mentees]
    for person in people:
        if person.organisation_id != programme.organisation_id:
            errors.append(_("%(name)s — участник другой организации.") % {"name": person.full_name})
        if person.is_archived:
            errors.append(_("%(name)s в архиве.") % {"name": person.full_name})
    if any(m.participant_id == mentor.participant_id for m in mentees):
        errors.append(_("Участник не может быть наставником самому себе."))
    if not form.accepts_mentor(mentor_person.category):
        errors.append(
            _("В форме «%(form)s» наставником может быть: %(allowed)s; %(name)s — %(category)s.")
            % {"form": form, "allowed": form.category_labels("mentor_categories"), "name": mentor_person.full_name,
               "category": mentor_person.get_category_display().lower()}
        )
    for mentee in mentees:
        person = mentee.participant
        if not form.accepts_mentee(person.category):
            errors.append(
                _("В форме «%(form)s» наставляемым может быть: %(allowed)s; %(name)s — %(category)s.")
                % {"form": form, "allowed": form.category_labels("mentee_categories"), "name": person.full_name,
                   "category": person.get_category_display().lower()}
            )
    consenting = participants_with_valid_consent([p.pk for p in people], on)
    for person in people:
        if person.pk not in consenting:
            errors.append(
                _("У %(name)s нет действующего согласия на обработку персональных данных на %(date)s.")
                % {"name": person.full_name, "date": on.strftime("%d.%m.%Y")}
            )
    if mentor.lacks_certificate and any(m.participant.is_minor_on(on) for m in mentees):
        errors.append(
            _("У наставника %(name)s нет справки об отсутствии судимости: без неё нельзя работать с детьми.")
            % {"name": mentor_person.full_name}
        )
    load = mentor_load([mentor.pk], exclude_pair=exclude_pair).get(mentor.pk, 0)
    if exclude_pair is not None:
        # Mentees already in this pair keep their places; only newcomers need a free one.
        load += len([m for m in mentees if m not in new_mentees])
    if load + len(new_mentees) > mentor.capacity:
        errors.append(
            _("У наставника %(name)s нет свободных мест: может взять %(capacity)s, уже наставляет %(load)s.")
            % {"name": mentor_person.full_name, "capacity": mentor.capacity, "load": load}
        )
    busy = (
        Membership.objects.filter(
            mentee__in=mentees, left_on__isnull=True, pair__programme=programme,
            pair__status__in=Pair.HOLDING_STATUSES
        )
        .exclude(pair=exclude_pair)
        .select_related("mentee__participant")
    )
    for membership in busy:
        errors.append(
            _("%(name)s уже состоит в действующей паре этой программы.")
            % {"name": membership.mentee.participant.full_name}
        )
    return errors


def _lock(mentor: MentorProfile, mentees: list[MenteeProfile]) -> None:
    # Row locks on PostgreSQL serialise two curators forming pairs with the same people at once;
    # SQLite serialises writers anyway.
    MentorProfile.objects.select_for_update().filter(pk=mentor.pk).exists()
    list(MenteeProfile.objects.select_for_update().filter(pk__in=[m.pk for m in mentees]).values_list("pk"))


def _check(**kwargs) -> None:
    errors = pair_rule_violations(**kwargs)
    if errors:
        raise PairRuleError(errors)


# --- writing --------------------------------------------------------------------------------------


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
    _lock(mentor, mentees)
    _check(programme=programme, mentor=mentor, mentees=mentees, on=started_on)
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
    _lock(link.mentor, mentees)
    _check(programme=pair.programme, mentor=link.mentor, mentees=mentees, on=started_on, exclude_pair=pair)
    pair.status = Pair.Status.FORMING
    pair.started_on = started_on
    pair.planned_end_on = pair.planned_end_on or pair.programme.ends_on
    pair.save(update_fields=["status", "started_on", "planned_end_on"])
    pair.mentor_links.update(started_on=started_on)
    pair.memberships.update(joined_on=started_on)
    announce_change(Membership, pair.programme.organisation_id)
    return pair


def reject_proposal(pair: Pair) -> None:
    updated = Pair.objects.filter(pk=pair.pk, status=Pair.Status.PROPOSED).update(status=Pair.Status.REJECTED)
    if updated != 1:
        raise PairRuleError(_("Это предложение уже обработано."))
    announce_change(Pair, pair.programme.organisation_id)
    audit.record_update(pair, {"status": [Pair.Status.PROPOSED, Pair.Status.REJECTED]})


def activate(pair: Pair) -> None:
    """Forming → active: the pair has met and works by its plan."""
    updated = Pair.objects.filter(pk=pair.pk, status=Pair.Status.FORMING).update(status=Pair.Status.ACTIVE)
    if updated != 1:
        raise PairRuleError(_("Начать работу можно только у формирующейся пары."))
    announce_change(Pair, pair.programme.organisation_id)
    audit.record_update(pair, {"status": [Pair.Status.FORMING, Pair.Status.ACTIVE]})


@transaction.atomic
def replace_mentor(
    pair: Pair, *, new_mentor: MentorProfile, on: datetime.date, reason: str, on_mentee_request: bool = False
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
    _lock(new_mentor, mentees)
    _check(programme=pair.programme, mentor=new_mentor, mentees=mentees, on=on, exclude_pair=pair,
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
def add_mentee(pair: Pair, *, mentee: MenteeProfile, on: datetime.date) -> Membership:
    pair = Pair.objects.select_for_update().select_related("programme__form").get(pk=pair.pk)
    if not pair.is_open:
        raise PairRuleError(_("Добавить наставляемого можно только в действующую или формирующуюся пару."))
    link = pair.mentor_links.select_related("mentor__participant").get(ended_on__isnull=True)
    current = [m.mentee for m in pair.memberships.select_related("mentee__participant").filter(left_on__isnull=True)]
    if mentee in current:
        raise PairRuleError(_("%(name)s уже в этой группе.") % {"name": mentee.participant.full_name})
    _lock(link.mentor, [mentee])
    _check(programme=pair.programme, mentor=link.mentor, mentees=current + [mentee], on=on, exclude_pair=pair,
           new_mentees=[mentee])
    return Membership.objects.create(pair=pair, mentee=mentee, joined_on=on)


def remove_mentee(membership: Membership, *, on: datetime.date, reason: str) -> None:
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
               best_practice: str = "", reason: str = "") -> None:
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
def add_to_long_term_base(membership: Membership) -> MentorProfile:
    """A mentee who finished well joins the long-term mentor base (долгосрочная база наставников)."""
    participant = membership.mentee.participant
    profile, created = MentorProfile.objects.get_or_create(
        participant=participant, defaults={"in_long_term_base": True, "capacity": 1}
    )
    if not created and not profile.in_long_term_base:
        profile.in_long_term_base = True
        profile.save(update_fields=["in_long_term_base"])
    profile.topics.add(*membership.mentee.topics.all())
    Membership.objects.filter(pk=membership.pk).update(offered_mentor_base=True)
    return profile


@transaction.atomic
def save_plan_item(item: PlanItem, *, membership: Membership) -> PlanItem:
    """Add or change a line of a mentee's individual plan: only while the mentee may be processed."""
    pair = Pair.objects.select_for_update().get(pk=membership.pair_id)
    require_working(pair)
    if membership.suspended_on is not None:
        raise ValidationError(_("Участие наставляемого приостановлено: %(reason)s.")
                              % {"reason": membership.suspension_reason})
    require_processing([membership.mentee.participant])
    item.membership = membership
    if item.pk is None:
        same = membership.plan_items.filter(goal__iexact=item.goal.strip(), action__iexact=item.action.strip()).first()
        if same is not None:
            raise ValidationError(_("Такой пункт уже есть в плане: № %(position)s «%(goal)s», срок %(due)s.")
                                  % {"position": same.position, "goal": same.goal,
                                     "due": same.due_on.strftime("%d.%m.%Y") if same.due_on else "—"})
        item.position = membership.plan_items.count() + 1
    item.save()
    return item


@dataclass
class MeetingInput:
    kind: str
    held_on: datetime.date
    format: str
    topic: str
    attendee_ids: list[int]
    note: str = ""
    mentor_feedback: str = ""
    mentee_feedback: str = ""


def require_working(pair: Pair) -> None:
    """New work with a pair (a meeting, a plan item) only while it works; a suspended pair says why."""
    if pair.status == Pair.Status.SUSPENDED:
        raise ValidationError(_("Пара № %(pk)s приостановлена: %(reason)s. Новые записи по ней не принимаются, "
                                "пока не будет внесено новое согласие.")
                              % {"pk": pair.pk, "reason": pair.suspension_reason or _("нет согласия")})


def duplicate_meeting_message(meeting: Meeting, pair: Pair | None) -> str:
    values = {"meeting": meeting, "topic": meeting.topic or _("без темы"), "pk": meeting.pk}
    if pair is not None:
        return _("Эта встреча пары уже записана: «%(meeting)s», тема «%(topic)s» (запись № %(pk)s). Если "
                 "встреч было две, проверьте дату или вид встречи.") % values
    return _("Общая встреча программы за этот день уже записана: «%(meeting)s», тема «%(topic)s» (запись "
             "№ %(pk)s).") % values


@transaction.atomic
def log_meeting(*, programme: Programme, pair: Pair | None, data: MeetingInput, by=None) -> Meeting:
    """A meeting of a pair, or the group final meeting of the whole programme (pair=None).

    Nobody whose data may not be processed (no valid consent, archived) is recorded as attending.
    """
    if pair is not None:
        require_working(pair)
    require_processing(Participant.objects.filter(pk__in=data.attendee_ids))
    # One meeting of a kind a day per pair (per programme for the group meeting): the lock on the pair or
    # the programme makes two simultaneous submissions wait for each other, and the second finds the first.
    if pair is not None:
        Pair.objects.select_for_update().filter(pk=pair.pk).exists()
    else:
        Programme.objects.select_for_update().filter(pk=programme.pk).exists()
    same = Meeting.objects.filter(programme=programme, pair=pair, kind=data.kind, held_on=data.held_on).first()
    if same is not None:
        raise ValidationError({"held_on": duplicate_meeting_message(same, pair)})
    meeting = Meeting(
        programme=programme, pair=pair, kind=data.kind, held_on=data.held_on, format=data.format, topic=data.topic,
        note=data.note, mentor_feedback=data.mentor_feedback, mentee_feedback=data.mentee_feedback, created_by=by,
    )
    meeting.full_clean()
    if pair is not None and pair.started_on and data.held_on < pair.started_on:
        raise ValidationError({"held_on": _("Встреча раньше начала работы пары.")})
    meeting.save()
    meeting.attendees.set(data.attendee_ids)
    return meeting
