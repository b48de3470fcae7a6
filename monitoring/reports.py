"""The half-yearly monitoring report (информационная справка): what it shows; its workflow (the writes)
is in ``monitoring.services``.

A school curator starts the report of a half, writes the analysis (strengths, weaknesses, SWOT,
decisions) and submits it; the municipal curator returns it with a comment or accepts it. Acceptance
freezes the figures as they are that moment: afterwards neither the data nor anybody's action
changes what the report says. Every step is a conditional update, so a double click or two people
at once make one step, and every step is kept as a ``ReportReview`` row.

The deadlines come from the municipality's half-year dates (10 December and 10 June in seed 000,
20 December and 20 May in seed 002): the first half's date falls in the year the academic year
starts, the second half's in the next.

``district_summary`` is the municipal view: every organisation, its report's state, whether it is
late, and the figures of accepted reports with the district's totals, in a fixed number of queries.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import figures
from monitoring.models import MonitoringReport, Questionnaire
from registry.models import AcademicYear, Municipality, Organisation, Participant

Status = MonitoringReport.Status
TEXT_FIELDS = ("strengths", "weaknesses", "opportunities", "threats", "decisions")
REQUIRED_TO_SUBMIT = ("strengths", "weaknesses", "decisions")
HALF_NAMES = {1: gettext_lazy("первое"), 2: gettext_lazy("второе")}
HALF_GENITIVE = {1: gettext_lazy("первого"), 2: gettext_lazy("второго")}

# A half without a report, for lists and filters next to the model's statuses.
MISSING = "missing"
STATUS_LABELS = {
    MISSING: gettext_lazy("не начат"),
    Status.DRAFT: gettext_lazy("готовится"),
    Status.SUBMITTED: gettext_lazy("на проверке"),
    Status.RETURNED: gettext_lazy("возвращён на доработку"),
    Status.ACCEPTED: gettext_lazy("принят"),
}
STATUS_BADGES = {
    MISSING: "text-bg-light border", Status.DRAFT: "text-bg-warning", Status.SUBMITTED: "text-bg-primary",
    Status.RETURNED: "text-bg-danger", Status.ACCEPTED: "text-bg-success",
}
# The order a list sorted «by status» follows: what needs the municipal curator first.
STATUS_ORDER = {Status.SUBMITTED: 0, Status.RETURNED: 1, Status.DRAFT: 2, MISSING: 3, Status.ACCEPTED: 4}


# --- dates -------------------------------------------------------------------------------------------


def current_half(today: datetime.date | None = None) -> tuple[AcademicYear, int]:
    """The academic year and half a report is being written for today: September–December is the
    first half, January–August the second."""
    today = today or timezone.localdate()
    year = AcademicYear.objects.filter(start_year=AcademicYear.start_year_for(today)).first()
    year = year or AcademicYear.objects.current()
    return year, (1 if today.month >= 9 else 2)


def due_date(municipality: Municipality, year: AcademicYear, half: int) -> datetime.date:
    """The municipality's deadline for a half: the first date in the first calendar year of the
    academic year, the second date in the next. 29 February of a common year becomes the 28th."""
    if half not in (1, 2):
        raise ValueError(half)
    month, day = municipality.half_year_due_dates[half - 1]
    calendar_year = year.start_year if half == 1 else year.start_year + 1
    return datetime.date(calendar_year, month, min(day, calendar.monthrange(calendar_year, month)[1]))


def period_of(report: MonitoringReport) -> figures.Period:
    return figures.Period.half(report.academic_year, report.half)


def title_of(report: MonitoringReport) -> str:
    """«Информационная справка о реализации целевой модели наставничества в МБОУ СОШ № 1 за первое
    полугодие 2025/2026 учебного года»."""
    return _("Информационная справка о реализации целевой модели наставничества в %(organisation)s "
             "за %(half)s полугодие %(year)s учебного года") % {
        "organisation": report.organisation.short_name, "half": HALF_NAMES[report.half],
        "year": report.academic_year}


def is_late(report: MonitoringReport | None, due_on: datetime.date, today: datetime.date) -> bool:
    """Late means not submitted by the deadline: a report that is neither on review nor accepted
    after the deadline (a returned one too), or one whose last submission came after it."""
    if report is None or report.status in MonitoringReport.EDITABLE:
        return today > due_on
    submitted = timezone.localdate(report.submitted_at) if report.submitted_at else None
    return submitted is None or submitted > due_on


# --- figures -----------------------------------------------------------------------------------------


def live_figures(report: MonitoringReport, *, today: datetime.date | None = None) -> dict:
    """The figures of the report's organisation and half, computed from the data now."""
    result = figures.compute([report.organisation], report.academic_year, period=period_of(report),
                             today=today or timezone.localdate())
    return result[report.organisation_id]


