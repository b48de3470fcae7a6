"""What the monitoring dashboards show, built in a constant number of queries: the pieces both
dashboards share (series, addresses, roadmap progress, report cells) and the school's dashboard.

``school(organisation, year)`` is one organisation's page: coverage, its programmes, plans, meetings,
satisfaction and growth, consents, reports and the roadmap's next deadlines, computed from
``monitoring.figures.compute``; roadmap progress comes from ``roadmaps.selectors.organisation_matrix`` and
report states from one query. The district's page is ``monitoring.district.dashboard``. What they
return is plain data — dicts, lists and small dataclasses carrying the address of the rows behind
every number — so the templates never touch the database.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from mentoring.models import Pair, PlanItem, Programme
from mentoring.selectors import quiet_pairs
from monitoring import figures as figures_service
from monitoring import summaries as summaries_service
from monitoring.models import MonitoringReport, Questionnaire
from monitoring.reports import due_date, is_late
from registry.models import AcademicYear, Organisation
from roadmaps.models import Occurrence
from roadmaps.selectors import organisation_matrix

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


# --- one organisation ------------------------------------------------------------------------------


@dataclass
class ProgrammeRow:
    programme_id: int
    form: str
    pairs: dict
    proposed: int
    quiet: int
    meetings: int
    plans: dict
    url: str

    @property
    def total(self) -> int:
        return sum(self.pairs.values())

    @property
    def working(self) -> int:
        return self.pairs[Pair.Status.FORMING] + self.pairs[Pair.Status.ACTIVE]

    def pairs_url(self, status=None) -> str:
        return pairs_url(programme=self.programme_id, status=status)

    @property
    def quiet_url(self) -> str:
        return pairs_url(programme=self.programme_id, status="quiet")

    @property
    def meetings_url(self) -> str:
        return url("mentoring:meeting_list", programme=self.programme_id)

    @property
    def proposed_url(self) -> str:
        return pairs_url(programme=self.programme_id, status=Pair.Status.PROPOSED)


@dataclass
class School:
    organisation: Organisation
    year: AcademicYear
    today: datetime.date
    figures: dict
    roadmap: Progress
    next_deadlines: list
    overdue_items: list
    programmes: list[ProgrammeRow]
    reports: list[ReportCell]
    consents: dict
    satisfaction: list[dict]
    growth: list[dict]
    quiet_pairs: int
    charts: dict = field(default_factory=dict)

    @property
    def has_satisfaction(self) -> bool:
        return any(row["value"] is not None for row in self.satisfaction)

    @property
    def has_growth(self) -> bool:
        return any(value is not None for row in self.growth for value in row["values"].values())


UPCOMING_ROWS = 6


def school(organisation: Organisation, year: AcademicYear, *, today: datetime.date | None = None) -> School:
    """One organisation's dashboard, in a fixed number of queries."""
    today = today or timezone.localdate()
    figures = figures_service.compute([organisation], year, today=today)[organisation.pk]
    plans = figures["plans"]
    plans["ok"] = None if plans["average_percent"] is None else plans["average_percent"] >= plans["target"]
    matrix = organisation_matrix(Organisation.objects.filter(pk=organisation.pk), academic_year=year,
                                 today=today).values("occurrence_total", "occurrence_done", "occurrence_overdue",
                                                     "next_due", "roadmap_id").get()
    progress = Progress(matrix["occurrence_total"], matrix["occurrence_done"], matrix["occurrence_overdue"],
                        matrix["next_due"], matrix["roadmap_id"])
    occurrences = (Occurrence.objects.open()
                   .filter(item__roadmap__organisation=organisation, item__roadmap__academic_year=year,
                           item__is_removed=False)
                   .select_related("item").order_by("due_on", "item__position", "sequence"))
    upcoming = list(occurrences.filter(due_on__gte=today)[:UPCOMING_ROWS])
    overdue = list(occurrences.filter(due_on__lt=today)[:UPCOMING_ROWS])
    for occurrence in upcoming + overdue:
        occurrence.url = f"{url('roadmaps:roadmap_detail', occurrence.item.roadmap_id)}#item-{occurrence.item_id}"
        occurrence.days = (occurrence.due_on - today).days

    reports = _reports([organisation.pk], year)
    org_url = organisation_dashboard_url(organisation.pk, year)
    cells = [_report_cell(reports.get((organisation.pk, half)), half=half, today=today, organisation_url=org_url,
                          due_on=due_date(organisation.municipality, year, half)) for half in (1, 2)]
    consented_ever = summaries_service.consented_ever([organisation.pk]).get(organisation.pk, 0)
    questionnaires = url("monitoring:questionnaire_list")
    satisfaction = [{"label": label, "value": figures["satisfaction"].get(kind), "url": questionnaires}
                    for kind, label in SATISFACTION_LABELS.items()]
    growth = [{"label": label, "values": {"entry": figures["growth"].get(key, {}).get("entry"),
                                          "exit": figures["growth"].get(key, {}).get("exit")},
               "change": figures["growth"].get(key, {}).get("change"), "url": questionnaires}
              for key, label in GROWTH_LABELS.items()]
    quiet = Counter(quiet_pairs(Pair.objects.filter(programme__organisation=organisation,
                                                    programme__academic_year=year), today=today)
                    .values_list("programme_id", flat=True))
    result = School(
        organisation=organisation, year=year, today=today, figures=figures, roadmap=progress,
        next_deadlines=upcoming, overdue_items=overdue, programmes=_programmes(organisation, year, figures, quiet),
        reports=cells, consents=_consents(figures, consented_ever, organisation.pk),
        satisfaction=satisfaction, growth=growth, quiet_pairs=sum(quiet.values()),
    )
    result.charts = _school_charts(result)
    return result


