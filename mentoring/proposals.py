"""«Подобрать пары»: matching's proposals for a programme, and what the curator does with many at once.

``propose_pairs`` writes the optimal assignment as proposed pairs; they hold no places. The curator
then confirms or rejects a selection, and may give a proposal another mentor first (``swap_mentor``,
only a mentor ``eligibility.Pool`` allows). Confirming goes through ``pair_changes.confirm_proposal``,
which checks every rule of the target model again. Each pair is confirmed in its own transaction
(its swap with it): one pair refused — no place left, a consent revoked meanwhile — leaves the others
confirmed and is reported with its reason, and the curator fixes it and confirms it again.

The same selection sent twice (a double click, a reload of the confirmation, a second tab) confirms
nothing twice: a confirmation changes the proposal's own row, so the second finds the pair no longer
proposed, and says it was confirmed already.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring import eligibility, matching, pair_changes, selectors
from mentoring.models import Membership, MentorLink, Pair, Programme
from mentoring.pair_rules import PairRuleError
from registry.signals import announce_change


def proposal_for(programme: Programme, *, on: datetime.date) -> tuple[matching.Proposal, eligibility.MatchingInput]:
    """The optimal assignment of the programme's free people on ``on``, and what it was computed from
    (read only; ``propose_pairs`` writes it)."""
    data, _mentors, _mentees = eligibility.matching_input(programme, on=on)
    # A proposal the curator rejected is not proposed again.
    rejected = Membership.objects.filter(pair__programme=programme, pair__status=Pair.Status.REJECTED).values_list(
        "mentee_id", "pair__mentor_links__mentor_id"
    )
    proposal = matching.propose(
        data.mentors, data.mentees, mentor_categories=programme.form.mentor_categories,
        mentee_categories=programme.form.mentee_categories, weights=data.weights, wishes=data.wishes,
        topic_names=data.topic_names, forbidden_pairs=set(rejected),
    )
    return proposal, data


def proposed_rows(programme: Programme, proposal: matching.Proposal, *, by,
                  on: datetime.date) -> list[tuple[Pair, MentorLink, Membership]]:
    """Each pair of ``proposal`` as a proposed pair with its mentor link and membership, not yet saved."""
    rows = []
    for p in proposal.pairs:
        pair = Pair(programme=programme, status=Pair.Status.PROPOSED, planned_end_on=programme.ends_on,
                    match_score=round(p.score.total, 3), match_reasons=p.score.as_dict()["reasons"], created_by=by)
        rows.append((pair, MentorLink(pair=pair, mentor_id=p.mentor_id, started_on=on),
                     Membership(pair=pair, mentee_id=p.mentee_id, joined_on=on)))
    return rows


def write_rows(rows: list[tuple[Pair, MentorLink, Membership]]) -> None:
    """Insert pairs with their links and memberships, three statements in all."""
    Pair.objects.bulk_create([pair for pair, _link, _membership in rows])
    MentorLink.objects.bulk_create([link for _pair, link, _membership in rows])
    Membership.objects.bulk_create([membership for _pair, _link, membership in rows])


@transaction.atomic
def propose_pairs(programme: Programme, *, by=None, on: datetime.date | None = None) -> matching.Proposal:
    """"Propose pairs" for a whole programme: the optimal assignment, written as proposed pairs.

    Earlier proposals that nobody confirmed are replaced. Nothing here holds a mentor's place:
    confirming a proposal checks every rule again.
    """
    on = on or timezone.localdate()
    Programme.objects.select_for_update().filter(pk=programme.pk).exists()
    programme.pairs.filter(status=Pair.Status.PROPOSED).delete()
    proposal, _data = proposal_for(programme, on=on)
    write_rows(proposed_rows(programme, proposal, by=by, on=on))
    announce_change(Pair, programme.organisation_id)  # earlier proposals deleted, new ones written in bulk
    return proposal


def _not_proposed(pair: Pair) -> PairRuleError:
    return PairRuleError(_("Это предложение уже обработано (состояние: %(status)s).")
                         % {"status": pair.get_status_display()})


@transaction.atomic
def swap_mentor(pair: Pair, mentor_id: int, *, pool: eligibility.Pool | None = None) -> Pair:
    """Another mentor for a proposal, before it is confirmed; the score and reasons are computed anew.

    Only a mentor who may take the mentee now (``eligibility.Pool``: the form, a valid consent, a free
    place, the certificate) is accepted; a mentor of another organisation is simply not found.
    """
    pair = Pair.objects.select_for_update().select_related("programme__form", "programme__organisation").get(
        pk=pair.pk)
    if pair.status != Pair.Status.PROPOSED:
        raise _not_proposed(pair)
    link = pair.mentor_links.get(ended_on__isnull=True)
    if link.mentor_id == mentor_id:
        return pair
    mentees = eligibility.with_topics(m.mentee for m in pair.memberships.select_related("mentee")
                                      .filter(left_on__isnull=True))
    pool = pool or eligibility.Pool(pair.programme, mentees=mentees)
    judged = pool.judge(mentor_id, mentees)
    if judged is None or any(m.participant_id == judged.mentor.participant_id for m in mentees):
        raise PairRuleError(_("Этого наставника нельзя выбрать в этой программе."))
    if judged.problems:
        raise PairRuleError(_("%(name)s не может взять этого наставляемого: %(problems)s.")
                            % {"name": judged.mentor.participant.full_name, "problems": "; ".join(judged.problems)})
    link.mentor = judged.mentor
    link.save(update_fields=["mentor"])
    pair.match_score = round(judged.score.total, 3)
    pair.match_reasons = judged.score.as_dict()["reasons"]
    pair.save(update_fields=["match_score", "match_reasons"])
    announce_change(Pair, pair.programme.organisation_id)
    return pair


@dataclass
class RowOutcome:
    pair_id: int
    label: str
    messages: list[str] = field(default_factory=list)


@dataclass
class BulkResult:
    done: list[RowOutcome] = field(default_factory=list)
    already: list[RowOutcome] = field(default_factory=list)  # done by an earlier submission: nothing to do
    failed: list[RowOutcome] = field(default_factory=list)


def _selected(programme: Programme, pair_ids) -> dict[int, Pair]:
    pairs = selectors.pairs_with_people(programme.pairs.filter(pk__in=list(pair_ids)))
    return {pair.pk: pair for pair in pairs}


def _missing(pair_id: int) -> RowOutcome:
    return RowOutcome(pair_id, _("Предложение № %(pk)s") % {"pk": pair_id},
                      [_("предложения больше нет: подбор мог быть запущен заново")])


def _settle(result: BulkResult, pair: Pair, outcome: RowOutcome, error: ValidationError, *, done_statuses) -> None:
    """A refused row: done already by another submission, or failed with the service's reasons."""
    status = Pair.objects.filter(pk=pair.pk).values_list("status", flat=True).first()
    if status in done_statuses:
        result.already.append(outcome)
    else:
        outcome.messages = list(error.messages)
        result.failed.append(outcome)


