"""Mentoring reads: mentors' load, consents, pairs with their people, quiet pairs, who a programme may
take and who still waits for a mentor, the organisation's matching weights."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.list_rows import attendee_count, last_meeting_date
from mentoring.models import MatchingWeights, Meeting, Membership, MentoringForm, MentorLink, Order, Pair, Programme
from registry import processing
from registry.models import Consent, MenteeProfile, MentorProfile, Participant

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


def orders(scope, *, academic_year, kind: str = ""):
    """The orders register of a year as the scope sees it, of one kind if given, with what the list sorts by."""
    from mentoring.filters import choice_position  # mentoring.filters imports this module

    queryset = Order.objects.visible_to(scope).filter(academic_year=academic_year)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.select_related("organisation", "municipality", "academic_year", "signed_by").annotate(
        kind_position=choice_position("kind", Order.Kind), status_position=choice_position("status", Order.Status),
    )


def organisation_programmes(organisation, *, academic_year):
    """An organisation's programmes of a year, by form: what an order may name."""
    return Programme.objects.filter(
        organisation=organisation, academic_year=academic_year
    ).select_related("form", "academic_year").order_by("form__position")


def programme_in(organisation, *, academic_year, pk) -> Programme | None:
    """The programme ``pk`` if it is the organisation's of that year (a query-string choice), else None."""
    return Programme.objects.filter(organisation=organisation, academic_year=academic_year, pk=pk).first()


def visible_pairs(scope):
    return Pair.objects.visible_to(scope)


def pair_rows(ids) -> list[Pair]:
    """A pairs list page's rows: the names of their form and organisation as columns (not two more objects
    a row) and the date of their last meeting."""
    return list(Pair.objects.filter(pk__in=ids).order_by()
                .annotate(form_name=F("programme__form__name"),
                          organisation_short_name=F("programme__organisation__short_name"),
                          last_meeting_on=last_meeting_date()))


def pair_history(pair: Pair):
    """A pair's mentor links, memberships and meetings in the order they happened (lazy querysets)."""
    links = pair.mentor_links.select_related("mentor__participant").order_by("started_on", "pk")
    memberships = pair.memberships.select_related("mentee__participant").prefetch_related("plan_items").order_by(
        "joined_on", "pk"
    )
    meetings = pair.meetings.prefetch_related("attendees").order_by("held_on", "pk")
    return links, memberships, meetings


def signed_orders_of(pair: Pair):
    return pair.orders.filter(status="signed")


def is_quiet(pair: Pair) -> bool:
    return quiet_pairs(Pair.objects.filter(pk=pair.pk)).exists()


# --- programmes and forms ----------------------------------------------------------------------------


def forms_with_programme_counts(scope):
    """Every mentoring form with how many of its programmes the scope sees."""
    return MentoringForm.objects.annotate(
        programme_count=Count("programmes", filter=scope.q("programmes__organisation"), distinct=True)
    )


def programme_pair_counts() -> dict:
    """A programme's open, proposed and closed pairs as annotations (the list's columns and sorts)."""
    return {
        "open_pairs": Count("pairs", filter=Q(pairs__status__in=Pair.OPEN_STATUSES), distinct=True),
        "proposed_pairs": Count("pairs", filter=Q(pairs__status=Pair.Status.PROPOSED), distinct=True),
        "closed_pairs": Count("pairs", filter=Q(pairs__status__in=(Pair.Status.COMPLETED, Pair.Status.ENDED_EARLY)),
                              distinct=True),
    }


def programmes_of_year(scope, *, academic_year):
    """The programmes of one academic year the scope sees."""
    return Programme.objects.visible_to(scope).filter(academic_year=academic_year)


def programme_rows(ids):
    """A programmes list page's rows with their pairs counted: grouping every pair of a district before the
    first page was the list's cost."""
    return Programme.objects.filter(pk__in=ids).order_by().select_related("organisation", "form").annotate(
        **programme_pair_counts())


