"""The district's half-year analysis and management decisions (seed 000 items 4.5 and 4.7, «1 раз в
полугодие (не позднее 10 декабря и 10 июня ежегодно)», МК, «Приняты управленческие решения»).

For each monitoring period — a half of an academic year, the period of the schools' reports — the
municipal curator writes the analysis of the quality of the programmes and of the participants' growth,
and the decisions taken on it, each with a responsible person and a due date. The analysis is linked to
the organisations' reports accepted for the period (refreshed whenever it is saved: a report accepted
later joins it); accepted reports are frozen, so the link never points at changing figures.

Each decision becomes an item of the district roadmap of the period's academic year
(``roadmaps.services.add_item``), in a stage of its own, «Управленческие решения по итогам мониторинга»:
its deadline is the due date, its responsible user gets the roadmap's reminders (the curator who took
the decision when nobody else is named), and its progress is reported on the roadmap like any item's.
Withdrawing a decision excludes the item with the reason (``roadmaps.services.remove_item``); nothing is
deleted. Without a district roadmap for that year a decision is refused with a message saying so.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import DistrictAnalysis, ManagementDecision, MonitoringReport
from monitoring.reports import HALF_NAMES
from registry.models import RoleAssignment, User
from roadmaps import services as roadmap_services
from roadmaps.deadlines import DeadlineSpec, on_day
from roadmaps.models import Occurrence, Roadmap, RoadmapItem

DECISIONS_STAGE_TITLE = gettext_lazy("Управленческие решения по итогам мониторинга")
DECISION_RESULT = gettext_lazy("Управленческое решение выполнено")


class AnalysisError(ValidationError):
    """A step that cannot be taken; the message says why, in Russian."""


# --- reading -----------------------------------------------------------------------------------------


def title_of(analysis: DistrictAnalysis) -> str:
    """«Анализ результатов мониторинга реализации целевой модели наставничества: Селивановский район,
    первое полугодие 2026/2027 учебного года»."""
    return _("Анализ результатов мониторинга реализации целевой модели наставничества: %(municipality)s, "
             "%(half)s полугодие %(year)s учебного года") % {
        "municipality": analysis.municipality.name, "half": HALF_NAMES[analysis.half], "year": analysis.academic_year}


def accepted_reports(municipality, academic_year, half):
    """The reports of the municipality's organisations accepted for the period."""
    return MonitoringReport.objects.filter(organisation__municipality=municipality, academic_year=academic_year,
                                           half=half, status=MonitoringReport.Status.ACCEPTED)


def district_roadmap(municipality, academic_year) -> Roadmap | None:
    return Roadmap.objects.filter(municipality=municipality, academic_year=academic_year).first()


def staff_choices(municipality):
    """Who may be named as responsible: the active users holding a role in the municipality or in one of
    its organisations (the people the district roadmap's reminders may reach)."""
    roles = RoleAssignment.objects.filter(is_active=True).filter(
        Q(municipality=municipality, organisation__isnull=True) | Q(organisation__municipality=municipality))
    return User.objects.filter(is_active=True, pk__in=roles.values("user_id")).order_by("last_name", "first_name",
                                                                                         "pk")


def decision_states(decisions) -> None:
    """Each decision's ``state``: its roadmap item's occurrence status label, «отменено», or «—»; one
    query for all (the occurrences of their items)."""
    items = [d.roadmap_item_id for d in decisions if d.roadmap_item_id]
    first = {}
    for occurrence in Occurrence.objects.filter(item_id__in=items).order_by("item_id", "sequence"):
        first.setdefault(occurrence.item_id, occurrence)
    for decision in decisions:
        occurrence = first.get(decision.roadmap_item_id)
        decision.done_on = None
        if decision.is_withdrawn:
            decision.state, decision.state_done = _("отменено"), False
        elif occurrence is None:
            decision.state, decision.state_done = "—", False
        else:
            decision.state = occurrence.get_status_display()
            decision.state_done = occurrence.status == Occurrence.Status.DONE
            decision.done_on = occurrence.done_on


# --- writing -----------------------------------------------------------------------------------------


@transaction.atomic
def save_analysis(*, municipality, academic_year, half: int, quality_analysis: str, growth_analysis: str = "",
                  by=None) -> DistrictAnalysis:
    """Write (or rewrite) the period's analysis; one per municipality and half."""
    if half not in (1, 2):
        raise AnalysisError(_("Полугодие — первое или второе."))
    if not quality_analysis.strip():
        raise AnalysisError(_("Опишите анализ оценки качества реализации программ наставничества."))
    texts = {"quality_analysis": quality_analysis.strip(), "growth_analysis": growth_analysis.strip()}
    try:
        with transaction.atomic():
            analysis, created = DistrictAnalysis.objects.get_or_create(
                municipality=municipality, academic_year=academic_year, half=half,
                defaults={**texts, "created_by": by, "updated_by": by})
    except IntegrityError:  # the same period written twice at once: the second one updates the first
        analysis, created = DistrictAnalysis.objects.get(municipality=municipality, academic_year=academic_year,
                                                         half=half), False
    if not created:
        for name, value in texts.items():
            setattr(analysis, name, value)
        analysis.updated_by = by
        analysis.save(update_fields=[*texts, "updated_by", "updated_at"])
    link_reports(analysis)
    return analysis


