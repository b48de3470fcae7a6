"""The district dashboard's sums folded from each row's parts, run by run.

After a write that changes a figure of one organisation, its row is built again and the district is
folded again (``monitoring.district.dashboard``). Walking three hundred rows' nested figures for every
sum, target and chart made that view half as slow again as a warm one (issue 16). So a row, when it is
built (and kept), is also reduced to its ``Parts``: what the district adds up as one flat tuple of
numbers, what it compares (the targets), its report cells, its keys in the charts' orders and its
entries in the charts. The rows are then summed in runs of ``RUN`` consecutive rows, each run kept by
the rows it holds (``Run``: its column sums, keyed sums, and its first rows of each chart), and a fold
combines the runs: after a write to one organisation only the run of its row is summed again.

Integers are summed exactly whatever the grouping; the one float (the plans' weighted sum) is summed
over the rows in their order, as from scratch. The district is folded the same way from scratch and
after a write; ``tests/test_district_fold.py`` checks the result against the sums written out over the
rows (``monitoring.figures.total``, the report list's ``by_report_status``, a plain sort for the charts).
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from itertools import chain, islice

from monitoring import figures as figures_service
from monitoring import lists as monitoring_lists
from monitoring.dashboards import REPORT_SERIES
from monitoring.district import charts as district_charts
from monitoring.district.charts import LISTED_STATUSES
from monitoring.district.counts import CONSENT_STATES
from monitoring.memo import Memo

PAIR_KEYS = ("forming", "active", "suspended", "completed", "ended_early", "proposed", "groups")
REPORT_KEYS = tuple(key for key, _label, _colour in REPORT_SERIES) + (monitoring_lists.LATE,)

# A row's numbers the district adds up, in the order of its ``Parts.sums``.
ROW_SUMS = (
    "participants_total", "in_programme", "meetings", *(f"pairs_{key}" for key in PAIR_KEYS),
    "students", "students_base", "teachers", "teachers_base", "no_base",
    "with_consent", "consents_total", "plan_count", "plan_on_target", "plan_sum",
    "students_on_target", "teachers_on_target", "without_headcount", "consents_on_target",
    "roadmap_total", "roadmap_done", "roadmap_overdue", "with_roadmap", "with_overdue", "in_roadmap_chart",
    "in_consent_chart",
    *(f"report{half}_{key}" for half in (1, 2) for key in REPORT_KEYS),
)
# An organisation's counts (its summary's, of every organisation the user sees, active or not).
COUNT_SUMS = ("people_total", *(f"people_{state}" for state in CONSENT_STATES), "quiet", "list_meetings")


@dataclass(frozen=True)
class Counts:
    """What the district sums of one organisation's counts (``monitoring.district.counts``)."""

    sums: tuple
    pair_cells: tuple  # ``keyed``: (form id, status) → n of the listed statuses
    forms: frozenset  # (form id, name, position) of the forms of those pairs


def keyed(items) -> tuple[tuple, tuple]:
    """(key, n) pairs as (keys, numbers): rows of the same keys are summed together (``keyed_sums``)."""
    items = tuple(items)
    return tuple(key for key, _n in items), tuple(n for _key, n in items)


def keyed_sums(pairs) -> dict:
    """The sums by key of ``keyed`` pairs: the rows with the same keys (most of them) column-summed at once."""
    groups: dict[tuple, list] = {}
    for keys, numbers in pairs:
        groups.setdefault(keys, []).append(numbers)
    summed: dict = {}
    for keys, rows in groups.items():
        for key, n in zip(keys, map(sum, zip(*rows))):
            summed[key] = summed.get(key, 0) + n
    return summed


def counted(counts: dict) -> Counts:
    people = counts["participants"]
    return Counts(
        sums=(people["total"], *(people[state] for state in CONSENT_STATES), counts["quiet"], counts["meetings"]),
        pair_cells=keyed(((form_id, status), n) for form_id, status, n in counts["pairs"]
                         if status in LISTED_STATUSES),
        forms=frozenset(tuple(form) for form in counts["forms"]))


