"""What the monitoring lists filter and sort by, for ``registry.listing.paginate``.

Every list here ends with ``paginate(request, rows, sorts=…, default=…)``; this module holds each
list's whitelisted sorts and reads its filters from the query string (an unknown value is no filter,
silently, like a bad page number). The lists read from the database sort by ``order_by`` fields
(cases, questionnaires, answers to a questionnaire, export jobs); the report lists are built in
memory — a district's rows include the organisations without a report, a school's carry whether
they are late — and sort by key functions.
"""

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.models import ExportJob, MonitoringReport, Questionnaire
from monitoring.reports import MISSING, STATUS_LABELS, STATUS_ORDER
from registry import exporters
from registry.listing import id_param, search_param

LATE = "late"


def choice_order(field: str, values) -> Case:
    """The position of ``field``'s value among ``values`` (a model's choices in their own order), to sort
    by a choice as it is listed rather than by its code."""
    return Case(*(When(**{field: value}, then=Value(index)) for index, value in enumerate(values)),
                default=Value(len(values)), output_field=IntegerField())


def _digits(value: str) -> int | None:
    return id_param(value)


# --- reports ---------------------------------------------------------------------------------------------


def by_report_status(rows, status: str) -> tuple[list, str]:
    """The rows in the chosen state (``late``: not handed in by the deadline) and the state kept, ""
    for anything else. A row is a ``DistrictRow`` or a report with ``late`` set."""
    if status == LATE:
        return [row for row in rows if row.late], status
    if status in STATUS_LABELS:
        return [row for row in rows if row.status == status], status
    return list(rows), ""


def _name(row) -> str:
    return row.organisation.short_name.lower()


# A district's rows, one per organisation (``monitoring.reports.DistrictRow``).
DISTRICT_REPORT_SORTS = {
    "name": lambda row: (_name(row), row.pk),
    "municipality": lambda row: (row.organisation.municipality.name.lower(), _name(row), row.pk),
    # What needs the municipal curator first: on review, returned, being written, not started, accepted.
    "status": lambda row: (STATUS_ORDER[row.status], _name(row), row.pk),
    "late": lambda row: (not row.late, row.due_on, _name(row), row.pk),
    "submitted": lambda row: (row.submitted_on is None, row.submitted_on or row.due_on, _name(row), row.pk),
}


def submitted_on(report: MonitoringReport):
    """The day a report was handed in; None for a draft (a returned one keeps its last submission)."""
    if report.submitted_at and report.status != MonitoringReport.Status.DRAFT:
        return timezone.localdate(report.submitted_at)
    return None


# A school's own reports, one per half.
SCHOOL_REPORT_SORTS = {
    "period": lambda report: (report.academic_year.start_year, report.half),
    "due": lambda report: (report.due_on, report.pk),
    "status": lambda report: (STATUS_ORDER[report.status], report.academic_year.start_year, report.half),
    "submitted": lambda report: (submitted_on(report) is None, submitted_on(report) or report.due_on, report.pk),
}
SCHOOL_REPORT_STATUSES = [(key, label) for key, label in STATUS_LABELS.items() if key != MISSING]


# --- cases -----------------------------------------------------------------------------------------------

CASE_STATES = ("published", "draft")
CASE_SORTS = {
    "title": ("title",),
    "form": ("form__position", "form__name", "title"),
    "organisation": ("organisation__short_name", "title"),
    "files": ("file_count", "title"),
    "created": ("created_at",),
    "state": ("published", "title"),
}


def filter_cases(cases, params) -> tuple:
    """Cases whose title holds ``?q=``, of the form ``?form=`` and, with ``?state=``, published or not;
    with the filter as understood, for the form."""
    q = search_param(params)
    if q:
        cases = cases.filter(title__icontains=q)
    form_id = _digits(params.get("form", ""))
    if form_id is not None:
        cases = cases.filter(form_id=form_id)
    state = params.get("state", "")
    if state in CASE_STATES:
        cases = cases.filter(published=state == "published")
    else:
        state = ""
    return cases, {"q": q, "form_id": str(form_id) if form_id is not None else "", "state": state}


# --- questionnaires --------------------------------------------------------------------------------------

QUESTIONNAIRE_SORTS = {
    # The list's own order: by purpose as the model lists them, those for every form first, then the title.
    "kind": ("kind_order", "for_one_form", "title"),
    "title": ("title",),
    "questions": ("question_count", "title"),
    "answered": ("answered", "title"),
    "waiting": ("waiting", "title"),
    "owner": ("organisation__short_name", "title"),
}
# Whose question sets: the shared ones, or an organisation's own.
QUESTIONNAIRE_OWNERS = (("shared", _("общие")), ("own", _("свои анкеты организаций")))


def filter_questionnaires(questionnaires, params, *, show_all: bool) -> tuple:
    """The questionnaires in use (all of them with ``show_all``), with ``?q=`` in the title, of the
    purpose ``?kind=``, shared or an organisation's own (``?owner=``); annotated with what the list sorts
    by."""
    if not show_all:
        questionnaires = questionnaires.filter(is_active=True)
    q = search_param(params)
    if q:
        questionnaires = questionnaires.filter(title__icontains=q)
    kind = params.get("kind", "")
    if kind in Questionnaire.Kind.values:
        questionnaires = questionnaires.filter(kind=kind)
    else:
        kind = ""
    owner = params.get("owner", "")
    if owner in dict(QUESTIONNAIRE_OWNERS):
        questionnaires = questionnaires.filter(organisation__isnull=owner == "shared")
    else:
        owner = ""
    questionnaires = questionnaires.annotate(
        kind_order=choice_order("kind", Questionnaire.Kind.values),
        for_one_form=Case(When(form__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    return questionnaires, {"q": q, "kind": kind, "owner": owner}


# The answers received to one questionnaire.
RESPONSE_SORTS = {
    "who": ("participant__last_name", "participant__first_name", "participant__patronymic"),
    "organisation": ("organisation__short_name", "-submitted_at"),
    "submitted": ("submitted_at",),
}
RESPONSE_VIA = {
    # A personal link keeps its token once answered; a curator's entry never has one.
    "link": Q(token__isnull=False),
    "curator": Q(token__isnull=True),
}


def responses_via(responses, value: str) -> tuple:
    """Answers received through a personal link (``?via=link``) or entered by a curator (``curator``)."""
    if value in RESPONSE_VIA:
        return responses.filter(RESPONSE_VIA[value]), value
    return responses, ""


# --- export jobs -----------------------------------------------------------------------------------------

EXPORT_SORTS = {
    "kind": ("kind_order", "-created_at"),
    "status": ("status_order", "-created_at"),
    "created": ("created_at",),
    "expires": ("expires_at",),
}


def filter_export_jobs(jobs, params) -> tuple:
    """Jobs of the kind ``?type=`` and the state ``?status=`` (``?kind=`` is the new request's choice),
    annotated with what the list sorts by."""
    chosen = {"type": params.get("type", ""), "status": params.get("status", "")}
    if chosen["type"] in exporters.identifiers():
        jobs = jobs.filter(kind=chosen["type"])
    else:
        chosen["type"] = ""
    if chosen["status"] in ExportJob.Status.values:
        jobs = jobs.filter(status=chosen["status"])
    else:
        chosen["status"] = ""
    jobs = jobs.annotate(kind_order=choice_order("kind", exporters.identifiers()),
                         status_order=choice_order("status", ExportJob.Status.values))
    return jobs, chosen
