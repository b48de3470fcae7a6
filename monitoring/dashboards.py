"""The pieces both monitoring dashboards share: series and their colours, addresses of the rows behind
every number, roadmap progress and report cells. The dashboards themselves are
``monitoring.school_dashboard`` (one organisation) and ``monitoring.district.dashboard``; both return
plain data — dicts, lists and small dataclasses — so the templates never touch the database.
"""

from __future__ import annotations

import datetime
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from mentoring.models import Pair
from monitoring.models import MonitoringReport, Questionnaire
from monitoring.reports import is_late
from registry.models import AcademicYear

# Pair statuses the charts show, in the order of a pair's life, with their colours.
PAIR_SERIES = (
    (Pair.Status.ACTIVE, _("действует"), "#0d6efd"),
    (Pair.Status.FORMING, _("формируется"), "#6ea8fe"),
    # Suspended while a participant's consent is missing: counted as such, not as working.
    (Pair.Status.SUSPENDED, _("приостановлена"), "#dc3545"),
    (Pair.Status.COMPLETED, _("завершена"), "#198754"),
    (Pair.Status.ENDED_EARLY, _("прекращена досрочно"), "#adb5bd"),
)
PAIR_STATUSES = tuple(status for status, _label, _colour in PAIR_SERIES)

# A report's state for the dashboard: the model's statuses, and «не начат» for a half without a row.
REPORT_MISSING = "missing"
REPORT_SERIES = (
    (MonitoringReport.Status.ACCEPTED, _("принят"), "#198754"),
    (MonitoringReport.Status.SUBMITTED, _("на проверке"), "#0d6efd"),
    (MonitoringReport.Status.RETURNED, _("возвращён"), "#fd7e14"),
    (MonitoringReport.Status.DRAFT, _("готовится"), "#ffc107"),
    (REPORT_MISSING, _("не начат"), "#ced4da"),
)
REPORT_LABELS = {key: label for key, label, _colour in REPORT_SERIES}

CONSENT_SERIES = (
    ("valid", _("действует"), "#198754"),
    ("lapsed", _("отозвано или истекло"), "#ffc107"),
    ("missing", _("нет согласия"), "#dc3545"),
)

SATISFACTION_LABELS = {
    Questionnaire.Kind.MENTOR_SATISFACTION: _("Наставники довольны"),
    Questionnaire.Kind.MENTEE_SATISFACTION: _("Наставляемые довольны"),
    Questionnaire.Kind.PROGRAMME_QUALITY: _("Качество программы"),
}
GROWTH_LABELS = {
    "motivation": _("Мотивационно-личностный рост"),
    "competence": _("Компетентностный рост"),
    "professional": _("Профессиональный рост"),
}


# --- addresses -------------------------------------------------------------------------------------

_SENTINEL = 987654321


@lru_cache(maxsize=64)
def _pattern(name: str) -> str:
    """The URL of ``name`` with ``{}`` for its one integer argument: reversed once, not once per row."""
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


def url(name: str, pk=None, **query) -> str:
    """The address of ``name`` (with its one argument) and a query string; empty values are left out."""
    path = _pattern(name).format(pk) if pk is not None else _pattern_plain(name)
    pairs = [(key, value) for key, value in query.items() if value not in (None, "")]
    if not pairs:
        return path
    if all(isinstance(value, int) or _PLAIN.fullmatch(str(value)) for _key, value in pairs):
        # ids, years and status codes need no escaping: spare urlencode on every row of a big district
        return path + "?" + "&".join(f"{key}={value}" for key, value in pairs)
    return f"{path}?{urlencode(pairs)}"


@lru_cache(maxsize=64)
def _pattern_plain(name: str) -> str:
    return reverse(name)


_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")


def participants_url(**query) -> str:
    return url("registry:participant_list", **query)


def pairs_url(**query) -> str:
    """The pair list narrowed by its filters: ``programme``, ``organisation``, ``form``, ``year`` (the
    start year) and ``status`` (a pair status or ``quiet``)."""
    return url("mentoring:pair_list", **query)