@dataclass(frozen=True)
class Parts:
    """One row reduced to what the district folds from it."""

    sums: tuple  # in the order of ROW_SUMS
    counts: Counts
    same: tuple  # the targets (students, teachers, plans, consents) and the student base's kind
    registry: tuple  # ``keyed``: category → n
    by_category: tuple  # ``keyed``: category → n in pairs
    by_form: tuple  # ``keyed``: (form, "mentors" or "mentees") → n
    due: tuple  # each half's deadline
    late: tuple  # the late report cells
    chart: dict  # ``charts.row_entries``


def parts(row, counts: dict) -> Parts:
    """The row's parts (built once with the row: the row is kept with them)."""
    f, coverage, plans, roadmap = row.figures, row.coverage, row.plans, row.roadmap
    pairs = f["pairs"]
    has_plans = bool(plans["count"])
    reports = []
    for cell in row.reports:
        reports.extend(len(monitoring_lists.by_report_status([cell], key)[0]) for key in REPORT_KEYS)
    sums = (
        f["participants_total"], f["in_programme"], f["meetings"], *(pairs.get(key, 0) for key in PAIR_KEYS),
        coverage["students"] if coverage["students_base"] else 0, coverage["students_base"],
        coverage["teachers"] if coverage["teachers_base"] else 0, coverage["teachers_base"],
        int(not coverage["students_base"] and not coverage["teachers_base"]),
        f["consents"]["with_consent"], f["consents"]["total"], plans["count"],
        plans["on_target"] if has_plans else 0, plans["average_percent"] * plans["count"] if has_plans else 0,
        int(bool(coverage["students_on_target"])), int(bool(coverage["teachers_on_target"])),
        int(not coverage["students_base"]), int(bool(row.consents["on_target"])),
        roadmap.total, roadmap.done, roadmap.overdue, int(bool(roadmap.roadmap_id)), int(bool(roadmap.overdue)),
        int(bool(roadmap.total)), int(bool(row.consents["total"])), *reports,
    )
    return Parts(
        sums=sums, counts=counted(counts),
        # the row's consents' target is its figures' (``dashboard.consents``)
        same=(coverage["students_target"], coverage["teachers_target"], plans["target"], row.consents["target"],
              coverage["student_base_kind"]),
        registry=keyed(f.get("registry", {}).items()),
        by_category=keyed(f.get("in_programme_by_category", {}).items()),
        by_form=keyed(((entry["form"], role), entry[role]) for entry in f["by_form"] for role in ("mentors", "mentees")),
        due=tuple(cell.due_on for cell in row.reports), late=tuple(cell for cell in row.reports if cell.late),
        chart=district_charts.row_entries(row),
    )


PLAN_SUM = ROW_SUMS.index("plan_sum")
CHARTS = ("students", "teachers", "roadmap", "consents")  # the charts of rows (``charts.row_entries``)


def column_sums(tuples, width: int) -> tuple:
    """The columns' sums of equally long tuples."""
    return tuple(map(sum, zip(*tuples))) or (0,) * width


def _merge(dicts) -> dict:
    summed: dict = {}
    for numbers in dicts:
        for key, n in numbers.items():
            summed[key] = summed.get(key, 0) + n
    return summed


@dataclass(frozen=True)
class Run:
    """What a run of consecutive rows adds up to, and what the district picks among them (the first of
    each chart). Kept (``runs``) by the rows it holds, which it keeps alive: after a write to one
    organisation only the run of its row is summed again, and the district combines the runs."""

    rows: tuple
    sums: tuple  # ROW_SUMS (the plans' float sum is summed over all the rows in order instead)
    plan_sums: tuple  # each row's
    counts: tuple  # COUNT_SUMS
    keyed: tuple  # registry, by category, by form, pair cells: key → n
    forms: frozenset
    same: frozenset
    due: tuple  # each half's deadlines
    late: tuple  # (row, late cell), in the rows' order
    municipalities: dict
    next_due: object
    firsts: dict  # chart → ((key, place in the run, entry), …) of its first CHART_ROWS


