"""Monitoring reads the views call: who oversees which district, what an analysis and a report page list,
whom a reminder reaches, which questions have answers; the cases, question sets, export jobs and
statistics submissions a user reaches, and the beat's last run for the health check.

The bigger reads keep their own modules, each about one page or block: the school's dashboard
(``monitoring.school_dashboard``), the district's (``monitoring.district``), the figures
(``monitoring.figures``), what a report shows (``monitoring.reports``), accounting
(``monitoring.accounting``), the personal-link lists (``monitoring.link_lists``) and what the lists filter
and sort by (``monitoring.lists``). Writes are in ``monitoring.services``.
"""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from mentoring.models import MentoringForm, Pair
from monitoring.analysis import accepted_reports
from monitoring.models import (
    Answer,
    BeatMark,
    BestPractice,
    BestPracticeFile,
    CoverageTarget,
    DistrictAnalysis,
    ExportJob,
    MonitoringReport,
    Question,
    Questionnaire,
    ReportReview,
    Response,
    StatisticsSubmission,
)
from registry.models import AcademicYear, Municipality, Organisation, RoleAssignment
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


def municipal_curator(municipality):
    """The municipality's first current municipal curator (who signs the district report), or None."""
    assignment = (RoleAssignment.objects.current().filter(municipality=municipality, role=Role.MUNICIPAL_CURATOR,
                                                          user__is_active=True)
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


# --- organisations and reports -----------------------------------------------------------------------


def active_organisations(scope, *, municipality=None):
    """The active organisations the scope sees, of one municipality if given (what a district summary
    counts)."""
    if municipality is None:
        return Organisation.objects.visible_to(scope).filter(is_active=True)
    return Organisation.objects.visible_to(scope).filter(municipality=municipality, is_active=True)


def own_organisation(scope) -> Organisation:
    """The one organisation of a single-organisation scope, with its municipality."""
    return Organisation.objects.select_related("municipality").get(pk=next(iter(scope.organisation_ids)))


def report_organisation_choices(organisations):
    """The organisations a report may be started for (already read from the scope), as a form's queryset."""
    return Organisation.objects.filter(pk__in=[organisation.pk for organisation in organisations])


def report_of(organisation, *, academic_year, half) -> MonitoringReport | None:
    """The organisation's report of a half, if it was started."""
    return MonitoringReport.objects.filter(organisation=organisation, academic_year=academic_year, half=half).first()


def coverage_target(municipality, *, academic_year) -> CoverageTarget | None:
    """The municipality's coverage targets of one year, if they were set."""
    return CoverageTarget.objects.filter(municipality=municipality, academic_year=academic_year).first()


# --- the district's analysis -------------------------------------------------------------------------


def district_analysis(municipality, *, academic_year, half) -> DistrictAnalysis | None:
    """The municipality's analysis of a half, if it was written."""
    return DistrictAnalysis.objects.filter(municipality=municipality, academic_year=academic_year, half=half).first()


def analyses(scope):
    """The district analyses the scope sees, with their standing decisions and linked reports counted."""
    return (DistrictAnalysis.objects.visible_to(scope).select_related("municipality", "academic_year")
            .annotate(decision_count=Count("decisions", filter=Q(decisions__withdrawn_on__isnull=True),
                                           distinct=True),
                      report_count=Count("reports", distinct=True)))


# --- cases -------------------------------------------------------------------------------------------


def visible_cases(scope):
    """The cases a user reads (the rule lives in ``BestPractice.objects.visible_to``)."""
    return BestPractice.objects.visible_to(scope)


def visible_case_files(scope):
    """The files of the cases the user reads: the only ones a download may serve."""
    return BestPracticeFile.objects.filter(case__in=visible_cases(scope))


def suggested_case_pairs(scope, organisations, *, limit: int) -> list[Pair]:
    """Completed pairs of ``organisations`` whose curator described a case at closing, not yet in the
    base, the latest first."""
    return list(
        Pair.objects.visible_to(scope)
        .filter(status=Pair.Status.COMPLETED, programme__organisation__in=organisations, cases__isnull=True)
        .exclude(best_practice="")
        .select_related("programme__form", "programme__organisation", "programme__academic_year")
        .order_by("-ended_on", "-pk")[:limit]
    )


def case_forms():
    """The mentoring forms the case list filters by: the active ones and any a case names."""
    return MentoringForm.objects.filter(Q(is_active=True) | Q(cases__isnull=False)).distinct()


# --- questionnaires ----------------------------------------------------------------------------------


def questionnaires_with_counts(scope):
    """The question sets the scope sees with their live questions, and the scope's answered and waiting
    responses, counted."""
    in_scope = scope.q("responses__organisation")
    # Questions counted in a subquery: joined with the responses, they would multiply the rows.
    question_count = (Question.objects.filter(questionnaire=OuterRef("pk"), retired_at__isnull=True)
                      .values("questionnaire").annotate(n=Count("pk")).values("n"))
    return Questionnaire.objects.visible_to(scope).select_related("form", "organisation").annotate(
        question_count=Coalesce(Subquery(question_count), 0),
        answered=Count("responses", filter=in_scope & Q(responses__submitted_at__isnull=False)),
        waiting=Count("responses", filter=in_scope & Q(responses__submitted_at__isnull=True,
                                                       responses__token__isnull=False)),
    )


def questionnaire_responses(scope, questionnaire):
    """The responses to a question set the scope sees."""
    return Response.objects.visible_to(scope).filter(questionnaire=questionnaire)


def responding_organisations(scope, questionnaire) -> list[Organisation]:
    """The organisations the scope sees that have responses to a question set, by name."""
    return list(Organisation.objects.visible_to(scope).filter(responses__questionnaire=questionnaire)
                .distinct().order_by("short_name"))


# --- exports, statistics, health ---------------------------------------------------------------------


def reachable_export_jobs(user):
    """The export jobs a user may open: their own (every job for a superuser)."""
    return ExportJob.objects.for_user(user)


def requested_export_jobs(user):
    """The export jobs the user requested (their list page)."""
    return ExportJob.objects.filter(requested_by=user)


def academic_year_of(start_year: int) -> AcademicYear | None:
    """The academic year starting in ``start_year``, if it exists (a query string never creates one)."""
    return AcademicYear.objects.filter(start_year=start_year).first()


def statistics_submissions(organisation, *, academic_year):
    """The organisation's submissions of the federal statistics form for a year, with who submitted them."""
    return StatisticsSubmission.objects.filter(organisation=organisation, academic_year=academic_year
                                               ).select_related("submitted_by")


def last_beat(name: str):
    """When the periodic task ``name`` last ran (its beat mark), or None."""
    return BeatMark.objects.filter(name=name).values_list("at", flat=True).first()


# --- related rows of an object a view holds -----------------------------------------------------------


def linked_report_count(analysis: DistrictAnalysis) -> int:
    """How many reports an analysis is written from (the district's number, whoever reads it)."""
    return analysis.reports.count()


def analysis_decisions(analysis: DistrictAnalysis) -> list:
    """An analysis's management decisions with who answers for them and their roadmap item."""
    return list(analysis.decisions.select_related("responsible_user", "roadmap_item"))


def case_files(case: BestPractice):
    return case.files.order_by("pk")


def response_answers(response) -> dict:
    """A response's answers by question id."""
    return {answer.question_id: answer for answer in response.answers.all()}


def report_reviews(report: MonitoringReport) -> list:
    """A report's reviews (submitted, returned, accepted) with their reviewers, in order."""
    return list(report.reviews.select_related("by"))


def last_return(report: MonitoringReport):
    """The latest review that returned the report for rework, or None."""
    return report.reviews.filter(action=ReportReview.Action.RETURNED).select_related("by").last()
