"""Mentoring writes, the entry point of the views, each taking the actor as ``by=``: pairs and groups
under the rules of the target model (``mentoring.pair_rules``), plans, meetings, matching preferences,
proposals, support, the orders register. Reads are in ``mentoring.selectors``.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mentoring.models import Meeting, Membership, Pair, PlanItem, Preference, Programme
# PairRuleError: raised by these services, caught by their callers.
from mentoring.pair_rules import PairRuleError, duplicate_meeting_message, require_working  # noqa: F401
from mentoring.orders import prepare_order, sign_order, update_order
from mentoring.pair_changes import (
    activate,
    add_mentee,
    add_to_long_term_base,
    close_pair,
    confirm_proposal,
    form_pair,
    reject_proposal,
    remove_mentee,
    replace_mentor,
)
from mentoring.proposals import confirm_selected, propose_pairs, reject_selected, swap_selected
from mentoring.unpaired import record_support
from registry.models import Participant
from registry.processing import require_processing

# The pair changes (mentoring.pair_changes), the writes of the orders register (mentoring.orders), of
# matching proposals (mentoring.proposals) and of the support of mentees still waiting (mentoring.unpaired)
# stay next to their subject; the views call them from here.
__all__ = [
    "activate", "add_mentee", "add_to_long_term_base", "close_pair", "confirm_proposal", "confirm_selected",
    "delete_preference", "form_pair", "log_meeting", "prepare_order", "propose_pairs", "record_support",
    "reject_proposal", "reject_selected", "remove_mentee", "replace_mentor", "save_plan_item", "sign_order",
    "swap_selected", "update_order",
]


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


@transaction.atomic
def save_plan_item(item: PlanItem, *, membership: Membership, by=None) -> PlanItem:
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


def delete_preference(programme: Programme, *, pk: int | None, by) -> None:
    """A wish recorded after the networking meeting, removed (one of this programme's only)."""
    Preference.objects.filter(programme=programme, pk=pk).delete()