def run(rows) -> Run:
    parts = [row.parts for row in rows]
    firsts = {}
    for name in CHARTS:
        key = f"{name}_key"
        candidates = [(p.chart[key], i, p.chart[name]) for i, p in enumerate(parts) if p.chart[name] is not None]
        candidates.sort(key=_order)  # among equals, the rows' order
        firsts[name] = tuple(candidates[:district_charts.CHART_ROWS])
    return Run(
        rows=tuple(rows), sums=column_sums((p.sums for p in parts), len(ROW_SUMS)),
        plan_sums=tuple(p.sums[PLAN_SUM] for p in parts),
        counts=column_sums((p.counts.sums for p in parts), len(COUNT_SUMS)),
        keyed=(keyed_sums(p.registry for p in parts), keyed_sums(p.by_category for p in parts),
               keyed_sums(p.by_form for p in parts), keyed_sums(p.counts.pair_cells for p in parts)),
        forms=frozenset().union(*(p.counts.forms for p in parts)), same=frozenset(p.same for p in parts),
        due=tuple(frozenset(p.due[half] for p in parts) for half in (0, 1)),
        late=tuple((row, cell) for row in rows for cell in row.parts.late),
        municipalities={row.organisation.municipality_id: row.organisation.municipality for row in rows},
        next_due=min((row.roadmap.next_due for row in rows if row.roadmap.next_due), default=None),
        firsts=firsts,
    )


RUN = 20  # rows a run holds
# Runs by the identities of their rows: a run keeps its rows alive, so no other row can have their ids
# while it is kept. Shared between requests: read them, never change them.
_runs = Memo(4096)


def _placed(start: int, candidates):
    return ((key, start + place, entry) for key, place, entry in candidates)


def _order(candidate) -> tuple:
    return candidate[:2]


@dataclass
class Folded:
    """The district's rows combined: the sums and what the charts pick."""

    rows: list
    sums: dict  # ROW_SUMS by name
    counts: dict  # COUNT_SUMS by name, over every organisation the user sees
    registry: dict
    by_category: dict
    by_form: dict
    by_cell: Counter  # (form id, status) → pairs, over every organisation the user sees
    forms: dict  # form id → (name, position)
    same: frozenset
    due: tuple
    late: list
    municipalities: dict
    next_due: object
    firsts: dict  # chart → its first CHART_ROWS entries


def fold(rows, others) -> Folded:
    """The rows combined run by run, each run summed again only if one of its rows is new; ``others``:
    the ``Counts`` of the organisations that are not rows (no longer active), for the numbers that open a
    list."""
    runs = []
    for start in range(0, len(rows), RUN):
        chunk = rows[start:start + RUN]
        key = tuple(map(id, chunk))
        found = _runs.get(key)
        if found is None:
            found = run(chunk)
            _runs.put(key, found)
        runs.append(found)
    sums = dict(zip(ROW_SUMS, column_sums((r.sums for r in runs), len(ROW_SUMS))))
    # The plans' weighted sum is a float: summed over the rows in their order, as from scratch.
    sums["plan_sum"] = sum(chain.from_iterable(r.plan_sums for r in runs))
    others = list(others)
    counts = dict(zip(COUNT_SUMS, column_sums([r.counts for r in runs] + [o.sums for o in others], len(COUNT_SUMS))))
    by_cell = Counter(_merge([r.keyed[3] for r in runs] + [keyed_sums(o.pair_cells for o in others)]))
    forms: dict[int, tuple] = {}
    # Every summary read is fresh, so they agree on a form (a change to one makes them all stale); the
    # first in order, should they not.
    for form, name, position in sorted(frozenset().union(*(r.forms for r in runs), *(o.forms for o in others))):
        forms.setdefault(form, (name, position))
    municipalities: dict = {}
    for r in runs:
        municipalities.update(r.municipalities)
    firsts = {}
    for name in CHARTS:
        # Each run's first in order, merged: the first of the whole (among equals, the rows' order).
        merged = heapq.merge(*(_placed(start, r.firsts[name]) for start, r in zip(range(0, len(rows), RUN), runs)),
                             key=_order)
        firsts[name] = [entry for _key, _place, entry in islice(merged, district_charts.CHART_ROWS)]
    return Folded(
        rows=rows, sums=sums, counts=counts, registry=_merge(r.keyed[0] for r in runs),
        by_category=_merge(r.keyed[1] for r in runs), by_form=_merge(r.keyed[2] for r in runs),
        by_cell=by_cell, forms=forms, same=frozenset().union(*(r.same for r in runs)),
        due=tuple(frozenset().union(*(r.due[half] for r in runs)) for half in (0, 1)),
        late=[pair for r in runs for pair in r.late], municipalities=municipalities,
        next_due=min((r.next_due for r in runs if r.next_due), default=None), firsts=firsts,
    )


