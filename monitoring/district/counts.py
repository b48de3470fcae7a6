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
from mentoring.models import Pair
from monitoring.year_rows import CONSENT_STATES, YearRows, year_rows
from registry.models import AcademicYear
from roadmaps.lists import OverdueFilter, overdue_occurrences
from roadmaps.models import Occurrence


@dataclass(frozen=True)
class Counted:
    """A number and the list that holds exactly that many rows."""

    n: int
    url: str


def organisation_counts(organisation_ids, year: AcademicYear, today: datetime.date, *,
                        rows: YearRows | None = None) -> dict[int, dict]:
    """Per organisation: its pairs of the year by form and status and the quiet ones (and those forms' names
    and places), its current participants by consent state, its meetings of the year — four grouped queries
    for any number of organisations, one when ``rows`` (``monitoring.year_rows`` of the same organisations,
    year and day, counted over these very lists' querysets) are given. JSON-ready (it is stored)."""
    ids = sorted(set(organisation_ids))
    if rows is None:
        rows = year_rows(ids, year, year.starts_on, year.ends_on, today)
    result = {pk: {"pairs": [], "forms": [], "quiet": 0, "meetings": 0,
                   "participants": {"total": 0, **{state: 0 for state in CONSENT_STATES}}} for pk in ids}
    for org, listed in rows.pairs.items():
        result[org]["pairs"] = [[form, status, n] for form, status, n, _begun in listed]
        result[org]["forms"] = [[form, *rows.forms[form]] for form in sorted({form for form, *_rest in listed})]
    for org, by_category in rows.participants.items():
        result[org]["participants"] = {key: sum(row[key] for row in by_category.values())
                                       for key in ("total", *CONSENT_STATES)}
    for org, (n, _held) in rows.meetings.items():
        result[org]["meetings"] = n
    pairs = of_programme_year(listed_pairs(Pair.objects.filter(programme__organisation_id__in=ids)), year.start_year)
    quiet = Counter(pairs_in_state(pairs, QUIET, today=today).values_list("programme__organisation_id", flat=True))
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
