"""What the district dashboard is computed from, read afresh on every view in a few narrow queries.

The dashboard is a pure function of these rows: the organisations the scope sees with their roadmap
progress (and their names and municipalities' deadlines), each organisation's stored summary by its
token (``monitoring.summaries.stored``: a write anywhere in its data, even in the reader's own
transaction, makes it stale, and computing it again draws a new token), the overdue occurrences, the
reports, the municipalities' own roadmaps, the date and the language. ``Inputs.key`` is all of that, so
``monitoring.district.dashboard`` keeps what it folded from the same inputs (``monitoring.memo``) and
computes again only when one of them differs: a warm view reads these rows and renders; after a write
to one organisation its summary and its row of the table are computed again and the district's sums
refolded from the rest. Nothing is keyed by a counter that a rollback could bring back with other data
behind it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict, namedtuple
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils.translation import get_language

from monitoring import summaries as summaries_service
from monitoring.models import MonitoringReport
from registry.models import AcademicYear, Organisation
from roadmaps.models import Occurrence
from roadmaps.selectors import progress_aggregates

# An organisation as the table needs it: its names, its municipality's name and report deadlines, its
# roadmap's progress.
OrganisationLine = namedtuple("OrganisationLine", [
    "pk", "short_name", "is_active", "municipality_id", "municipality_name", "first_month", "first_day",
    "second_month", "second_day", "occurrence_total", "occurrence_done", "next_due", "roadmap_id"])
_LINE_FIELDS = ("pk", "short_name", "is_active", "municipality_id", "municipality__name",
                "municipality__first_half_due_month", "municipality__first_half_due_day",
                "municipality__second_half_due_month", "municipality__second_half_due_day")

# A report as the dashboard reads it (``monitoring.dashboards._report_cell``: its attributes).
ReportLine = namedtuple("ReportLine", ["pk", "organisation_id", "half", "due_on", "status", "submitted_at"])


class Organisations:
    """The organisations' objects, read only for the rows that are built again (the stale summaries
    first, then the rows), each at most once."""

    def __init__(self):
        self.loaded: dict[int, Organisation] = {}

    def __call__(self, pks) -> dict[int, Organisation]:
        missing = [pk for pk in pks if pk not in self.loaded]
        if missing:
            self.loaded.update(Organisation.objects.select_related("municipality").in_bulk(missing))
        return {pk: self.loaded[pk] for pk in pks}


@dataclass
class Inputs:
    scope: object
    year: AcademicYear
    today: datetime.date
    language: str
    organisations: list[OrganisationLine]  # by short name, then pk
    summaries: dict[int, summaries_service.Stored]
    overdue_by_organisation: dict[int, int]
    overdue_by_roadmap: dict[int, int]
    reports: dict[tuple[int, int], ReportLine]
    district_roadmaps: list[tuple]  # (roadmap id, municipality name, total, done, next due)
    load: Organisations

    @property
    def key(self) -> tuple:
        """Everything the page is folded from (tuples compared whole, so no two inputs share a key)."""
        return (self.year.pk, self.year.start_year, self.today, self.language, tuple(self.organisations),
                tuple((pk, stored.token) for pk, stored in sorted(self.summaries.items())),
                tuple(sorted(self.overdue_by_organisation.items())), tuple(sorted(self.overdue_by_roadmap.items())),
                tuple(sorted(self.reports.values())), tuple(self.district_roadmaps))

    def row_keys(self, lines, several_municipalities: bool) -> list[tuple]:
        """Everything each line's row of the table is built from (one list: a fold looks up every row)."""
        year, start, today, language = self.year.pk, self.year.start_year, self.today, self.language
        summaries, overdue, reports = self.summaries, self.overdue_by_organisation, self.reports
        return [(year, start, today, language, line, summaries[line.pk].token, overdue.get(line.pk, 0),
                 reports.get((line.pk, 1)), reports.get((line.pk, 2)), several_municipalities) for line in lines]