def _same(values):
    values = set(values)
    return values.pop() if len(values) == 1 else None


def totals(folded: Folded) -> tuple[dict, dict | None]:
    """The district's totals (what ``figures.total`` sums over the rows' figures, with the district's
    coverage and plans over the rows) and the common target."""
    s, same = folded.sums, folded.same
    targets = {t[:4] for t in same}
    target = None
    if len(targets) == 1:
        students, teachers, plans, consents_target = next(iter(targets))
        target = {"students": students, "teachers": teachers, "plans": plans, "consents": consents_target}
    summed = {"organisations": len(folded.rows), "participants_total": s["participants_total"],
              "in_programme": s["in_programme"], "meetings": s["meetings"],
              "registry": folded.registry, "in_programme_by_category": folded.by_category,
              "pairs": {key: s[f"pairs_{key}"] for key in PAIR_KEYS}}
    coverage = {"students": s["students"], "students_base": s["students_base"], "teachers": s["teachers"],
                "teachers_base": s["teachers_base"], "without_headcount": s["no_base"]}
    for who, index in (("students", 0), ("teachers", 1)):
        coverage[f"{who}_percent"] = figures_service.percent(coverage[who], coverage[f"{who}_base"])
        coverage[f"{who}_target"] = _same(t[index] for t in same)
        # on the district's common target (none when the organisations' differ)
        coverage[f"{who}_on_target"] = bool(target and coverage[f"{who}_percent"] is not None
                                            and coverage[f"{who}_percent"] >= target[who])
        summed[f"{who}_on_target"] = s[f"{who}_on_target"]
    coverage["student_base_kind"] = _same(t[4] for t in same)
    summed["coverage"] = coverage
    consents = {"with_consent": s["with_consent"], "total": s["consents_total"], "target": _same(t[3] for t in same)}
    consents["percent"] = figures_service.percent(consents["with_consent"], consents["total"])
    consents["on_target"] = (consents["target"] is not None and consents["percent"] is not None
                             and consents["percent"] >= consents["target"])
    summed["consents"] = consents
    summed["without_headcount"] = s["without_headcount"]
    plan_count = s["plan_count"]
    # weighted by the number of plans, as the figures average plans within an organisation
    average = round(s["plan_sum"] / plan_count, 1) if plan_count else None
    summed["plans"] = {"count": plan_count, "on_target": s["plan_on_target"], "average_percent": average,
                       "ok": None if average is None or target is None else average >= target["plans"]}
    forms: dict[str, dict] = {}
    for (form, role), n in folded.by_form.items():
        forms.setdefault(form, {"form": form, "mentors": 0, "mentees": 0})[role] += n
    summed["by_form"] = sorted(forms.values(), key=lambda cell: cell["form"])
    summed["roadmap_counts"] = {"with_roadmap": s["with_roadmap"], "with_overdue": s["with_overdue"]}
    return summed, target


def report_halves(folded: Folded, today) -> tuple[list[dict], list]:
    """Each half's reports by state, counted as the report list filters them (``by_report_status``)."""
    s, halves = folded.sums, []
    for half in (1, 2):
        due_dates = sorted(folded.due[half - 1])
        halves.append({
            "half": half, "counts": {key: s[f"report{half}_{key}"] for key, _l, _c in REPORT_SERIES},
            "total": len(folded.rows), "late": s[f"report{half}_{monitoring_lists.LATE}"],
            "due_on": due_dates[0] if len(due_dates) == 1 else None, "due_dates": due_dates,
            "days_left": (due_dates[0] - today).days if len(due_dates) == 1 else None,
        })
    late = sorted(folded.late, key=lambda pair: (pair[1].due_on, pair[0].name))
    return halves, late