def report_figures(report: MonitoringReport, *, today: datetime.date | None = None) -> dict:
    """What the report shows: the figures frozen on acceptance, else the live ones."""
    if report.is_frozen:
        return report.figures
    return live_figures(report, today=today)


def missing_texts(report: MonitoringReport) -> list[str]:
    return [str(MonitoringReport._meta.get_field(name).verbose_name) for name in REQUIRED_TO_SUBMIT
            if not getattr(report, name).strip()]


def not_editable_message(report: MonitoringReport) -> str:
    """Why the curator cannot change the report now, in Russian."""
    if report.status == Status.ACCEPTED:
        return _("Отчёт принят: изменить его нельзя.")
    if report.status == Status.SUBMITTED:
        return _("Отчёт на проверке у муниципального куратора: изменить его можно, только если "
                 "его вернут на доработку.")
    return _("Отчёт сейчас изменить нельзя.")


# --- the district ------------------------------------------------------------------------------------


@dataclass
class DistrictRow:
    organisation: Organisation
    report: MonitoringReport | None
    due_on: datetime.date
    late: bool
    figures: dict | None  # an accepted report's frozen figures, else None

    @property
    def pk(self) -> int:
        return self.organisation.pk

    @property
    def status(self) -> str:
        return self.report.status if self.report else MISSING

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def pairs_worked(self) -> int | None:
        return worked_pairs(self.figures["pairs"]) if self.figures else None

    @property
    def submitted_on(self) -> datetime.date | None:
        if self.report and self.report.submitted_at and self.report.status != Status.DRAFT:
            return timezone.localdate(self.report.submitted_at)
        return None


@dataclass
class DistrictSummary:
    year: AcademicYear
    half: int
    today: datetime.date
    rows: list[DistrictRow]
    totals: dict
    counts: dict = field(default_factory=dict)

    @property
    def late(self) -> list[DistrictRow]:
        return [row for row in self.rows if row.late]

    @property
    def accepted(self) -> list[DistrictRow]:
        return [row for row in self.rows if row.figures is not None]

    @property
    def pairs_worked(self) -> int:
        return worked_pairs(self.totals["pairs"])


def worked_pairs(pairs: dict) -> int:
    """Pairs and groups that worked in the period, whatever their state now (not proposals)."""
    return sum(pairs.get(key, 0) for key in ("forming", "active", "suspended", "completed", "ended_early"))


