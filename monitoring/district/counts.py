"""The district's numbers that open a list, counted with that list's own definitions.

A number on a district page and the list behind its link must agree: «действуют 179» opens a list of
179 pairs, not of 195. So nothing here restates what a list shows. Each count is the list's own
queryset — its base (``mentoring.filters.listed_pairs``, the registry's current participants, every
meeting, ``roadmaps.lists.overdue_occurrences``) narrowed by the very functions and filters the list
applies to the same query string (``of_programme_year``, ``pairs_in_state``, ``consent_state_q``, the
overdue list's ``year`` filter) — grouped by organisation. A row's number, the district's total (the
sum over every organisation the user sees, as the list counts them) and the list are then one count,
and ``tests/test_district_numbers.py`` follows every link to check it.

``organisation_counts`` is what an organisation's stored summary keeps (``monitoring.summaries``: the
writes to pairs, meetings, participants and consents make it stale); ``overdue`` is read live, as the
roadmaps' progress is (no summary listens to roadmap writes).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count

from mentoring.filters import QUIET, listed_pairs, of_programme_year, pairs_in_state
from mentoring.models import Meeting, Pair
from registry.models import AcademicYear, ConsentState, Participant
from registry.models.people import consent_state_q
from roadmaps.lists import OverdueFilter, overdue_occurrences
from roadmaps.models import Occurrence

CONSENT_STATES = tuple(ConsentState.values)


@dataclass(frozen=True)
class Counted:
    """A number and the list that holds exactly that many rows."""

    n: int
    url: str


def organisation_counts(organisation_ids, year: AcademicYear, today: datetime.date) -> dict[int, dict]:
    """Per organisation: its pairs of the year by form and status and the quiet ones, its current
    participants by consent state, its meetings of the year — four grouped queries for any number of
    organisations. JSON-ready (it is stored)."""
    ids = sorted(set(organisation_ids))
    result = {pk: {"pairs": [], "quiet": 0, "meetings": 0,
                   "participants": {"total": 0, **{state: 0 for state in CONSENT_STATES}}} for pk in ids}
    pairs = of_programme_year(listed_pairs(Pair.objects.filter(programme__organisation_id__in=ids)), year.start_year)
    for org, form, status, n in (pairs.values("programme__organisation_id", "programme__form_id", "status")
                                 .annotate(n=Count("pk"))
                                 .values_list("programme__organisation_id", "programme__form_id", "status", "n")):
        result[org]["pairs"].append([form, status, n])
    quiet = Counter(pairs_in_state(pairs, QUIET, today=today).values_list("programme__organisation_id", flat=True))
    people = (Participant.objects.filter(organisation_id__in=ids).current().with_consent_state(today)
              .values("organisation_id")
              .annotate(total=Count("pk"), **{state: Count("pk", filter=consent_state_q(state))
                                              for state in CONSENT_STATES}))
    for row in people:
        result[row["organisation_id"]]["participants"] = {key: row[key] for key in ("total", *CONSENT_STATES)}
    meetings = (of_programme_year(Meeting.objects.filter(programme__organisation_id__in=ids), year.start_year)
                .values("programme__organisation_id").annotate(n=Count("pk"))
                .values_list("programme__organisation_id", "n"))
    for org, n in meetings:
        result[org]["meetings"] = n
    for org, n in quiet.items():
        result[org]["quiet"] = n
    return result


def overdue(scope, year: AcademicYear, today: datetime.date) -> tuple[dict[int, int], dict[int, int]]:
    """Overdue occurrences of the year's roadmaps the scope sees, as the overdue list counts them: per
    organisation and per roadmap. One query."""
    occurrences = OverdueFilter.base_filters["year"].filter(
        overdue_occurrences(Occurrence.objects.visible_to(scope), today), year.start_year)
    by_organisation: dict[int, int] = defaultdict(int)
    by_roadmap: dict[int, int] = {}
    for roadmap, organisation, n in (occurrences.values("item__roadmap_id", "item__roadmap__organisation_id")
                                     .annotate(n=Count("pk"))
                                     .values_list("item__roadmap_id", "item__roadmap__organisation_id", "n")):
        by_roadmap[roadmap] = n
        if organisation is not None:
            by_organisation[organisation] += n
    return dict(by_organisation), by_roadmap


def pairs_by_status(counts: dict) -> Counter:
    """An organisation's pairs of the year by status (from ``organisation_counts``)."""
    result: Counter = Counter()
    for _form, status, n in counts["pairs"]:
        result[status] += n
    return result
