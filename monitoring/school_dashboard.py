"""One organisation's dashboard (a selector of the monitoring pages), built in a constant number of queries.

``school(organisation, year)`` is its page: coverage, its programmes, plans, meetings, satisfaction and
growth, consents, reports and the roadmap's next deadlines, computed from ``monitoring.figures.compute``;
roadmap progress comes from ``roadmaps.selectors.organisation_matrix`` and report states from one query.
The pieces it shares with the district's page are in ``monitoring.dashboards``.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.models import Pair, PlanItem, Programme
from mentoring.selectors import quiet_pairs
from monitoring import figures as figures_service
from monitoring import summaries as summaries_service
from monitoring.dashboards import (
    GROWTH_LABELS,
    PAIR_STATUSES,
    SATISFACTION_LABELS,
    Progress,
    ReportCell,
    _consents,
    _report_cell,
    _reports,
    organisation_dashboard_url,
    pairs_url,
    url,
)
from monitoring.reports import due_date
from registry.models import AcademicYear, Organisation
from roadmaps.models import Occurrence
from roadmaps.selectors import organisation_matrix

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
    # The stored summary the district dashboard reads (monitoring.summaries): computed again only after a
    # write to this organisation or on another day, not on every view of a school's page.
    figures = summaries_service.for_organisations([organisation], year, today)[organisation.pk]["figures"]
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

