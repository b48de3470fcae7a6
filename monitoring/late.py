"""The municipal curator reminds the late schools with one action: the schools whose report of the half
was not submitted by its deadline, or whose roadmap of the year has overdue items, are listed on a
confirmation page (``monitoring.views.reminders``); the chosen ones' curators get a notice and a letter
(``registry.notifications``), once per school, reasons and day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from monitoring import reports
from monitoring.models import MonitoringReport
from registry.models import AcademicYear, Notification
from registry.notifications import Notice, holders_by_organisation, record
from registry.scoping import Role
from roadmaps.selectors import organisation_matrix

REPORT = "report"
ROADMAP = "roadmap"
# A report still to be written or fixed: one on review or accepted is not the school's to hurry.
UNFINISHED = (reports.MISSING, MonitoringReport.Status.DRAFT, MonitoringReport.Status.RETURNED)


@dataclass
class LateSchool:
    row: reports.DistrictRow
    overdue_items: int
    roadmap_id: int | None

    @property
    def organisation(self):
        return self.row.organisation

    @property
    def pk(self) -> int:
        return self.row.organisation.pk

    @property
    def report_late(self) -> bool:
        return self.row.late and self.row.status in UNFINISHED

    @property
    def reasons(self) -> set[str]:
        return {reason for reason, late in ((REPORT, self.report_late), (ROADMAP, self.overdue_items > 0)) if late}


def late_schools(organisations, year: AcademicYear, half: int, today: datetime.date) -> list[LateSchool]:
    """The organisations with a report of the half not submitted by its deadline or overdue roadmap items
    of the year: four queries."""
    summary = reports.district_summary(organisations, year, half, today)
    matrix = {o.pk: (o.occurrence_overdue, o.roadmap_id)
              for o in organisation_matrix(organisations.order_by(), academic_year=year, today=today)}
    schools = [LateSchool(row, *matrix.get(row.organisation.pk, (0, None))) for row in summary.rows]
    return [school for school in schools if school.reasons]


def _text(school: LateSchool, reasons: set[str], by, year: AcademicYear, half: int) -> str:
    parts = []
    if REPORT in reasons:
        parts.append(_("отчёт мониторинга за %(half)s полугодие %(year)s учебного года не сдан, срок был "
                       "%(date)s") % {"half": reports.HALF_NAMES[half], "year": year,
                                      "date": school.row.due_on.strftime("%d.%m.%Y")})
    if ROADMAP in reasons:
        parts.append(_("просрочены мероприятия дорожной карты: %(count)s") % {"count": school.overdue_items})
    return _("%(name)s, муниципальный куратор, напоминает (%(organisation)s): %(what)s.") % {
        "name": by.get_short_name(), "organisation": school.organisation.short_name, "what": "; ".join(parts)}


def _url(school: LateSchool, reasons: set[str], year: AcademicYear, half: int) -> str:
    if REPORT in reasons:
        if school.row.report is not None:
            return school.row.report.get_absolute_url()
        return reverse("monitoring:report_list") + "?" + urlencode({"year": year.start_year, "half": half})
    return reverse("roadmaps:roadmap_detail", args=[school.roadmap_id]) + "?status=overdue"


def remind_late(schools: list[LateSchool], *, reasons: set[str], by, year: AcademicYear, half: int,
                today: datetime.date) -> int:
    """Notices (and letters) to the curators of the chosen late schools; returns the schools reminded.
    Pressing the button twice a day reminds once: the key holds the school, the reasons and the day."""
    curators = holders_by_organisation(Role.SCHOOL_CURATOR, [school.pk for school in schools], today)
    notices, reminded = [], 0
    for school in schools:
        why = school.reasons & reasons
        if not why or not curators.get(school.pk):
            continue
        reminded += 1
        key = f"late:{school.pk}:{year.start_year}-{half}:{'+'.join(sorted(why))}:{today.isoformat()}"
        notices += [Notice(user_id=user_id, kind=Notification.Kind.LATE_REMINDER,
                           text=_text(school, why, by, year, half), url=_url(school, why, year, half), key=key)
                    for user_id in curators[school.pk]]
    record(notices)
    return reminded
