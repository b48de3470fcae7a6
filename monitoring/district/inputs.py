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
from collections import namedtuple
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils.translation import get_language

from monitoring import summaries as summaries_service
from monitoring.district import counts as district_counts
from monitoring.models import MonitoringReport
from registry.models import AcademicYear, Organisation
from roadmaps.models import Occurrence, Roadmap
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

    def row_key(self, line: OrganisationLine, several_municipalities: bool) -> tuple:
        """Everything one row of the table is built from."""
        pk = line.pk
        return (self.year.pk, self.year.start_year, self.today, self.language, line,
                self.summaries[pk].token, self.overdue_by_organisation.get(pk, 0),
                self.reports.get((pk, 1)), self.reports.get((pk, 2)), several_municipalities)


def read(scope, year: AcademicYear, today: datetime.date) -> Inputs:
    """The rows the dashboard is computed from; the stale summaries among them computed and stored."""
    visible = Organisation.objects.visible_to(scope)
    organisations = _organisations(visible, year, today)
    ids = [line.pk for line in organisations]
    load = Organisations()
    summaries = summaries_service.stored(ids, year, today, load=load, among=visible)
    overdue_by_organisation, overdue_by_roadmap = district_counts.overdue(scope, year, today)
    reports = {(row[1], row[2]): ReportLine(*row) for row in MonitoringReport.objects.filter(
        organisation__in=visible.filter(is_active=True), academic_year=year).values_list(*ReportLine._fields)}
    return Inputs(scope=scope, year=year, today=today, language=get_language(), organisations=organisations,
                  summaries=summaries, overdue_by_organisation=overdue_by_organisation,
                  overdue_by_roadmap=overdue_by_roadmap, reports=reports,
                  district_roadmaps=_district_roadmaps(scope, year, today), load=load)


def _organisations(visible, year, today) -> list[OrganisationLine]:
    """The organisations with their roadmap's progress for the year, as ``roadmaps.selectors.organisation_matrix``
    counts it (``progress_aggregates``), in two narrow queries: grouping the organisations' own wide rows
    by the joined occurrences took three times as long."""
    progress = {row[0]: row[1:] for row in (
        Occurrence.objects.filter(item__roadmap__organisation__in=visible, item__roadmap__academic_year=year)
        .values("item__roadmap__organisation_id")
        .annotate(**progress_aggregates(today=today, prefix="occurrence_"))
        .values_list("item__roadmap__organisation_id", "occurrence_total", "occurrence_done", "next_due"))}
    lines = (visible.order_by("short_name", "pk")
             .annotate(first_roadmap=Min("roadmaps__pk", filter=Q(roadmaps__academic_year=year)))
             .values_list(*_LINE_FIELDS, "first_roadmap"))
    return [OrganisationLine(*row[:-1], *progress.get(row[0], (0, 0, None)), row[-1]) for row in lines]


def _district_roadmaps(scope, year, today) -> list[tuple]:
    """The municipalities' own roadmaps for the year with their progress, in one query."""
    open_ = ~Q(status=Occurrence.Status.DONE)
    return list(Occurrence.objects.filter(item__roadmap__in=Roadmap.objects.visible_to(scope), item__is_removed=False,
                                          item__roadmap__academic_year=year,
                                          item__roadmap__municipality__isnull=False)
                .exclude(status=Occurrence.Status.CANCELLED)
                .values("item__roadmap_id", "item__roadmap__municipality__name")
                .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=Occurrence.Status.DONE)),
                          next_due=Min("due_on", filter=open_ & Q(due_on__gte=today)))
                .order_by("item__roadmap__municipality__name")
                .values_list("item__roadmap_id", "item__roadmap__municipality__name", "total", "done", "next_due"))
