"""Half-yearly monitoring reports: the list (a school's own reports, or every organisation of the
district for a half), starting, the report with its figures and review, editing the analysis,
submitting, returning or accepting, the information note as PDF, the district report and the
municipality's coverage targets.

Every view declares what it needs (``@read_only`` or ``@requires``) and every lookup,
``get_visible_or_404(…, request, …)``, checks it: outside the scope 404, visible but not allowed 403 —
PREPARE_REPORT for the school curator, REVIEW_REPORT for the municipal curator, EDIT_TARGETS on the
municipality. The workflow is ``monitoring.reports``.
"""

import contextlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monitoring import lists
from monitoring import reports as service
from monitoring import selectors, services
from monitoring.district import targets as district_targets
from monitoring.models import CoverageTarget, MonitoringReport
from monitoring.report_forms import (
    CoverageTargetForm,
    ReportTextForm,
    ReviewForm,
    StartReportForm,
)
from registry import selectors as registry_selectors
from registry import documents
from registry import services as registry_services
from registry.listing import paginate
from registry.models import AcademicYear, Municipality, Organisation
from registry.pdf import pdf_response, render_pdf
from registry.once import once, save_unique
from registry.scoping import Perm, Role, get_visible_or_404, read_only, requires

REPORT_RELATED = ("organisation__municipality", "academic_year", "submitted_by", "accepted_by")


# --- helpers -----------------------------------------------------------------------------------------


def _report(request, pk) -> MonitoringReport:
    return get_visible_or_404(MonitoringReport.objects.select_related(*REPORT_RELATED), request, pk=pk)


def _year_and_half(request) -> tuple[AcademicYear, int]:
    """``?year=2025&half=1``; by default the year and half a report is being written for today."""
    current_year, current = service.current_half()
    year = AcademicYear.objects.from_param(request.GET.get("year"), default=current_year)
    half = request.GET.get("half", "")
    return year, int(half) if half in ("1", "2") else current


def _years():
    return registry_selectors.academic_years()


def _messages_from(request, error) -> None:
    for message in error.messages:
        messages.error(request, message)


def _pick_municipality(request, candidates):
    """The ``?municipality=`` one among ``candidates`` (404 if it is not among them), else the first."""
    candidates = list(candidates)
    value = request.GET.get("municipality", "")
    if value.isdigit():
        chosen = next((m for m in candidates if m.pk == int(value)), None)
        if chosen is None:
            raise Http404
        return chosen, candidates
    return (candidates[0] if candidates else None), candidates


# --- list and start ----------------------------------------------------------------------------------


@read_only
def report_list(request):
    scope = request.scope
    today = timezone.localdate()
    if scope.is_single_organisation:
        return _school_list(request, today)
    year, half = _year_and_half(request)
    organisations = selectors.active_organisations(scope)
    summary = service.district_summary(organisations, year, half, today)
    rows, status = lists.by_report_status(summary.rows, request.GET.get("status", ""))
    listing = paginate(request, rows, sorts=lists.DISTRICT_REPORT_SORTS, default="name")
    # Start buttons for a curator of several organisations; the superuser starts reports from the form.
    preparable = set() if scope.is_superuser else set(
        scope.editable_organisations(Perm.PREPARE_REPORT).values_list("pk", flat=True))
    return render(request, "monitoring/reports/list_district.html", {
        "summary": summary, "listing": listing, "year": year, "half": half, "years": _years(), "status": status,
        "statuses": list(service.STATUS_LABELS.items()),
        "preparable": preparable, "today": today,
        "reviewer": scope.is_superuser or any(g.role == Role.MUNICIPAL_CURATOR for g in scope.grants),
        "show_municipality": len({row.organisation.municipality_id for row in summary.rows}) > 1,
        "can_see_district": selectors.overseen_municipalities(scope).exists(),
        "can_edit_targets": bool(_target_municipalities(scope)),
        "half_name": service.HALF_NAMES[half],
    })


def _school_list(request, today):
    scope = request.scope
    organisation = selectors.own_organisation(scope)
    reports = selectors.organisation_reports(scope, organisation)
    for report in reports:
        report.late = service.is_late(report, report.due_on, today)
    year, half = service.current_half(today)
    current = next((r for r in reports if r.academic_year_id == year.pk and r.half == half), None)
    rows, status = lists.by_report_status(reports, request.GET.get("status", ""))
    listing = paginate(request, rows, sorts=lists.SCHOOL_REPORT_SORTS, default="-period")
    return render(request, "monitoring/reports/list_school.html", {
        "organisation": organisation, "listing": listing, "has_reports": bool(reports), "status": status,
        "statuses": lists.SCHOOL_REPORT_STATUSES, "current_year": year, "current_half": half,
        "current_half_name": service.HALF_NAMES[half], "current": current,
        "current_due_on": service.due_date(organisation.municipality, year, half),
        "can_prepare": scope.can(Perm.PREPARE_REPORT, organisation), "today": today,
    })