def district_summary(where, year: AcademicYear, half: int, today: datetime.date | None = None) -> DistrictSummary:
    """Every organisation of a municipality (or of the given organisations): its report of the half,
    the deadline, whether it is late, and the accepted figures with their totals — three queries."""
    today = today or timezone.localdate()
    if isinstance(where, Municipality):
        organisations = Organisation.objects.filter(municipality=where, is_active=True)
    else:
        organisations = where
    if hasattr(organisations, "select_related"):
        organisations = organisations.select_related("municipality").order_by("short_name")
    organisations = list(organisations)
    reports = {r.organisation_id: r for r in MonitoringReport.objects.filter(
        organisation_id__in=[o.pk for o in organisations], academic_year=year, half=half)}
    rows = []
    for organisation in organisations:
        report = reports.get(organisation.pk)
        due_on = report.due_on if report else due_date(organisation.municipality, year, half)
        rows.append(DistrictRow(
            organisation=organisation, report=report, due_on=due_on, late=is_late(report, due_on, today),
            figures=report.figures if report is not None and report.is_frozen and report.figures else None,
        ))
    accepted = {row.organisation.pk: row.figures for row in rows if row.figures is not None}
    counts = {key: 0 for key in STATUS_LABELS}
    for row in rows:
        counts[row.status] += 1
    counts["late"] = sum(1 for row in rows if row.late)
    return DistrictSummary(year=year, half=half, today=today, rows=rows, totals=figures.total(accepted),
                           counts=counts)


# --- presenting figures ------------------------------------------------------------------------------

CATEGORY_LABELS = dict(Participant.Category.choices)
SATISFACTION_LABELS = {
    Questionnaire.Kind.MENTOR_SATISFACTION: gettext_lazy("Удовлетворённость наставников"),
    Questionnaire.Kind.MENTEE_SATISFACTION: gettext_lazy("Удовлетворённость наставляемых"),
    Questionnaire.Kind.PROGRAMME_QUALITY: gettext_lazy("Качество программы наставничества"),
}
GROWTH_LABELS = {
    "motivation": gettext_lazy("Мотивационно-личностный рост"),
    "competence": gettext_lazy("Компетентностный рост"),
    "professional": gettext_lazy("Профессиональный рост"),
}
PAIR_LABELS = (
    ("forming", gettext_lazy("формируются")), ("active", gettext_lazy("действуют")),
    ("suspended", gettext_lazy("приостановлены (нет согласия)")),
    ("completed", gettext_lazy("завершены")), ("ended_early", gettext_lazy("прекращены досрочно")),
)


@dataclass
class Indicator:
    """A share against its target: «4 из 100 — 4,0 % при цели не менее 10 %»."""

    label: str
    part: int
    whole: int
    percent: float | None
    target: float | None
    on_target: bool
    note: str = ""
    amount: str = ""  # instead of «part из whole», when the share is not a count of people

    @property
    def state(self) -> str:
        if self.percent is None:
            return "unknown"
        if self.target is None:
            return "no_target"
        return "on" if self.on_target else "below"

    @property
    def state_label(self) -> str:
        return {"unknown": _("нет данных"), "on": _("достигнут"), "below": _("ниже цели"),
                "no_target": ""}[self.state]


