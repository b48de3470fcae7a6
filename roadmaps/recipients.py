"""Who is told about a roadmap item: a responsible user whose role, on the given day, reaches the
roadmap's organisation or municipality (the scoping rule, ``registry.scoping.Grant``), about an
occurrence that is still open.

Checked three times for a reminder letter: when the daily scan records the reminder, when it queues the
letter, and again when the outbox sends it (``roadmaps.outbox``), since a letter may wait hours for a
mail server and a role may end, or the item be done, in between.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from types import SimpleNamespace

from registry.models import RoleAssignment
from registry.scoping import Grant
from roadmaps.models import Occurrence

CLOSED_STATUSES = (Occurrence.Status.DONE, Occurrence.Status.CANCELLED)
OPEN_STATUSES = tuple(status for status in Occurrence.Status.values if status not in CLOSED_STATUSES)

# The roadmap owner's ids, as read from a roadmap item, in the order ``reaches`` takes them.
OWNER_FIELDS = ("roadmap__organisation_id", "roadmap__organisation__municipality_id",
                "roadmap__organisation__municipality__region_id", "roadmap__municipality_id",
                "roadmap__municipality__region_id")


def grants_on(user_ids, day: datetime.date) -> dict[int, list[Grant]]:
    """Each user's roles in force on ``day``, as scoping grants: one query."""
    grants = defaultdict(list)
    rows = RoleAssignment.objects.current(day).filter(user_id__in=list(user_ids)).values_list(
        "user_id", "role", "region_id", "municipality_id", "organisation_id", "organisation__municipality_id")
    for user_id, *grant in rows:
        grants[user_id].append(Grant(*grant))
    return grants


def reaches(grants: list[Grant], org_id, org_municipality_id, org_region_id, municipality_id,
            municipality_region_id) -> bool:
    """Whether a user's current roles reach a roadmap of this organisation (or of this municipality):
    the scoping rule itself (``Grant``), applied to the owner's ids read with the occurrence."""
    if org_id:
        organisation = SimpleNamespace(pk=org_id, municipality_id=org_municipality_id,
                                       municipality=SimpleNamespace(region_id=org_region_id))
        return any(grant.reaches(organisation) for grant in grants)
    municipality = SimpleNamespace(pk=municipality_id, region_id=municipality_region_id)
    return any(grant.reaches_municipality(municipality) for grant in grants)


class Reach:
    """``reaches`` for many rows of few roadmaps: remembered per user and owner (a scan asks it once per
    reminder, of the same few roadmaps over and over)."""

    def __init__(self, grants: dict[int, list[Grant]]):
        self.grants = grants
        self.known: dict[tuple, bool] = {}

    def __call__(self, user_id: int, owner) -> bool:
        key = (user_id, *owner)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = reaches(self.grants[user_id], *owner)
        return found