# --- meetings ----------------------------------------------------------------------------------------


def visible_meetings(scope):
    return Meeting.objects.visible_to(scope)


def meeting_rows(ids) -> list[Meeting]:
    """A meetings list page's rows: their programme's form, year and organisation as columns (not objects)
    and the number who attended."""
    return list(
        Meeting.objects.filter(pk__in=ids).order_by()
        .annotate(form_name=F("programme__form__name"), start_year=F("programme__academic_year__start_year"),
                  organisation_short_name=F("programme__organisation__short_name"), attendee_count=attendee_count())
    )


def pair_meeting_attendees(pair: Pair) -> tuple:
    """Who may attend a pair's meeting (its mentees and mentors, a replaced mentor too, for a handover) and
    who is ticked in advance (the current ones): (a Participant queryset, their ids)."""
    links = list(pair.mentor_links.select_related("mentor"))
    current = [m.mentee.participant_id for m in pair.memberships.select_related("mentee").filter(left_on__isnull=True)]
    current += [link.mentor.participant_id for link in links if link.ended_on is None]
    return Participant.objects.filter(pk__in=current + [link.mentor.participant_id for link in links]), current


def programme_meeting_attendees(programme: Programme):
    """Everyone of a programme's pairs (not proposals), by surname: who may attend its closing meeting."""
    pairs = programme.pairs.exclude(status__in=(Pair.Status.PROPOSED, Pair.Status.REJECTED))
    return Participant.objects.filter(
        pk__in=list(pairs.values_list("mentor_links__mentor__participant_id", flat=True))
        + list(pairs.values_list("memberships__mentee__participant_id", flat=True))
    ).order_by("last_name")


# --- documents ---------------------------------------------------------------------------------------


def representative_consent(person, *, on: datetime.date):
    """The latest mentoring consent valid on ``on`` that a representative signed for the person, or None."""
    return (Consent.objects.valid_on(on).filter(participant=person, purpose=Consent.Purpose.MENTORING)
            .signed_by_representative().order_by("-signed_on", "-pk").first())


def plan_approval(pair: Pair) -> Order | None:
    """The latest signed order approving the pair's individual plans, or None."""
    return (Order.objects.filter(kind=Order.Kind.PLANS, status=Order.Status.SIGNED, pairs=pair)
            .order_by("-issued_on", "-pk").first())


# --- related rows of an object a view holds -----------------------------------------------------------


def plan_items(membership):
    """A mentee's plan items (from the prefetch when the lookup made one)."""
    return membership.plan_items.all()


def order_pair_ids(order) -> list[int]:
    """The pairs an order names, by id (a form's initial or kept choices)."""
    return list(order.pairs.values_list("pk", flat=True))


def order_rewarded_ids(order) -> list[int]:
    """The mentors an order rewards, by id."""
    return list(order.rewarded.values_list("pk", flat=True))


def programme_pairs(programme):
    """A programme's pairs and groups with their people, proposals and rejected ones left out."""
    return pairs_with_people(programme.pairs.exclude(status__in=(Pair.Status.REJECTED, Pair.Status.PROPOSED))
                             ).order_by("status", "-pk")


def quiet_pair_ids(programme) -> set[int]:
    """The programme's pairs with no recent meeting (``quiet_pairs``), by id."""
    return set(quiet_pairs(programme.pairs.all()).values_list("pk", flat=True))


def proposal_count(programme) -> int:
    return programme.pairs.filter(status=Pair.Status.PROPOSED).count()


def preference_count(programme) -> int:
    return programme.preferences.count()


def programme_preferences(programme):
    """The wishes recorded for a programme, by side, mentee and rank."""
    return programme.preferences.select_related("mentee__participant", "mentor__participant").order_by(
        "side", "mentee__participant__last_name", "rank"
    )


def supports_of(mentee):
    """The psychological support recorded for a mentee waiting for a mentor."""
    return mentee.supports.select_related("programme__form", "created_by")