GROWTH_SERIES = (
    ("entry", _("на входе"), "#adb5bd"),
    ("exit", _("на выходе"), "#0d6efd"),
)


def _school_charts(s: School) -> dict:
    coverage = s.figures["coverage"]
    coverage_rows = []
    for kind, label in (("students", _("Обучающиеся")), ("teachers", _("Педагоги"))):
        base = coverage[f"{kind}_base"]
        coverage_rows.append({
            "label": label, "value": coverage[f"{kind}_percent"], "target": coverage[f"{kind}_target"],
            "ok": coverage[f"{kind}_on_target"] if coverage[f"{kind}_percent"] is not None else None,
            "note": f"{coverage[kind]} / {base}" if base else str(_("численность не указана")),
            "url": "#programmes",
        })
    pairs = [{
        "label": row.form, "url": row.url, "values": dict(row.pairs),
        "urls": {status: row.pairs_url(status) for status in PAIR_STATUSES},
    } for row in s.programmes if row.total]
    consents = s.consents
    consent_rows = [{
        "label": _("Участники"), "url": consents["all_url"],
        "values": {"valid": consents["with_consent"], "lapsed": consents["lapsed"], "missing": consents["missing"]},
        "urls": {"valid": consents["valid_url"], "lapsed": consents["lapsed_url"],
                 "missing": consents["missing_url"]},
    }] if consents["total"] else []
    progress = s.roadmap
    roadmap = [{
        "label": _("Мероприятия"), "url": progress.url,
        "values": {"done": progress.done, "open": progress.total - progress.done - progress.overdue,
                   "overdue": progress.overdue},
        "urls": {"done": progress.url, "open": progress.url, "overdue": progress.overdue_url},
    }] if progress.total else []
    return {"coverage": coverage_rows, "pairs": pairs, "consents": consent_rows, "roadmap": roadmap}


def _programmes(organisation, year, figures, quiet: Counter) -> list[ProgrammeRow]:
    """The organisation's programmes of the year: pairs by status, meetings and plans, in three queries."""
    status_counts = {status: Count("pairs", filter=Q(pairs__status=status))
                     for status in PAIR_STATUSES + (Pair.Status.PROPOSED,)}
    programmes = list(Programme.objects.filter(organisation=organisation, academic_year=year)
                      .values("pk", "form__name", "form__position").annotate(**status_counts)
                      .order_by("form__position", "form__name"))
    period = figures_service.Period.whole(year)
    meetings = dict(Programme.objects.filter(organisation=organisation, academic_year=year)
                    .annotate(n=Count("meetings", filter=Q(meetings__held_on__range=(period.starts_on,
                                                                                      period.ends_on))))
                    .values_list("pk", "n"))
    plans = defaultdict(list)
    for programme, _membership, total, done in (
        PlanItem.objects.filter(membership__pair__programme__organisation=organisation,
                                membership__pair__programme__academic_year=year,
                                membership__pair__status__in=figures_service.WORKED)
        .exclude(status=PlanItem.Status.CANCELLED)
        .values_list("membership__pair__programme_id", "membership_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=PlanItem.Status.DONE)))
    ):
        plans[programme].append(100 * done / total)
    target = figures["plans"]["target"]
    rows = []
    for row in programmes:
        values = plans.get(row["pk"], [])
        rows.append(ProgrammeRow(
            programme_id=row["pk"], form=row["form__name"],
            pairs={status: row[status] for status in PAIR_STATUSES}, proposed=row[Pair.Status.PROPOSED],
            quiet=quiet.get(row["pk"], 0), meetings=meetings.get(row["pk"], 0),
            plans={"count": len(values), "on_target": sum(1 for v in values if v >= target),
                   "average_percent": round(sum(values) / len(values), 1) if values else None},
            url=url("mentoring:programme_detail", row["pk"]),
        ))
    return rows