@requires(Perm.PREPARE_REPORT)
@once
def report_create(request):
    scope = request.scope
    organisations = scope.editable_organisations(request.required_permission).select_related("municipality")
    source = request.POST if request.method == "POST" else request.GET
    value = source.get("organisation", "")
    if value.isdigit():
        chosen = get_visible_or_404(Organisation.objects.select_related("municipality"), request, pk=int(value))
    elif not organisations.exists():
        raise PermissionDenied
    organisations = list(organisations.order_by("short_name"))
    year, half = service.current_half()
    initial = {"academic_year": year, "half": half,
               "organisation": organisations[0] if len(organisations) == 1 else None}
    if value.isdigit():
        initial["organisation"] = chosen
    form = StartReportForm(request.POST or None, organisations=selectors.report_organisation_choices(organisations),
                           initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation, year, half = (form.cleaned_data[name] for name in ("organisation", "academic_year", "half"))
        try:
            report = services.start_report(organisation, year=year, half=half, by=request.user)
        except services.ReportError as error:
            existing = selectors.report_of(organisation, academic_year=year, half=half)
            _messages_from(request, error)
            if existing is not None:
                return redirect(existing)
        else:
            messages.success(request, _("Отчёт создан. Срок сдачи — %(date)s. Показатели считаются из реестра "
                                        "автоматически; опишите анализ и отправьте на проверку.")
                             % {"date": report.due_on.strftime("%d.%m.%Y")})
            return redirect("monitoring:report_edit", report.pk)
    return render(request, "monitoring/reports/create.html", {"form": form, "organisations": organisations})


# --- one report --------------------------------------------------------------------------------------


def _context(request, report: MonitoringReport) -> dict:
    today = timezone.localdate()
    data = service.report_figures(report, today=today)
    granted = request.scope.permissions_for(report.organisation)
    return {
        "report": report, "f": service.present(data), "title": service.title_of(report),
        "half_name": service.HALF_NAMES[report.half], "late": service.is_late(report, report.due_on, today),
        "status_label": service.STATUS_LABELS[report.status], "status_badge": service.STATUS_BADGES[report.status],
        "can_prepare": Perm.PREPARE_REPORT in granted and report.is_editable,
        "can_review": Perm.REVIEW_REPORT in granted and report.status == MonitoringReport.Status.SUBMITTED,
        "missing_texts": service.missing_texts(report) if report.is_editable else [],
        "reviews": selectors.report_reviews(report),
        "texts": [(_("Сильные стороны"), report.strengths, "border-success"),
                  (_("Слабые стороны"), report.weaknesses, "border-danger"),
                  (_("Возможности"), report.opportunities, "border-primary"),
                  (_("Угрозы"), report.threats, "border-warning")],
        "today": today,
    }


@read_only
def report_detail(request, pk):
    report = _report(request, pk)
    return render(request, "monitoring/reports/detail.html", _context(request, report))


@requires(Perm.PREPARE_REPORT)
def report_edit(request, pk):
    report = _report(request, pk)
    if not report.is_editable:
        messages.error(request, service.not_editable_message(report))
        return redirect(report)
    form = ReportTextForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_text(report, by=request.user, **{name: form.cleaned_data[name] for name in service.TEXT_FIELDS})
            if request.POST.get("next") == "submit":
                services.submit(report, by=request.user)
        except services.ReportError as error:
            _messages_from(request, error)
        else:
            if report.status == MonitoringReport.Status.SUBMITTED:
                messages.success(request, _("Отчёт сохранён и отправлен на проверку муниципальному куратору."))
            else:
                messages.success(request, _("Анализ сохранён."))
        return redirect(report)
    returned = selectors.last_return(report) if report.status == MonitoringReport.Status.RETURNED else None
    return render(request, "monitoring/reports/edit.html", {
        "form": form, "report": report, "title": service.title_of(report), "returned": returned,
        "f": service.present(service.live_figures(report)),
    })


@requires(Perm.PREPARE_REPORT)
@require_POST
def report_submit(request, pk):
    report = _report(request, pk)
    try:
        services.submit(report, by=request.user)
    except services.ReportError as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("Отчёт отправлен на проверку муниципальному куратору."))
    return redirect(report)