def organisation_dashboard_url(pk: int, year: AcademicYear, anchor: str = "") -> str:
    return url("monitoring:organisation_dashboard", pk, year=year.start_year) + (f"#{anchor}" if anchor else "")


@contextmanager
def without_jit():
    """PostgreSQL judges the dashboards' grouped queries costly enough to JIT-compile them, and the
    compiling takes longer than it saves: about 200 ms of a 300-organisation district's page. Turned off
    for the dashboard's queries only (``SET LOCAL`` lasts until the end of this transaction)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


# --- years -----------------------------------------------------------------------------------------


# --- shared pieces ---------------------------------------------------------------------------------


@dataclass
class Progress:
    """A roadmap's occurrences for the year: total, done, overdue and the next open deadline."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    next_due: datetime.date | None = None
    roadmap_id: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def url(self) -> str:
        return url("roadmaps:roadmap_detail", self.roadmap_id) if self.roadmap_id else ""

    @property
    def overdue_url(self) -> str:
        return url("roadmaps:roadmap_detail", self.roadmap_id, status="overdue") if self.roadmap_id else ""


@dataclass
class ReportCell:
    """One organisation's report for one half: its state, deadline and whether it is late."""

    half: int
    due_on: datetime.date
    state: str = REPORT_MISSING
    report_id: int | None = None
    late: bool = False
    submitted_on: datetime.date | None = None
    organisation_url: str = ""
    days_late: int = 0

    @property
    def label(self):
        return REPORT_LABELS[self.state]

    @property
    def status(self) -> str:
        """The state by the report list's name for it (``monitoring.lists.by_report_status``)."""
        return self.state

    @property
    def url(self) -> str:
        return url("monitoring:report_detail", self.report_id) if self.report_id else self.organisation_url


def _report_cell(report, *, half, due_on, today, organisation_url) -> ReportCell:
    """The report's state for the dashboard, by the report workflow's rules (``monitoring.reports``): the
    deadline is the report's own, or the municipality's for a half without a report."""
    due_on = report.due_on if report is not None else due_on
    cell = ReportCell(half=half, due_on=due_on, late=is_late(report, due_on, today),
                      organisation_url=organisation_url)
    if report is not None:
        cell.state, cell.report_id = report.status, report.pk
        cell.submitted_on = timezone.localdate(report.submitted_at) if report.submitted_at else None
    if cell.late:
        # Days past the deadline: until today, or until it was handed in late.
        handed_in = cell.submitted_on if cell.state not in MonitoringReport.EDITABLE else None
        cell.days_late = ((handed_in or today) - cell.due_on).days
    return cell


def _reports(organisation_ids, year) -> dict[tuple[int, int], MonitoringReport]:
    """(organisation id, half) → report, in one query (only the columns the dashboards need)."""
    rows = (MonitoringReport.objects.filter(organisation_id__in=organisation_ids, academic_year=year)
            .only("pk", "organisation_id", "half", "due_on", "status", "submitted_at"))
    return {(report.organisation_id, report.half): report for report in rows}


def _consents(figures: dict, consented_ever: int, organisation_id: int | None) -> dict:
    """The figures' consent numbers split into valid, lapsed and missing, with their lists."""
    consents = dict(figures["consents"])
    missing = max(0, consents["total"] - consented_ever)
    consents["missing"] = missing
    consents["lapsed"] = max(0, consents["total"] - consents["with_consent"] - missing)
    consents["without"] = consents["total"] - consents["with_consent"]
    consents["on_target"] = consents["percent"] is not None and consents["percent"] >= consents["target"]
    consents["missing_url"] = participants_url(organisation=organisation_id, consent="missing")
    consents["lapsed_url"] = participants_url(organisation=organisation_id, consent="lapsed")
    consents["valid_url"] = participants_url(organisation=organisation_id, consent="valid")
    consents["all_url"] = participants_url(organisation=organisation_id)
    return consents


ROADMAP_SERIES = (
    ("done", _("выполнено"), "#198754"),
    ("open", _("в работе, срок не прошёл"), "#ced4da"),
    ("overdue", _("просрочено"), "#dc3545"),
)
