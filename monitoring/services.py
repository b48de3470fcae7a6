"""Monitoring's writes: the entry point the views call, each service with the actor as ``by=``.

The half-year report's workflow is here: a school curator starts the report of a half, writes the
analysis and submits it; the municipal curator returns it with a comment or accepts it. Acceptance
freezes the figures as they are that moment. Every step is a conditional update, so a double click or
two people at once make one step, and every step is kept as a ``ReportReview`` row. What a report
shows is read by ``monitoring.reports``.

The other writes stay next to the rules of their subject and are re-exported here: the district's
analysis and decisions (``monitoring.analysis``), questionnaires and answers
(``monitoring.questionnaires``), personal links (``monitoring.links``), reminders to late schools
(``monitoring.late``), export jobs (``monitoring.jobs``), best practices (``monitoring.cases``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import notices
from monitoring.analysis import add_decision, save_analysis, withdraw_decision
from monitoring.cases import save_case
from monitoring.jobs import cancel as cancel_job
from monitoring.jobs import retry as retry_job
from monitoring.late import remind_late
from monitoring.links import issue_bulk, issue_links, submit_by_link
from monitoring.models import MonitoringReport, ReportReview
from monitoring.questionnaires import (
    enter_response,
    remove_question,
    restore_question,
    save_questionnaire,
    save_questions,
)
from monitoring.reports import HALF_NAMES, TEXT_FIELDS, Status, due_date, live_figures, missing_texts, not_editable_message
from registry import audit
from registry.models import AcademicYear, Organisation

__all__ = [
    "accept", "add_decision", "cancel_job", "enter_response", "issue_bulk", "issue_links", "remind_late",
    "remove_question", "restore_question", "retry_job", "return_report", "save_analysis", "save_case",
    "save_questionnaire", "save_questions", "save_text", "start_report", "submit", "submit_by_link",
    "withdraw_decision",
]


class ReportError(ValidationError):
    """A step the report's state does not allow; the message says why, in Russian."""


def start_report(organisation: Organisation, *, year: AcademicYear, half: int, by=None) -> MonitoringReport:
    """A new draft for the organisation's half, due by the municipality's date. One per half."""
    if half not in (1, 2):
        raise ReportError(_("Полугодие — первое или второе."))
    due_on = due_date(organisation.municipality, year, half)
    duplicate = ReportError(
        _("Отчёт %(organisation)s за %(half)s полугодие %(year)s учебного года уже создан.")
        % {"organisation": organisation.short_name, "half": HALF_NAMES[half], "year": year})
    if MonitoringReport.objects.filter(organisation=organisation, academic_year=year, half=half).exists():
        raise duplicate
    try:
        with transaction.atomic():
            return MonitoringReport.objects.create(organisation=organisation, academic_year=year, half=half,
                                                   due_on=due_on)
    except IntegrityError:  # the same report started twice at once
        raise duplicate from None


def _refresh(report: MonitoringReport) -> None:
    fresh = MonitoringReport.objects.get(pk=report.pk)
    for name in ("status", "figures", "submitted_at", "submitted_by_id", "accepted_at", "accepted_by_id",
                 *TEXT_FIELDS):
        setattr(report, name, getattr(fresh, name))


def _not_editable(report: MonitoringReport) -> ReportError:
    return ReportError(not_editable_message(report))


def save_text(report: MonitoringReport, *, by=None, **texts) -> None:
    """The curator's analysis, while the report is a draft or was returned. (The audit entry takes its
    author from the request; ``by`` is the actor like every service's.)"""
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    cleaned = {name: (value or "").strip() for name, value in texts.items()}
    updated = MonitoringReport.objects.filter(pk=report.pk, status__in=MonitoringReport.EDITABLE).update(**cleaned)
    if updated != 1:
        _refresh(report)
        raise _not_editable(report)
    changed = {name: [getattr(report, name), value] for name, value in cleaned.items()
               if getattr(report, name) != value}
    for name, value in cleaned.items():
        setattr(report, name, value)
    if changed:
        audit.record_update(report, changed)


@transaction.atomic
def submit(report: MonitoringReport, *, by) -> None:
    """Draft or returned → on review. The analysis must be written first."""
    _refresh(report)
    if not report.is_editable:
        if report.status == Status.SUBMITTED:
            raise ReportError(_("Отчёт уже отправлен на проверку."))
        raise _not_editable(report)
    missing = missing_texts(report)
    if missing:
        raise ReportError(_("Перед отправкой заполните: %(fields)s.") % {"fields": ", ".join(missing)})
    now = timezone.now()
    updated = MonitoringReport.objects.filter(pk=report.pk, status__in=MonitoringReport.EDITABLE).update(
        status=Status.SUBMITTED, submitted_at=now, submitted_by=by)
    if updated != 1:
        raise ReportError(_("Отчёт уже отправлен на проверку."))
    review = ReportReview.objects.create(report=report, action=ReportReview.Action.SUBMITTED, by=by, at=now)
    audit.record_update(report, {"status": [report.status, Status.SUBMITTED]})
    report.status, report.submitted_at, report.submitted_by = Status.SUBMITTED, now, by
    notices.report_submitted(report, review)


@transaction.atomic
def return_report(report: MonitoringReport, *, comment: str, by) -> None:
    """On review → returned, with what to fix."""
    comment = (comment or "").strip()
    if not comment:
        raise ReportError(_("Напишите, что нужно доработать: без комментария отчёт не возвращают."))
    now = timezone.now()
    updated = MonitoringReport.objects.filter(pk=report.pk, status=Status.SUBMITTED).update(status=Status.RETURNED)
    if updated != 1:
        _refresh(report)
        raise _review_refused(report)
    review = ReportReview.objects.create(report=report, action=ReportReview.Action.RETURNED, comment=comment, by=by,
                                         at=now)
    audit.record_update(report, {"status": [Status.SUBMITTED, Status.RETURNED], "comment": ["", comment]})
    report.status = Status.RETURNED
    notices.report_returned(report, review)


def _review_refused(report: MonitoringReport) -> ReportError:
    if report.status == Status.ACCEPTED:
        return ReportError(_("Отчёт уже принят: вернуть или принять его ещё раз нельзя."))
    if report.status == Status.RETURNED:
        return ReportError(_("Отчёт уже возвращён на доработку."))
    return ReportError(_("Отчёт ещё не отправлен на проверку."))


@transaction.atomic
def accept(report: MonitoringReport, *, by, comment: str = "", today: datetime.date | None = None) -> None:
    """On review → accepted; the figures are computed now and kept as they are for good."""
    locked = MonitoringReport.objects.select_for_update().select_related(
        "organisation", "academic_year").get(pk=report.pk)
    if locked.status != Status.SUBMITTED:
        _refresh(report)
        raise _review_refused(locked)
    frozen = live_figures(locked, today=today)
    now = timezone.now()
    updated = MonitoringReport.objects.filter(pk=report.pk, status=Status.SUBMITTED).update(
        status=Status.ACCEPTED, figures=frozen, accepted_at=now, accepted_by=by)
    if updated != 1:
        _refresh(report)
        raise _review_refused(report)
    ReportReview.objects.create(report=report, action=ReportReview.Action.ACCEPTED, comment=(comment or "").strip(),
                                by=by, at=now)
    audit.record_update(report, {"status": [Status.SUBMITTED, Status.ACCEPTED]})
    report.status, report.figures, report.accepted_at, report.accepted_by = Status.ACCEPTED, frozen, now, by
    notices.report_accepted(report)