def link_reports(analysis: DistrictAnalysis) -> None:
    analysis.reports.set(accepted_reports(analysis.municipality, analysis.academic_year, analysis.half))


def deadline_for(roadmap: Roadmap, due_on: datetime.date) -> DeadlineSpec:
    """The due date as a roadmap deadline «до 15.03.2027» of the roadmap's academic year, a year either
    side allowed (a decision of June may be due in September)."""
    offset = due_on.year - on_day(roadmap.plan_year, due_on.month, due_on.day, calendar_year=roadmap.is_calendar).year
    if offset not in (-1, 0, 1):
        raise AnalysisError(_("Срок %(date)s слишком далёк от %(year)s учебного года.")
                            % {"date": due_on.strftime("%d.%m.%Y"), "year": roadmap.academic_year})
    spec = DeadlineSpec(kind="date", month=due_on.month, day=due_on.day, offset_years=offset,
                        text=_("до %(date)s") % {"date": due_on.strftime("%d.%m.%Y")})
    spec.validate()
    return spec


def _stage(roadmap: Roadmap) -> int:
    """The roadmap's stage of decisions: the one already holding them, else a new last stage."""
    title = str(DECISIONS_STAGE_TITLE)
    numbers = list(roadmap.items.values_list("stage_number", "stage_title"))
    existing = next((number for number, stage_title in numbers if stage_title == title), None)
    return existing or max((number for number, _title in numbers), default=0) + 1


@transaction.atomic
def add_decision(analysis: DistrictAnalysis, *, text: str, responsible: str, due_on: datetime.date,
                 responsible_user=None, by=None, today: datetime.date | None = None) -> ManagementDecision:
    """A decision and its item in the district roadmap of the analysis's year."""
    today = today or timezone.localdate()
    if not text.strip():
        raise AnalysisError(_("Сформулируйте решение."))
    if not responsible.strip():
        raise AnalysisError(_("Укажите ответственного."))
    if due_on < today:
        raise AnalysisError(_("Срок исполнения решения уже прошёл."))
    roadmap = district_roadmap(analysis.municipality, analysis.academic_year)
    if roadmap is None:
        raise AnalysisError(_("У района нет дорожной карты на %(year)s учебный год: создайте её, и решения станут "
                              "её мероприятиями.") % {"year": analysis.academic_year})
    Roadmap.objects.select_for_update().filter(pk=roadmap.pk).exists()  # one decision at a time per roadmap
    # A double click (or the form sent again) must not put the same decision into the roadmap twice.
    if analysis.decisions.in_force().filter(text=text.strip(), due_on=due_on).exists():
        raise AnalysisError(_("Такое решение с этим сроком уже записано."))
    responsible_users = [user for user in (responsible_user or by,) if user is not None]
    item = roadmap_services.add_item(
        roadmap, stage_number=_stage(roadmap), stage_title=str(DECISIONS_STAGE_TITLE), title=text.strip(),
        deadline=deadline_for(roadmap, due_on), content=title_of(analysis), documents=_("Управленческое решение"),
        result=str(DECISION_RESULT), responsible=responsible.strip(), roles=["municipal_curator"],
        responsible_users=responsible_users, by=by)
    return ManagementDecision.objects.create(
        analysis=analysis, text=text.strip(), responsible=responsible.strip(), responsible_user=responsible_user,
        due_on=due_on, roadmap_item=item, created_by=by)


@transaction.atomic
def withdraw_decision(decision: ManagementDecision, *, reason: str, by=None) -> None:
    """The decision is cancelled and its roadmap item excluded, with the reason; both stay on record."""
    if not reason.strip():
        raise AnalysisError(_("Укажите, почему решение отменяется."))
    updated = ManagementDecision.objects.filter(pk=decision.pk, withdrawn_on__isnull=True).update(
        withdrawn_on=timezone.localdate(), withdraw_reason=reason.strip()[:300])
    if updated != 1:
        raise AnalysisError(_("Решение уже отменено."))
    if decision.roadmap_item_id and not RoadmapItem.objects.filter(pk=decision.roadmap_item_id,
                                                                   is_removed=True).exists():
        roadmap_services.remove_item(decision.roadmap_item, reason=reason, by=by)