def read(scope, year: AcademicYear, today: datetime.date) -> Inputs:
    """The rows the dashboard is computed from; the stale summaries among them computed and stored."""
    visible = Organisation.objects.visible_to(scope)
    roadmaps = _roadmaps(scope, year, today)
    organisations = _organisations(visible, year, roadmaps)
    ids = [line.pk for line in organisations]
    load = Organisations()
    # A summary needs an organisation's id, short name and municipality, which its line holds: computing
    # the stale ones reads no organisation (the rows built again afterwards do, through ``load``).
    lines = {line.pk: line for line in organisations}
    summaries = summaries_service.stored(ids, year, today, load=lambda pks: {pk: lines[pk] for pk in pks},
                                         among=visible)
    overdue_by_organisation: dict[int, int] = defaultdict(int)
    overdue_by_roadmap: dict[int, int] = {}
    for roadmap_id, organisation_id, _name, _total, _done, overdue, _next in roadmaps:
        if overdue:
            overdue_by_roadmap[roadmap_id] = overdue
            if organisation_id is not None:
                overdue_by_organisation[organisation_id] += overdue
    reports = {(row[1], row[2]): ReportLine(*row) for row in MonitoringReport.objects.filter(
        organisation__in=visible.filter(is_active=True), academic_year=year).values_list(*ReportLine._fields)}
    district_roadmaps = [(roadmap_id, name, total, done, next_due)
                         for roadmap_id, organisation_id, name, total, done, _overdue, next_due in roadmaps
                         if organisation_id is None and name is not None and total]
    return Inputs(scope=scope, year=year, today=today, language=get_language(), organisations=organisations,
                  summaries=summaries, overdue_by_organisation=dict(overdue_by_organisation),
                  overdue_by_roadmap=overdue_by_roadmap, reports=reports, district_roadmaps=district_roadmaps,
                  load=load)


def _roadmaps(scope, year, today) -> list[tuple]:
    """Every roadmap of the year the scope sees, the organisations' and the municipalities' own, in one
    query: (id, organisation id, municipality name, total, done, overdue, next deadline) by the progress
    rule (``roadmaps.selectors.progress_aggregates``, as the matrix counts). Its «overdue» — open, past
    its date, of an item still in the roadmap — is what the overdue list lists
    (``roadmaps.lists.overdue_occurrences`` on ``Occurrence.objects.visible_to``, filtered by the year),
    so the links' numbers agree (``tests/test_district_numbers.py``; ``district_counts.overdue`` counts the
    same with the list's own queryset, and a test compares the two)."""
    return list(Occurrence.objects.visible_to(scope).filter(item__roadmap__academic_year=year)
                .values("item__roadmap_id")
                .annotate(**progress_aggregates(today=today, prefix="occurrence_"))
                .order_by("item__roadmap__municipality__name", "item__roadmap_id")
                .values_list("item__roadmap_id", "item__roadmap__organisation_id", "item__roadmap__municipality__name",
                             "occurrence_total", "occurrence_done", "occurrence_overdue", "next_due"))


def _organisations(visible, year, roadmaps) -> list[OrganisationLine]:
    """The organisations with their roadmaps' progress for the year (summed over the year's roadmaps of
    each, as ``roadmaps.selectors.organisation_matrix`` counts it) and the first roadmap's id."""
    progress: dict[int, list] = {}
    for _roadmap, organisation_id, _name, total, done, _overdue, next_due in roadmaps:
        if organisation_id is None:
            continue
        seen = progress.setdefault(organisation_id, [0, 0, None])
        seen[0] += total
        seen[1] += done
        if next_due is not None and (seen[2] is None or next_due < seen[2]):
            seen[2] = next_due
    lines = (visible.order_by("short_name", "pk")
             .annotate(first_roadmap=Min("roadmaps__pk", filter=Q(roadmaps__academic_year=year)))
             .values_list(*_LINE_FIELDS, "first_roadmap"))
    return [OrganisationLine(*row[:-1], *progress.get(row[0], (0, 0, None)), row[-1]) for row in lines]
