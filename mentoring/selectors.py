"""Mentoring reads: mentors' load, consents, pairs with their people, quiet pairs, who a programme may
take and who still waits for a mentor, the organisation's matching weights."""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.list_rows import last_meeting_date
from mentoring.models import MatchingWeights, Membership, MentorLink, Pair, Programme
from registry import processing
from registry.models import MenteeProfile, MentorProfile, Participant

QUIET_DAYS = 30


def _open_memberships(**mentor_link):
    """Mentees' places in open pairs, one row a mentee and current mentor: what a mentor's load counts.
    ``mentor_link``: conditions on that same current mentor link (``mentor_id__in=…``) — in the same
    ``filter()`` call, since a second call over a multi-valued relation would join another link."""
    return Membership.objects.filter(
        left_on__isnull=True,
        pair__status__in=Pair.HOLDING_STATUSES,
        pair__mentor_links__ended_on__isnull=True,
        **{f"pair__mentor_links__{lookup}": value for lookup, value in mentor_link.items()},
    )


def mentor_load(mentor_ids, *, exclude_pair: Pair | None = None) -> dict[int, int]:
    """How many mentees each mentor has in open pairs (all programmes), in one query."""
    memberships = _open_memberships(mentor_id__in=list(mentor_ids))
    if exclude_pair is not None:
        memberships = memberships.exclude(pair=exclude_pair)
    rows = memberships.values("pair__mentor_links__mentor_id").annotate(n=Count("pk"))
    return {row["pair__mentor_links__mentor_id"]: row["n"] for row in rows}


def mentor_load_expression():
    """``mentor_load`` of a MentorProfile queryset's row as an expression (0 for none), for a filter over
    the whole list; a page shows its rows' load from ``mentor_load`` of the page's ids."""
    count = (_open_memberships(mentor_id=OuterRef("pk"))
             .values("pair__mentor_links__mentor_id").annotate(n=Count("pk")).values("n")[:1])
    return Coalesce(Subquery(count), 0)


def participants_with_valid_consent(participant_ids, on: datetime.date) -> set[int]:
    """Who holds a valid consent to mentoring on ``on``, as ``registry.processing`` decides it. Being
    archived is left out here: the callers say «в архиве» on its own, not as a missing consent."""
    # Only what the rule reads of the person: the states of a whole programme's people, several times a matching.
    people = Participant.objects.filter(pk__in=list(participant_ids)).only("pk", "is_archived")
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


def free_mentees(programme: Programme) -> list[MenteeProfile]:
    """Mentees of the programme's form with no open or proposed pair in it, by name."""
    taken = Membership.objects.filter(
        mentee=OuterRef("pk"), pair__programme=programme, left_on__isnull=True,
        pair__status__in=(*Pair.HOLDING_STATUSES, Pair.Status.PROPOSED),
    )
    # NOT EXISTS, not NOT IN: PostgreSQL makes the first an anti-join over the organisation's mentees, the
    # second a filter over every mentee profile of the district.
    return list(
        eligible_mentees(programme).filter(~Exists(taken)).select_related("participant")
        .order_by("participant__last_name", "participant__first_name")
    )


def unpaired_mentees(programme: Programme, *, on: datetime.date | None = None) -> list[tuple[MenteeProfile, str]]:
    """Mentees of the programme's form with no open or proposed pair in it, and why.

    They get psychological support while the search goes on (seed 003), so the curator sees them.
    """
    on = on or timezone.localdate()
    mentees = free_mentees(programme)
    consenting = participants_with_valid_consent([m.participant_id for m in mentees], on)
    return [
        (m, _("ожидает подбора наставника") if m.participant_id in consenting
         else _("нет действующего согласия — в пару включить нельзя"))
        for m in mentees
    ]


def weights_for(organisation) -> MatchingWeights:
    weights = MatchingWeights.objects.filter(organisation=organisation).first()
    return weights or MatchingWeights(organisation=organisation)
