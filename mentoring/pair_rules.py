"""The target model's rules for a pair or group, checked in one place so the pages, the matching proposals
and the tests all refuse the same things with the same Russian message (used by ``mentoring.services``)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mentoring.models import Meeting, Membership, Pair, Programme
from mentoring.selectors import mentor_load, participants_with_valid_consent
from registry import grammar
from registry.models import MenteeProfile, MentorProfile


class PairRuleError(ValidationError):
    """A pair that the target model does not allow; ``messages`` say why, in Russian."""


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
                % {"name": grammar.person_in(person, "gent"), "date": on.strftime("%d.%m.%Y")}
            )
    if mentor.lacks_certificate and any(m.participant.is_minor_on(on) for m in mentees):
        errors.append(
            _("У наставника %(name)s нет справки об отсутствии судимости: без неё нельзя работать с детьми.")
            % {"name": grammar.person_in(mentor_person, "gent")}
        )
    load = mentor_load([mentor.pk], exclude_pair=exclude_pair).get(mentor.pk, 0)
    if exclude_pair is not None:
        # Mentees already in this pair keep their places; only newcomers need a free one.
        load += len([m for m in mentees if m not in new_mentees])
    if load + len(new_mentees) > mentor.capacity:
        errors.append(
            _("У наставника %(name)s нет свободных мест: может взять %(capacity)s, уже наставляет %(load)s.")
            % {"name": grammar.person_in(mentor_person, "gent"), "capacity": mentor.capacity, "load": load}
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


def lock_people(mentor: MentorProfile, mentees: list[MenteeProfile]) -> None:
    # Row locks on PostgreSQL serialise two curators forming pairs with the same people at once;
    # SQLite serialises writers anyway.
    MentorProfile.objects.select_for_update().filter(pk=mentor.pk).exists()
    list(MenteeProfile.objects.select_for_update().filter(pk__in=[m.pk for m in mentees]).values_list("pk"))


def check_pair(**kwargs) -> None:
    errors = pair_rule_violations(**kwargs)
    if errors:
        raise PairRuleError(errors)


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
