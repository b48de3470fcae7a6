"""Monitoring reads the views call: who oversees which district, what an analysis and a report page list,
whom a reminder reaches, which questions have answers.

The bigger reads keep their own modules, each about one page or block: the school's dashboard
(``monitoring.school_dashboard``), the district's (``monitoring.district``), the figures
(``monitoring.figures``), what a report shows (``monitoring.reports``), accounting
(``monitoring.accounting``), the personal-link lists (``monitoring.link_lists``) and what the lists filter
and sort by (``monitoring.lists``). Writes are in ``monitoring.services``.
"""

from django.db.models import Q

from monitoring.analysis import accepted_reports
from monitoring.models import Answer, CoverageTarget, DistrictAnalysis, MonitoringReport
from registry.models import Municipality, Organisation, RoleAssignment
from registry.scoping import Role


def overseen_municipalities(scope):
    """The municipalities the user oversees as a whole (not through one of its organisations): the
    municipal curator's, the region's, or all for a superuser."""
    if scope.is_superuser:
        return Municipality.objects.order_by("name")
    return Municipality.objects.filter(
        Q(pk__in=sorted(scope.municipality_ids)) | Q(region_id__in=sorted(scope.region_ids))).order_by("name")


def district_organisations(scope, municipality) -> list[Organisation]:
    """The municipality's active organisations the user sees, by name."""
    return list(Organisation.objects.visible_to(scope).filter(municipality=municipality, is_active=True)
                .select_related("municipality").order_by("short_name", "pk"))


def organisation_reports(scope, organisation) -> list[MonitoringReport]:
    """One organisation's reports, the latest half first."""
    return list(MonitoringReport.objects.visible_to(scope).filter(organisation=organisation)
                .select_related("academic_year").order_by("-academic_year__start_year", "-half"))


def school_curator(organisation):
    """The organisation's first active school curator (who signs a report nobody submitted yet), or None."""
    assignment = (RoleAssignment.objects.filter(organisation=organisation, role=Role.SCHOOL_CURATOR, is_active=True)
                  .select_related("user").order_by("pk").first())
    return assignment.user if assignment else None


def school_curators(organisation_ids) -> dict[int, list]:
    """The current school curators of each organisation, by name: one query."""
    found: dict[int, list] = {}
    rows = (RoleAssignment.objects.current().filter(role=Role.SCHOOL_CURATOR, user__is_active=True,
                                                    organisation_id__in=list(organisation_ids))
            .select_related("user").order_by("user__last_name", "user__first_name"))
    for assignment in rows:
        found.setdefault(assignment.organisation_id, []).append(assignment.user)
    return found


def coverage_targets(municipality):
    """The municipality's coverage targets of every year, the latest first."""
    return (CoverageTarget.objects.filter(municipality=municipality).select_related("academic_year")
            .order_by("-academic_year__start_year"))


def accepted_reports_by_name(municipality, academic_year, half):
    """The accepted reports an analysis of the period is written from, by organisation."""
    return accepted_reports(municipality, academic_year, half).select_related("organisation").order_by(
        "organisation__short_name")


def linked_reports(scope, analysis: DistrictAnalysis) -> list[MonitoringReport]:
    """Of the reports linked to an analysis, those the user reaches (the count shown is the district's)."""
    return list(MonitoringReport.objects.visible_to(scope).filter(pk__in=analysis.reports.values("pk"))
                .select_related("organisation").order_by("organisation__short_name"))


def answered_question_ids(questionnaire) -> set[int]:
    """The questions of a set somebody answered (they are retired, not deleted, when removed)."""
    return set(Answer.objects.filter(question__questionnaire=questionnaire)
               .values_list("question_id", flat=True).distinct())
