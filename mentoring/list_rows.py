"""What a pair or meeting row shows beyond its own columns, as per-row subqueries.

A correlated subquery reads one pair's meetings (or one meeting's attendance) through an index, so it
costs the same for the page's 50 rows whatever the size of the district; ``Max``/``Count`` with a join
grouped every meeting of the scope before the list could take its first page. The lists annotate the
page's rows with these (``registry.listing.paginate(page_rows=…)``) and the whole scope only when the
user sorts by the value itself.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from mentoring.models import Meeting, Membership, MentorLink
from registry.models.people import full_name


def last_meeting_date() -> Subquery:
    """The date of the pair's latest meeting, or NULL (what ``Max("meetings__held_on")`` gave)."""
    latest = Meeting.objects.filter(pair=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
    return Subquery(latest)


def attendee_count() -> Coalesce:
    """How many people attended the meeting (0 when nobody is recorded)."""
    through = Meeting.attendees.through
    counted = (through.objects.filter(meeting_id=OuterRef("pk")).order_by().values("meeting_id")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@dataclass
class PairPeople:
    """Who a list row names for a pair: the current mentor and the current mentees (name, class)."""

    mentor: str | None = None
    mentees: list[tuple[str, str]] = field(default_factory=list)


def people_of_pairs(pair_ids) -> dict[int, PairPeople]:
    """The current mentor and mentees of these pairs as plain names, in one query.

    The same people as ``Pair.current_mentor_link`` and ``current_memberships`` over the prefetched links
    (the first open link in start order; the open memberships in joining order), without the six model
    instances a row that prefetching makes: a page of pairs read them for two strings.
    """
    pair_ids = list(pair_ids)
    result = {pk: PairPeople() for pk in pair_ids}
    if not pair_ids:
        return result
    name = ("participant__last_name", "participant__first_name", "participant__patronymic")
    mentors = (MentorLink.objects.filter(pair_id__in=pair_ids, ended_on__isnull=True).order_by()
               .annotate(side=Value(0, IntegerField()), class_name=Value("", CharField()))
               .values_list("pair_id", "side", "started_on", "pk", *(f"mentor__{part}" for part in name), "class_name"))
    mentees = (Membership.objects.filter(pair_id__in=pair_ids, left_on__isnull=True).order_by()
               .annotate(side=Value(1, IntegerField()))
               .values_list("pair_id", "side", "joined_on", "pk", *(f"mentee__{part}" for part in name),
                            "mentee__participant__class_name"))
    for pair_id, side, _since, _pk, last, first, patronymic, class_name in sorted(
            mentors.union(mentees, all=True), key=lambda row: (row[1], row[2] or datetime.date.min, row[3])):
        people = result[pair_id]
        if side == 0:
            if people.mentor is None:
                people.mentor = full_name(last, first, patronymic)
        else:
            people.mentees.append((full_name(last, first, patronymic), class_name))
    return result