def confirm_selected(programme: Programme, *, choices: dict[int, int | None], started_on: datetime.date,
                     by=None) -> BulkResult:
    """Confirm the proposals ``choices`` names (pair id → the mentor chosen for it, None to keep the
    proposed one), each in its own transaction, in the order given."""
    result = BulkResult()
    pairs = _selected(programme, choices)
    pool = None
    confirmed = (*Pair.HOLDING_STATUSES,)
    for pair_id, mentor_id in choices.items():
        pair = pairs.get(pair_id)
        if pair is None:
            result.failed.append(_missing(pair_id))
            continue
        outcome = RowOutcome(pair_id, eligibility.proposal_label(pair))
        current = eligibility.proposal_mentor(pair)
        wanted = mentor_id if mentor_id is not None else getattr(current, "pk", None)
        if pair.status != Pair.Status.PROPOSED:
            if pair.status in confirmed and current is not None and current.pk == wanted:
                result.already.append(outcome)
            else:
                outcome.messages = list(_not_proposed(pair).messages)
                result.failed.append(outcome)
            continue
        try:
            with transaction.atomic():
                if current is not None and wanted != current.pk:
                    if pool is None:
                        mentees = [eligibility.proposal_mentee(p) for p in pairs.values()]
                        pool = eligibility.Pool(programme, mentees=eligibility.with_topics(m for m in mentees if m))
                    pair = swap_mentor(pair, wanted, pool=pool)
                    outcome.label = eligibility.proposal_label(selectors.pairs_with_people(
                        Pair.objects.filter(pk=pair.pk)).get())
                pair_changes.confirm_proposal(pair, started_on=started_on, by=by)
        except ValidationError as error:
            _settle(result, pair, outcome, error, done_statuses=confirmed)
        else:
            result.done.append(outcome)
    return result


def reject_selected(programme: Programme, *, pair_ids, by=None) -> BulkResult:
    """Reject the proposals ``pair_ids`` names; matching will not propose these pairs again."""
    result = BulkResult()
    pairs = _selected(programme, pair_ids)
    for pair_id in pair_ids:
        pair = pairs.get(pair_id)
        if pair is None:
            result.failed.append(_missing(pair_id))
            continue
        outcome = RowOutcome(pair_id, eligibility.proposal_label(pair))
        try:
            pair_changes.reject_proposal(pair, by=by)
        except ValidationError as error:
            _settle(result, pair, outcome, error, done_statuses=(Pair.Status.REJECTED,))
        else:
            result.done.append(outcome)
    return result


def swap_selected(programme: Programme, *, choices: dict[int, int], by=None) -> BulkResult:
    """Give each named proposal the chosen mentor, without confirming it."""
    result = BulkResult()
    pairs = _selected(programme, choices)
    mentees = [eligibility.proposal_mentee(p) for p in pairs.values()]
    pool = eligibility.Pool(programme, mentees=eligibility.with_topics(m for m in mentees if m))
    for pair_id, mentor_id in choices.items():
        pair = pairs.get(pair_id)
        if pair is None:
            result.failed.append(_missing(pair_id))
            continue
        outcome = RowOutcome(pair_id, eligibility.proposal_label(pair))
        try:
            swap_mentor(pair, mentor_id, pool=pool)
        except ValidationError as error:
            outcome.messages = list(error.messages)
            result.failed.append(outcome)
        else:
            result.done.append(outcome)
    return result
