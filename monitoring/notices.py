"""Where monitoring hands work over (``registry.notifications``):

- a report submitted: the municipality's curators are told (it waits for their review); the review
  settles the notice;
- a report returned: the school's curators are told, with the reviewer's comment; a new submission
  settles it;
- the municipal curator reminding the late schools with one action is ``monitoring.late``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from monitoring.models import MonitoringReport, ReportReview
from registry.models import Notification
from registry.notifications import holders, notify, settle
from registry.scoping import Role


def _period(report: MonitoringReport) -> str:
    return _("за %(half)s полугодие %(year)s учебного года") % {
        "half": report.get_half_display(), "year": report.academic_year}


# --- the review ----------------------------------------------------------------------------------


def report_submitted(report: MonitoringReport, review: ReportReview) -> int:
    settle(f"report-returned:{report.pk}:")  # the school did what was asked
    text = _("%(organisation)s: отчёт мониторинга %(period)s отправлен на проверку.") % {
        "organisation": report.organisation.short_name, "period": _period(report)}
    return notify(holders(Role.MUNICIPAL_CURATOR, municipality=report.organisation.municipality_id),
                  Notification.Kind.REPORT_SUBMITTED, text, report.get_absolute_url(),
                  key=f"report-submitted:{report.pk}:{review.pk}")


def report_returned(report: MonitoringReport, review: ReportReview) -> int:
    settle(f"report-submitted:{report.pk}:")
    text = _("Отчёт мониторинга %(period)s (%(organisation)s) возвращён на доработку. Комментарий "
             "проверяющего%(reviewer)s: «%(comment)s»") % {
        "period": _period(report), "organisation": report.organisation.short_name,
        "reviewer": f" ({review.by.get_short_name()})" if review.by else "", "comment": review.comment}
    return notify(holders(Role.SCHOOL_CURATOR, organisation=report.organisation_id),
                  Notification.Kind.REPORT_RETURNED, text, report.get_absolute_url(),
                  key=f"report-returned:{report.pk}:{review.pk}")


def report_accepted(report: MonitoringReport) -> None:
    settle(f"report-submitted:{report.pk}:")