@requires(Perm.REVIEW_REPORT)
@require_POST
def report_review(request, pk):
    report = _report(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(report)
    try:
        if form.cleaned_data["action"] == ReviewForm.ACCEPT:
            services.accept(report, by=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, _("Отчёт принят. Показатели зафиксированы на %(date)s.")
                             % {"date": timezone.localdate().strftime("%d.%m.%Y")})
        else:
            services.return_report(report, comment=form.cleaned_data["comment"], by=request.user)
            messages.success(request, _("Отчёт возвращён на доработку с комментарием."))
    except services.ReportError as error:
        _messages_from(request, error)
    return redirect(report)


@read_only
def report_pdf(request, pk):
    report = _report(request, pk)
    context = _context(request, report)
    curator = report.submitted_by
    if curator is None:
        curator = selectors.school_curator(report.organisation)
    context.update({
        "draft": not report.is_frozen, "curator": curator,
        "decision_lines": [line for line in report.decisions.splitlines() if line.strip()],
        "generated_at": timezone.localtime(),
    })
    filename = (f"Справка мониторинга {report.organisation.short_name} {report.academic_year.start_year}-"
                f"{report.academic_year.start_year + 1}, {report.half} полугодие.pdf")
    return pdf_response(render_pdf("monitoring/pdf/report.html", context, request=request), filename)


# --- the district ------------------------------------------------------------------------------------


@read_only
def district_report(request):
    scope = request.scope
    municipality, municipalities = _pick_municipality(request, selectors.overseen_municipalities(scope))
    if municipality is None:
        raise PermissionDenied
    year, half = _year_and_half(request)
    organisations = selectors.active_organisations(scope, municipality=municipality)
    summary = service.district_summary(organisations, year, half, timezone.localdate())
    # The targets the report measures against, and the accepted reports by the targets they were frozen
    # under: never one total over reports of different targets.
    targets = district_targets.for_report(municipality, year, summary)
    context = {
        "summary": summary, "municipality": municipality, "municipalities": municipalities, "year": year,
        "half": half, "years": _years(), "half_name": service.HALF_NAMES[half],
        "half_genitive": service.HALF_GENITIVE[half], "totals": summary.totals, "targets": targets,
        "p": service.present_totals(summary.totals),
        "period": service.figures.Period.half(year, half), "generated_at": timezone.localtime(),
        "can_edit_targets": municipality in _target_municipalities(scope),
    }
    if request.GET.get("format") in ("pdf", "docx"):
        # Whoever prints it (the region's observer too), the municipal curator signs it.
        context["curator"] = selectors.municipal_curator(municipality)
        filename = (f"Мониторинг {municipality.name} {year.start_year}-{year.start_year + 1}, "
                    f"{half} полугодие.pdf")
        with contextlib.ExitStack() as stack:
            if request.GET["format"] == "docx":  # the same document for Word (registry.documents)
                stack.enter_context(documents.docx_format())
            return pdf_response(render_pdf("monitoring/reports/district_pdf.html", context, request=request),
                                filename)
    address = {"municipality": municipality.pk, "year": year.start_year, "half": half}
    context["pdf_url"] = reverse("monitoring:district_report") + "?" + urlencode({**address, "format": "pdf"})
    context["docx_url"] = reverse("monitoring:district_report") + "?" + urlencode({**address, "format": "docx"})
    # The municipal curator's analysis of this half and its decisions (monitoring.analysis), or a start.
    context["analysis"] = selectors.district_analysis(municipality, academic_year=year, half=half)
    context["can_analyse"] = Perm.DISTRICT_ANALYSIS in scope.permissions_for_municipality(municipality)
    return render(request, "monitoring/reports/district.html", context)


# --- targets -----------------------------------------------------------------------------------------


def _target_municipalities(scope) -> list:
    return scope.editable_municipalities(Perm.EDIT_TARGETS)


@requires(Perm.EDIT_TARGETS)
@once
def targets_edit(request):
    scope = request.scope
    value = request.GET.get("municipality", "")
    if value.isdigit():
        municipality = get_visible_or_404(Municipality, request, pk=int(value))
        municipalities = _target_municipalities(scope)
    else:
        municipalities = _target_municipalities(scope)
        if not municipalities:
            raise PermissionDenied
        municipality = municipalities[0]
    year = AcademicYear.objects.from_param(request.GET.get("year"), default=service.current_half()[0])
    target = selectors.coverage_target(municipality, academic_year=year)
    is_set = target is not None
    target = target or CoverageTarget(municipality=municipality, academic_year=year)
    form = CoverageTargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid() and save_unique(
            form, lambda: registry_services.save_form(form, by=request.user),
            _("Целевые показатели на этот год только что сохранил другой пользователь: откройте "
              "форму заново.")) is not None:
        messages.success(request, _("Целевые показатели %(municipality)s на %(year)s учебный год сохранены.")
                         % {"municipality": municipality.name, "year": year})
        return redirect(reverse("monitoring:targets_edit") + "?" + urlencode(
            {"municipality": municipality.pk, "year": year.start_year}))
    others = selectors.coverage_targets(municipality)
    return render(request, "monitoring/reports/targets.html", {
        "form": form, "municipality": municipality, "municipalities": municipalities, "year": year,
        "years": _years(), "is_set": is_set, "others": others,
    })
