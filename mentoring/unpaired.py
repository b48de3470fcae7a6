"""Mentees left without a pair: the list, with when each was last supported, and recording the support.

Seed 003: mentees who did not form a pair get psychological support while the search for a mentor goes
on. ``rows`` is a programme's unpaired mentees (``selectors.unpaired_mentees``) with their last support
and how many were recorded, sorted in memory by ``SORTS``; ``record_support`` stores one session,
consultation or step of the search, refusing a person whose data may not be processed and storing a
double submit once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import Programme
from mentoring.selectors import unpaired_mentees
from mentoring.support import Support
from registry.models import MenteeProfile
from registry.processing import require_processing

# The same support recorded again by the same user this soon is a double submit.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Row:
    mentee: MenteeProfile
    reason: str  # why there is no pair yet: waiting for a mentor, or no valid consent
    last_on: datetime.date | None
    last_kind: str  # the last support's kind, its label
    count: int


def _name(row: Row) -> tuple:
    person = row.mentee.participant
    return person.search_name, person.pk


SORTS = {
    "name": _name,
    "class_name": lambda row: (row.mentee.participant.class_name, *_name(row)),
    # Ascending: never supported first, then the longest ago — who needs attention.
    "support": lambda row: (row.last_on is not None, row.last_on or datetime.date.min, *_name(row)),
    "count": lambda row: (row.count, *_name(row)),
}


def rows(programme: Programme) -> list[Row]:
    """The programme's unpaired mentees with their last support, in a fixed number of queries."""
    unpaired = unpaired_mentees(programme)
    latest = Support.objects.filter(mentee=OuterRef("pk")).order_by("-given_on", "-pk")
    counted = (Support.objects.filter(mentee=OuterRef("pk")).values("mentee")
               .annotate(n=Count("pk")).values("n"))
    stats = {row["pk"]: row for row in MenteeProfile.objects.filter(pk__in=[m.pk for m, _reason in unpaired])
             .annotate(last_on=Subquery(latest.values("given_on")[:1]), last_kind=Subquery(latest.values("kind")[:1]),
                       n=Subquery(counted)).values("pk", "last_on", "last_kind", "n")}
    kinds = dict(Support.Kind.choices)
    return [Row(mentee, reason, stats[mentee.pk]["last_on"], str(kinds.get(stats[mentee.pk]["last_kind"], "")),
                stats[mentee.pk]["n"] or 0) for mentee, reason in unpaired]


def record_support(*, mentee: MenteeProfile, kind: str, given_on: datetime.date, given_by: str, note: str = "",
                   programme: Programme | None = None, by=None) -> tuple[Support, bool]:
    """Record support given to a mentee; the record and whether it was created (False: the same record was
    just stored by the same user — a double submit)."""
    require_processing([mentee.participant])
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("Сопровождение записывают после того, как оно было: дата в будущем.")})
    if programme is not None and programme.organisation_id != mentee.participant.organisation_id:
        raise ValidationError(_("Программа другой организации."))
    support = Support(mentee=mentee, programme=programme, kind=kind, given_on=given_on, given_by=given_by.strip(),
                      note=note.strip(), created_by=by)
    support.full_clean()
    with transaction.atomic():
        # Two submits of one form wait for each other here, so the second sees the first's record.
        list(MenteeProfile.objects.select_for_update().filter(pk=mentee.pk).values_list("pk", flat=True))
        same = Support.objects.filter(mentee=mentee, programme=programme, kind=kind, given_on=given_on,
                                      given_by=support.given_by, note=support.note, created_by=by,
                                      created_at__gte=timezone.now() - DUPLICATE_WINDOW).first()
        if same is not None:
            return same, False
        support.save()
    return support, True
