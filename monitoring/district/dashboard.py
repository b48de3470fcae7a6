"""The district dashboard: every organisation the scope reaches, for one academic year.

Coverage against the targets, pairs by form, roadmap progress, half-yearly reports and consents, in a
fixed number of queries whatever the number of organisations. Each organisation's figures and counts
come from its stored summary (``monitoring.summaries``: computed again only for the organisations whose
data changed); roadmap progress, overdue occurrences and report states are read live
(``monitoring.district.inputs``). The page is a pure function of those inputs, so what was folded from
them is kept in the process by all of them: a warm view reads the inputs and renders; after a write to
one organisation only its row is built again, and the sums are folded again from the kept rows' parts,
only the run of rows holding it summed again (``monitoring.district.fold``).

Every number that links to a list is a ``counts.Counted`` — the count the list itself makes (see
``monitoring.district.counts``) and the list's address. The table shows the active organisations; the
lists show every organisation the user sees, so the totals do too, and what belongs to an organisation
no longer active is shown apart («в недействующих организациях»).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field, replace

from django.utils import timezone

from mentoring.filters import QUIET, WORKING
from mentoring.models import Pair
from monitoring import figures as figures_service
from monitoring.dashboards import (
    REPORT_SERIES,
    Progress,
    ReportCell,
    _report_cell,
    organisation_dashboard_url,
    pairs_url,
    participants_url,
)
from monitoring.district import charts as district_charts
from monitoring.district.charts import (
    LISTED_STATUSES,
    meetings_url,
    overdue_url,
    roadmap_dates_url,
)
from monitoring.district import counts as district_counts
from monitoring.district import fold as district_fold
from monitoring.district import inputs as district_inputs
from monitoring.district.counts import Counted
from monitoring.memo import Memo
from monitoring.reports import due_date
from registry.models import AcademicYear, Organisation

# How the district table sorts: the value of a row per whitelisted ``?sort=`` key; a row without a
# value (no head count, no plans, no roadmap) goes last whichever the direction.
SORTS = {
    "name": lambda row: row.name.lower(),
    "students": lambda row: row.coverage["students_percent"],
    "teachers": lambda row: row.coverage["teachers_percent"],
    "pairs": lambda row: row.pairs_working.n,
    "plans": lambda row: row.plans["average_percent"],
    "consents": lambda row: row.consents["percent"],
    "roadmap": lambda row: row.roadmap.percent if row.roadmap.total else None,
    "overdue": lambda row: row.roadmap.overdue,
    "reports": lambda row: row.reports_rank,
}
DEFAULT_SORT = "name"


def sort_rows(rows: list, sort: str) -> list:
    """The rows ordered by a whitelisted ``sort`` such as ``-students`` (ties by name, gaps last)."""
    name = sort.lstrip("-")
    value = SORTS.get(name, SORTS[DEFAULT_SORT])
    by_name = sorted(rows, key=lambda row: row.name.lower())
    known = [row for row in by_name if value(row) is not None]
    known.sort(key=value, reverse=sort.startswith("-") and name in SORTS)
    return known + [row for row in by_name if value(row) is None]


def consents(people: dict, target, organisation_id: int | None) -> dict:
    """Participants by consent state (``counts.organisation_counts``'s «participants»), each with its list."""
    total = people["total"]
    result = {
        "total": total, "with_consent": people["valid"], "target": target,
        "percent": figures_service.percent(people["valid"], total),
        "valid": Counted(people["valid"], participants_url(organisation=organisation_id, consent="valid")),
        "lapsed": Counted(people["lapsed"], participants_url(organisation=organisation_id, consent="lapsed")),
        "missing": Counted(people["missing"], participants_url(organisation=organisation_id, consent="missing")),
        "all": Counted(total, participants_url(organisation=organisation_id)),
    }
    result["on_target"] = result["percent"] is not None and target is not None and result["percent"] >= target
    return result


# --- the rows ---------------------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    organisation: Organisation
    figures: dict
    roadmap: Progress
    consents: dict
    reports: list[ReportCell]
    url: str
    pairs_working: Counted
    show_municipality: bool = False
    year_param: int = 0  # the start year, for the addresses of the row's lists
    # The row's markup by language (``charts.organisation_rows``): the row is kept between requests.
    rendered: dict = field(default_factory=dict, compare=False, repr=False)
    # What the district folds from the row (``monitoring.district.fold``), made with it.
    parts: district_fold.Parts | None = field(default=None, compare=False, repr=False)

    @property
    def pk(self) -> int:
        return self.organisation.pk

    @property
    def name(self) -> str:
        return self.organisation.short_name

    @property
    def coverage(self) -> dict:
        return self.figures["coverage"]

    @property
    def plans(self) -> dict:
        return self.figures["plans"]

    @property
    def overdue(self) -> Counted:
        return Counted(self.roadmap.overdue,
                       overdue_url(organisation=self.pk, year=self.year_param, level="organisation"))

    @property
    def reports_rank(self) -> int:
        """Late first, then the least advanced: for sorting the table by report state."""
        order = [key for key, _label, _colour in REPORT_SERIES]
        return min((0 if cell.late else 1) * 10 + (len(order) - order.index(cell.state)) for cell in self.reports)


@dataclass
class District:
    year: AcademicYear
    today: datetime.date
    rows: list[OrganisationRow]
    totals: dict
    target: dict | None
    municipalities: list
    pairs_by_form: list[dict]
    pairs: dict  # status (and «working», «quiet») → Counted, over every organisation the user sees
    roadmap: Progress
    overdue: Counted
    district_roadmaps: list[dict]
    report_halves: list[dict]
    late_reports: list[tuple[OrganisationRow, ReportCell]]
    consents: dict
    participants: Counted
    meetings: Counted
    inactive: dict | None = None  # what the lists count in organisations no longer active
    sort: str = DEFAULT_SORT
    current_half: int = 1
    charts: dict = field(default_factory=dict)


# What was folded from the same inputs (``monitoring.district.inputs``: addressed by all of them, never
# stale): whole districts, and the rows of the table one by one, so that after a write to one
# organisation only its row is built again. Shared between requests: read them, never change them.
_districts = Memo(16)
_rows = Memo(20000)
# The organisations' objects by the fields of their lines (``_organisations``).
_organisation_objects = Memo(20000)
_ORGANISATION_FIELDS = 9  # pk … the municipality's deadlines: ``inputs.OrganisationLine``


def district(scope, year: AcademicYear, *, today: datetime.date | None = None, sort: str = DEFAULT_SORT) -> District:
    """Every organisation the scope reaches, for the year, in a fixed number of queries."""
    today = today or timezone.localdate()
    inputs = district_inputs.read(scope, year, today)
    key = inputs.key
    folded = _districts.get(key)
    if folded is None:
        folded = _fold(inputs)
        _districts.put(key, folded)
    sort = sort if sort.lstrip("-") in SORTS else DEFAULT_SORT
    return replace(folded, rows=sort_rows(folded.rows, sort), sort=sort)


def _fold(inputs: district_inputs.Inputs) -> District:
    """The district computed from its inputs: the rows (each built again only if its own inputs changed)
    and every sum over them (``monitoring.district.fold``: from the parts kept with the rows)."""
    year, today = inputs.year, inputs.today
    lines = [line for line in inputs.organisations if line.is_active]
    several_municipalities = len({line.municipality_id for line in lines}) > 1
    keys = inputs.row_keys(lines, several_municipalities)
    rows = _rows.get_many(keys)
    unbuilt = [i for i, row in enumerate(rows) if row is None]
    if unbuilt:
        organisations = _organisations(inputs, [lines[i] for i in unbuilt])
        for i in unbuilt:
            rows[i] = _row(inputs, lines[i], organisations[lines[i].pk], several_municipalities)
            _rows.put(keys[i], rows[i])
    start = year.start_year

    # The numbers that open a list: summed over every organisation the user sees, as the lists count.
    inactive = {o.pk: inputs.summaries[o.pk].data["counts"] for o in inputs.organisations if not o.is_active}
    folded = district_fold.fold(rows, [district_fold.counted(c) for c in inactive.values()])
    totals, target = district_fold.totals(folded)
    counted, sums = folded.counts, folded.sums
    participants = {key: counted[f"people_{key}"] for key in ("total", *district_counts.CONSENT_STATES)}
    district_consents = consents(participants, target["consents"] if target else 100, None)
    district_consents["organisations_on_target"] = sums["consents_on_target"]
    pairs_by_form, by_status = _pairs_by_form(folded.by_cell, folded.forms)
    pairs = {status: Counted(by_status[status], pairs_url(year=start, status=status)) for status in LISTED_STATUSES}
    pairs[WORKING] = Counted(sum(by_status[s] for s in Pair.OPEN_STATUSES), pairs_url(year=start, status=WORKING))
    pairs[QUIET] = Counted(counted["quiet"], pairs_url(year=start, status=QUIET))
    pairs["all"] = Counted(sum(by_status[s] for s in LISTED_STATUSES), pairs_url(year=start))

    roadmap = Progress(sums["roadmap_total"], sums["roadmap_done"], sums["roadmap_overdue"], folded.next_due)
    halves, late = district_fold.report_halves(folded, today)
    overdue_by_organisation = inputs.overdue_by_organisation
    result = District(
        year=year, today=today, rows=rows, totals=totals, target=target,
        municipalities=sorted(folded.municipalities.values(), key=lambda m: m.name),
        pairs_by_form=pairs_by_form, pairs=pairs, roadmap=roadmap,
        overdue=Counted(sum(overdue_by_organisation.values()), overdue_url(year=start, level="organisation")),
        district_roadmaps=_district_roadmaps(inputs), report_halves=halves,
        late_reports=late, consents=district_consents,
        participants=Counted(participants["total"], participants_url()),
        meetings=Counted(counted["list_meetings"], meetings_url(year=start)),
        inactive=_inactive(inputs.organisations, inactive, overdue_by_organisation),
    )
    # The half a curator is busy with: the first until the end of December, then the second.
    result.current_half = 1 if today <= datetime.date(year.start_year, 12, 31) else 2
    result.charts = district_charts.charts(result, folded)
    return result


def _organisations(inputs, lines) -> dict[int, Organisation]:
    """The organisations of the rows built again. A row shows of its organisation only what its line
    holds (names, the municipality and its deadlines), so the object read for an earlier row of the same
    line serves; only the others are read (one query)."""
    found = {line.pk: _organisation_objects.get(line[:_ORGANISATION_FIELDS]) for line in lines}
    missing = [pk for pk, organisation in found.items() if organisation is None]
    if missing:
        found.update(inputs.load(missing))
        for line in lines:
            _organisation_objects.put(line[:_ORGANISATION_FIELDS], found[line.pk])
    return found


def _row(inputs, line, organisation: Organisation, several_municipalities: bool) -> OrganisationRow:
    """One organisation's row of the table, from its summary, roadmap progress and reports."""
    year, today, pk = inputs.year, inputs.today, line.pk
    summary = inputs.summaries[pk].data
    figures, counts = summary["figures"], summary["counts"]
    org_url = organisation_dashboard_url(pk, year)
    cells = [_report_cell(inputs.reports.get((pk, half)), half=half, today=today,
                          due_on=due_date(organisation.municipality, year, half), organisation_url=org_url)
             for half in (1, 2)]
    working = sum(n for status, n in district_counts.pairs_by_status(counts).items() if status in Pair.OPEN_STATUSES)
    row = OrganisationRow(
        organisation=organisation, figures=figures,
        roadmap=Progress(line.occurrence_total, line.occurrence_done, inputs.overdue_by_organisation.get(pk, 0),
                         line.next_due, line.roadmap_id),
        consents=consents(counts["participants"], figures["consents"]["target"], pk),
        reports=cells, url=org_url, show_municipality=several_municipalities, year_param=year.start_year,
        pairs_working=Counted(working, pairs_url(organisation=pk, year=year.start_year, status=WORKING)),
    )
    row.parts = district_fold.parts(row, counts)
    return row


def _inactive(everyone, counts, overdue_by_organisation) -> dict | None:
    """What the lists hold of organisations no longer active (not rows of the table), if anything
    (``counts``: theirs)."""
    gone = [o.pk for o in everyone if not o.is_active]
    if not gone:
        return None
    totals = {
        "organisations": len(gone),
        "pairs": sum(n for pk in gone for _f, status, n in counts[pk]["pairs"] if status in LISTED_STATUSES),
        "participants": sum(counts[pk]["participants"]["total"] for pk in gone),
        "meetings": sum(counts[pk]["meetings"] for pk in gone),
        "overdue": sum(overdue_by_organisation.get(pk, 0) for pk in gone),
    }
    return totals if any(value for key, value in totals.items() if key != "organisations") else None


def _pairs_by_form(by_cell: Counter, labels: dict) -> tuple[list[dict], Counter]:
    """Pairs of the year by form and status, district-wide (``by_cell``: (form id, status) → n summed
    from the organisations' counts; ``labels``: form id → (name, position), as the counts read them)."""
    forms: dict[int, dict] = {
        form_id: {"form_id": form_id, "label": labels[form_id][0], "position": labels[form_id][1],
                  "values": Counter()}
        for form_id in {form_id for form_id, _status in by_cell}
    }
    by_status: Counter = Counter()
    for (form_id, status), n in by_cell.items():
        forms[form_id]["values"][status] += n
        by_status[status] += n
    result = []
    for cell in sorted(forms.values(), key=lambda c: (c["position"], c["label"], c["form_id"])):
        cell["total"] = sum(cell["values"][status] for status in LISTED_STATUSES)
        if cell["total"]:
            result.append(cell)
    return result, by_status


def _district_roadmaps(inputs) -> list[dict]:
    """The municipalities' own roadmaps for the year with their progress."""
    result = []
    for roadmap_id, name, total, done, next_due in inputs.district_roadmaps:
        overdue = inputs.overdue_by_roadmap.get(roadmap_id, 0)
        result.append({"name": name, "progress": Progress(total, done, overdue, next_due, roadmap_id),
                       "overdue": Counted(overdue, roadmap_dates_url(roadmap_id, "overdue"))})
    return result