def present(data: dict) -> dict:
    """Figures (live or frozen) arranged for the page and the PDF: labelled rows, in a fixed order."""
    coverage = data["coverage"]
    aged = coverage.get("student_base_kind") == figures.AGED_10_PLUS
    registry, in_programme = data.get("registry", {}), data.get("in_programme_by_category", {})
    categories = [
        {"label": CATEGORY_LABELS.get(key, key), "registry": registry.get(key, 0), "in_programme": in_programme.get(key, 0)}
        for key in Participant.Category.values if registry.get(key) or in_programme.get(key)
    ]
    coverage_rows = [
        Indicator(_("Обучающиеся в возрасте от 10 лет") if aged else _("Обучающиеся"), coverage["students"],
                  coverage["students_base"], coverage["students_percent"], coverage["students_target"],
                  coverage["students_on_target"],
                  note=(_("всего обучающихся в программе: %(n)s") % {"n": coverage["students_all"]}
                        if aged and "students_all" in coverage else "")),
        Indicator(_("Педагоги (включая молодых специалистов)"), coverage["teachers"], coverage["teachers_base"],
                  coverage["teachers_percent"], coverage["teachers_target"], coverage["teachers_on_target"]),
    ]
    plans, consents = data["plans"], data["consents"]
    plans_row = Indicator(_("Выполнение индивидуальных планов (в среднем)"), plans["on_target"], plans["count"],
                          plans["average_percent"], plans["target"],
                          plans["average_percent"] is not None and plans["average_percent"] >= plans["target"],
                          note=_("выполнены не менее чем на %(target)s %%: %(done)s из %(count)s")
                          % {"target": plans["target"], "done": plans["on_target"], "count": plans["count"]},
                          amount=_("планов: %(count)s") % {"count": plans["count"]})
    consents_row = Indicator(_("Согласия на обработку персональных данных"), consents["with_consent"],
                             consents["total"], consents["percent"], consents["target"],
                             consents["percent"] is not None and consents["percent"] >= consents["target"])
    pairs = data["pairs"]
    growth = []
    for key, label in GROWTH_LABELS.items():
        cell = data.get("growth", {}).get(key)
        if cell:
            growth.append({"label": label, "entry": cell.get("entry"), "exit": cell.get("exit"),
                           "change": cell.get("change"), "paired": cell.get("paired")})
    return {
        "period": [datetime.date.fromisoformat(day) for day in data["period"]],
        "computed_on": datetime.date.fromisoformat(data["computed_on"]) if data.get("computed_on") else None,
        "participants_total": data["participants_total"],
        "in_programme": data["in_programme"],
        "categories": categories,
        "by_form": data["by_form"],
        "coverage": coverage_rows,
        "has_headcount": coverage.get("has_headcount", bool(coverage["students_base"] or coverage["teachers_base"])),
        # .get: a report frozen before suspension existed has no "suspended" figure.
        "pairs": [{"label": label, "value": pairs.get(key, 0)} for key, label in PAIR_LABELS
                  if key != "suspended" or pairs.get(key)],
        "pairs_worked": worked_pairs(pairs),
        "groups": pairs["groups"],
        "proposed": pairs["proposed"],
        "meetings": data["meetings"],
        "plans": plans_row,
        "plans_count": plans["count"],
        "consents": consents_row,
        "satisfaction": [{"label": label, "value": data.get("satisfaction", {}).get(key)}
                         for key, label in SATISFACTION_LABELS.items()],
        "growth": growth,
    }


def present_totals(totals: dict) -> dict:
    """The district's totals (``figures.total``) arranged like ``present`` arranges one organisation."""
    coverage, plans, consents = totals["coverage"], totals["plans"], totals["consents"]
    aged = coverage.get("student_base_kind") == figures.AGED_10_PLUS
    registry, in_programme = totals.get("registry", {}), totals.get("in_programme_by_category", {})
    return {
        "categories": [
            {"label": CATEGORY_LABELS.get(key, key), "registry": registry.get(key, 0),
             "in_programme": in_programme.get(key, 0)}
            for key in Participant.Category.values if registry.get(key) or in_programme.get(key)
        ],
        "coverage": [
            Indicator(_("Обучающиеся в возрасте от 10 лет") if aged else _("Обучающиеся"), coverage["students"],
                      coverage["students_base"], coverage["students_percent"], coverage.get("students_target"),
                      coverage.get("students_on_target", False)),
            Indicator(_("Педагоги (включая молодых специалистов)"), coverage["teachers"], coverage["teachers_base"],
                      coverage["teachers_percent"], coverage.get("teachers_target"),
                      coverage.get("teachers_on_target", False)),
        ],
        "without_headcount": coverage.get("without_headcount", 0),
        "plans": Indicator(_("Выполнение индивидуальных планов (в среднем)"), plans["on_target"], plans["count"],
                           plans["average_percent"], plans.get("target"), plans.get("on_target_average", False),
                           amount=_("планов: %(count)s") % {"count": plans["count"]}),
        "consents": Indicator(_("Согласия на обработку персональных данных"), consents["with_consent"],
                              consents["total"], consents["percent"], consents.get("target"),
                              consents.get("on_target", False)),
        "by_form": totals["by_form"],
    }
