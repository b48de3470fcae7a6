"""The district dashboard's charts: coverage by organisation (those furthest from the target first), pairs
by form and status, roadmap progress, reports by state and consents — rows for ``monitoring.templatetags.charts``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mentoring.models import Pair
from monitoring.dashboards import PAIR_SERIES, PAIR_STATUSES, REPORT_SERIES, organisation_dashboard_url, pairs_url, url
from monitoring.district import counts as district_counts
from roadmaps.models import Occurrence

CHART_ROWS = 25  # a chart of more organisations shows those furthest from the target; the table has all

# The district's chart of pairs by form shows proposals too: the bar is then the whole of the pair
# list its label opens.
DISTRICT_PAIR_SERIES = PAIR_SERIES + ((Pair.Status.PROPOSED, _("предложена подбором"), "#e9ecef"),)
LISTED_STATUSES = PAIR_STATUSES + (Pair.Status.PROPOSED,)


# --- addresses of the lists -------------------------------------------------------------------------


def meetings_url(**query) -> str:
    return url("mentoring:meeting_list", **query)


def overdue_url(**query) -> str:
    return url("roadmaps:overdue", **query)


def roadmap_dates_url(roadmap_id: int, status: str) -> str:
    """One roadmap's occurrences as a list, filtered by a shown status (``?view=dates``)."""
    return url("roadmaps:roadmap_detail", roadmap_id, view="dates", status=status)


def report_list_url(year, *, half=None, status=None) -> str:
    return url("monitoring:report_list", year=year.start_year, half=half, status=status)


# --- charts -----------------------------------------------------------------------------------------


def _worst_first(rows, value, limit=CHART_ROWS):
    """The rows ordered from the lowest value up (unknown values last), at most ``limit`` of them."""
    ordered = sorted(rows, key=lambda row: (value(row) is None, value(row) or 0, row.name.lower()))
    return ordered[:limit]


def _coverage_rows(rows, kind: str, year) -> list[dict]:
    chart = []
    for row in _worst_first(rows, lambda r: r.coverage[f"{kind}_percent"]):
        coverage = row.coverage
        base = coverage[f"{kind}_base"]
        chart.append({
            "label": row.name, "value": coverage[f"{kind}_percent"], "target": coverage[f"{kind}_target"],
            "ok": coverage[f"{kind}_on_target"] if coverage[f"{kind}_percent"] is not None else None,
            "note": f"{coverage[kind]} / {base}" if base else str(_("численность не указана")),
            "url": organisation_dashboard_url(row.pk, year, "coverage"),
        })
    return chart


def charts(d) -> dict:
    """The charts' rows. A part of a stacked bar, and a bar's label when ``counted``, open the list that
    holds exactly their number (``stacked_chart`` marks them with ``data-count``)."""
    year, start, rows = d.year, d.year.start_year, d.rows
    pairs = [{
        "label": cell["label"], "url": pairs_url(form=cell["form_id"], year=start), "counted": True,
        "values": dict(cell["values"]),
        "urls": {status: pairs_url(form=cell["form_id"], year=start, status=status) for status in LISTED_STATUSES},
    } for cell in d.pairs_by_form]
    roadmap_rows = [row for row in rows if row.roadmap.total]
    roadmap_rows.sort(key=lambda row: (-row.roadmap.overdue, row.roadmap.percent, row.name.lower()))
    roadmap = [{
        # The label opens the roadmap itself (its table also holds what needs no doing): not a count.
        "label": row.name, "url": row.roadmap.url, "counted": "parts",
        "values": {"done": row.roadmap.done, "open": row.roadmap.total - row.roadmap.done - row.roadmap.overdue,
                   "overdue": row.roadmap.overdue},
        "urls": {key: roadmap_dates_url(row.roadmap.roadmap_id, key)
                 for key in (Occurrence.Status.DONE, "open", "overdue")},
    } for row in roadmap_rows[:CHART_ROWS]]
    reports = [{
        "label": f"{half['half']} " + str(_("полугодие")), "url": report_list_url(year, half=half["half"]),
        "counted": True, "values": dict(half["counts"]),
        "urls": {key: report_list_url(year, half=half["half"], status=key) for key, _l, _c in REPORT_SERIES},
    } for half in d.report_halves]
    consent_rows = [row for row in rows if row.consents["total"]]
    consent_chart = [{
        "label": row.name, "url": row.consents["all"].url, "counted": True,
        "values": {key: row.consents[key].n for key in district_counts.CONSENT_STATES},
        "urls": {key: row.consents[key].url for key in district_counts.CONSENT_STATES},
    } for row in _worst_first(consent_rows, lambda r: r.consents["percent"])]
    return {
        "students": _coverage_rows(rows, "students", year),
        "teachers": _coverage_rows(rows, "teachers", year),
        "pairs": pairs, "roadmap": roadmap, "reports": reports, "consents": consent_chart,
        "roadmap_rows": len(roadmap_rows), "consent_rows": len(consent_rows),
    }


