"""The district dashboard's charts: coverage by organisation (those furthest from the target first), pairs
by form and status, roadmap progress, reports by state and consents — rows for ``monitoring.templatetags.charts``."""

from __future__ import annotations

from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from mentoring.models import Pair
from monitoring.dashboards import PAIR_SERIES, PAIR_STATUSES, REPORT_SERIES, pairs_url, url
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


# --- charts -----------------------------------------------------------------------------------------


def _coverage_entry(row, kind: str) -> dict:
    coverage = row.coverage
    base = coverage[f"{kind}_base"]
    return {
        "label": row.name, "value": coverage[f"{kind}_percent"], "target": coverage[f"{kind}_target"],
        "ok": coverage[f"{kind}_on_target"] if coverage[f"{kind}_percent"] is not None else None,
        "note": f"{coverage[kind]} / {base}" if base else str(_("численность не указана")),
        "url": f"{row.url}#coverage",
    }


def _worst_key(value, row) -> tuple:
    """The order from the lowest value up (unknown values last), then by name."""
    return (value is None, value or 0, row.name.lower())


def row_entries(row) -> dict:
    """One row's entries in the charts and its keys in their orders: made once with the row (it is kept
    between requests, ``monitoring.district.fold``), so a chart after a write draws up only the rows that
    changed. The entries are shared: read them, never change them."""
    roadmap, consents = row.roadmap, row.consents
    entries = {
        "students": _coverage_entry(row, "students"),
        "students_key": _worst_key(row.coverage["students_percent"], row),
        "teachers": _coverage_entry(row, "teachers"),
        "teachers_key": _worst_key(row.coverage["teachers_percent"], row),
        "roadmap": None, "consents": None,
    }
    if roadmap.total:
        entries["roadmap_key"] = (-roadmap.overdue, roadmap.percent, row.name.lower())
        entries["roadmap"] = {
            # The label opens the roadmap itself (its table also holds what needs no doing): not a count.
            "label": row.name, "url": roadmap.url, "counted": "parts",
            "values": {"done": roadmap.done, "open": roadmap.total - roadmap.done - roadmap.overdue,
                       "overdue": roadmap.overdue},
            "urls": {key: roadmap_dates_url(roadmap.roadmap_id, key)
                     for key in (Occurrence.Status.DONE, "open", "overdue")},
        }
    if consents["total"]:
        entries["consents_key"] = _worst_key(consents["percent"], row)
        entries["consents"] = {
            "label": row.name, "url": consents["all"].url, "counted": True,
            "values": {key: consents[key].n for key in district_counts.CONSENT_STATES},
            "urls": {key: consents[key].url for key in district_counts.CONSENT_STATES},
        }
    return entries


@lru_cache(maxsize=256)
def _form_urls(form_id: int, start: int) -> dict:
    """A form's pairs of the year and each status of them: the addresses of its bar (shared: read only)."""
    return {"url": pairs_url(form=form_id, year=start),
            "urls": {status: pairs_url(form=form_id, year=start, status=status) for status in LISTED_STATUSES}}


@lru_cache(maxsize=64)
def _half_urls(start: int, half: int) -> dict:
    """A half's reports and each state of them: the addresses of its bar (shared: read only)."""
    return {"url": url("monitoring:report_list", year=start, half=half),
            "urls": {key: url("monitoring:report_list", year=start, half=half, status=key)
                     for key, _l, _c in REPORT_SERIES}}


def charts(d, folded) -> dict:
    """The charts' rows. A part of a stacked bar, and a bar's label when ``counted``, open the list that
    holds exactly their number (``stacked_chart`` marks them with ``data-count``). The rows' entries first
    in each chart's order are picked by ``monitoring.district.fold`` (``folded.firsts``)."""
    start = d.year.start_year
    pairs = [{"label": cell["label"], "counted": True, "values": dict(cell["values"]),
              **_form_urls(cell["form_id"], start)} for cell in d.pairs_by_form]
    reports = [{"label": f"{half['half']} " + str(_("полугодие")), "counted": True, "values": dict(half["counts"]),
                **_half_urls(start, half["half"])} for half in d.report_halves]
    firsts = folded.firsts
    return {
        "students": firsts["students"], "teachers": firsts["teachers"], "pairs": pairs,
        "roadmap": firsts["roadmap"], "reports": reports, "consents": firsts["consents"],
        "roadmap_rows": folded.sums["in_roadmap_chart"], "consent_rows": folded.sums["in_consent_chart"],
    }
