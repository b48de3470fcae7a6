"""The district's half-year analysis and management decisions (``monitoring.analysis``): the list, writing
the analysis of a period, the analysis with its accepted reports and decisions, adding and withdrawing a
decision (each is an item of the district roadmap), and the analysis printed as PDF.

Only the municipal curator writes (``Perm.DISTRICT_ANALYSIS``, held on the municipality); the region and
the staff of the district's organisations read the analysis and its decisions — the decisions are the
district roadmap's items they see anyway — and of the linked reports see only those they reach.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monitoring import analysis as service
from monitoring import reports as report_service
from monitoring import selectors, services
from monitoring.analysis_forms import AnalysisForm, DecisionForm, NewAnalysisForm, WithdrawForm
from monitoring.figures import Period
from monitoring.models import DistrictAnalysis, ManagementDecision
from registry.listing import paginate
from registry.models import AcademicYear, Municipality
from registry.once import once
from registry.pdf import pdf_response, render_pdf
from registry.scoping import Perm, get_visible_or_404, read_only, requires

SORTS = {
    "period": ("academic_year__start_year", "half", "municipality__name"),
    "municipality": ("municipality__name", "-academic_year__start_year", "-half"),
    "updated": ("updated_at",),
}


def _analysis(request, pk) -> DistrictAnalysis:
    return get_visible_or_404(DistrictAnalysis.objects.select_related("municipality", "academic_year",
                                                                      "created_by"), request, pk=pk)


def _writable_municipalities(scope) -> list:
    """The municipalities whose analysis the user writes."""
    return scope.editable_municipalities(Perm.DISTRICT_ANALYSIS)


def _errors(request, error) -> None:
    for message in error.messages:
        messages.error(request, message)


@read_only
def analysis_list(request):
    scope = request.scope
    listing = paginate(request, selectors.analyses(scope), sorts=SORTS, default="-period", page_size=25)
    year, half = report_service.current_half()
    return render(request, "monitoring/analysis/list.html", {
        "listing": listing, "can_write": bool(_writable_municipalities(scope)), "current_year": year,
        "current_half": half, "half_name": report_service.HALF_NAMES[half],
        "show_municipality": len({a.municipality_id for a in listing.rows}) > 1 or scope.region_ids
        or scope.is_superuser,
    })


@requires(Perm.DISTRICT_ANALYSIS)
@once
def analysis_create(request):
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    value = source.get("municipality", "")
    if value.isdigit():
        chosen = get_visible_or_404(Municipality, request, pk=int(value))  # 404 outside, 403 if only read
        municipalities = [chosen]
    else:
        municipalities = _writable_municipalities(scope)
        if not municipalities:
            raise PermissionDenied
        chosen = municipalities[0]
    current_year, current_half = report_service.current_half()
    year = AcademicYear.objects.from_param(request.GET.get("year"), default=current_year)
    half = request.GET.get("half", "")
    half = int(half) if half in ("1", "2") else current_half
    existing = selectors.district_analysis(chosen, academic_year=year, half=half)
    if request.method == "GET" and existing is not None:
        return redirect("monitoring:analysis_edit", existing.pk)
    form = NewAnalysisForm(request.POST or None, municipalities=municipalities,
                           initial={"municipality": chosen, "academic_year": year, "half": half})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            analysis = services.save_analysis(
                municipality=data["municipality"], academic_year=data["academic_year"], half=data["half"],
                quality_analysis=data["quality_analysis"], growth_analysis=data["growth_analysis"], by=request.user)
        except service.AnalysisError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Анализ сохранён. Принятых отчётов организаций за период: %(n)s. Добавьте "
                                        "управленческие решения.") % {"n": selectors.linked_report_count(analysis)})
            return redirect(analysis)
    accepted = selectors.accepted_reports_by_name(chosen, year, half)
    return render(request, "monitoring/analysis/form.html", {
        "form": form, "title": _("Анализ мониторинга и управленческие решения"), "accepted": accepted,
        "period": Period.half(year, half), "year": year,
        "half_name": report_service.HALF_NAMES[half],
    })


@read_only
def analysis_detail(request, pk):
    analysis = _analysis(request, pk)
    return render(request, "monitoring/analysis/detail.html", _context(request, analysis))


def _context(request, analysis: DistrictAnalysis) -> dict:
    scope = request.scope
    decisions = selectors.analysis_decisions(analysis)
    service.decision_states(decisions)
    can_write = Perm.DISTRICT_ANALYSIS in scope.permissions_for_municipality(analysis.municipality)
    return {
        "analysis": analysis, "title": service.title_of(analysis), "can_write": can_write,
        # A school's staff read the analysis too, but the district's report is not theirs (a 404 link).
        "can_see_district": selectors.overseen_municipalities(scope).filter(pk=analysis.municipality_id).exists(),
        "half_name": report_service.HALF_NAMES[analysis.half],
        "period": Period.half(analysis.academic_year, analysis.half),
        # Of the linked reports one sees those one reaches; the number is the district's.
        "reports": selectors.linked_reports(scope, analysis),
        "report_count": selectors.linked_report_count(analysis),
        "decisions": decisions,
        "roadmap": service.district_roadmap(analysis.municipality, analysis.academic_year),
        "decision_form": DecisionForm(staff=service.staff_choices(analysis.municipality)) if can_write else None,
    }


@requires(Perm.DISTRICT_ANALYSIS)
def analysis_edit(request, pk):
    analysis = _analysis(request, pk)
    form = AnalysisForm(request.POST or None, instance=analysis)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_analysis(municipality=analysis.municipality, academic_year=analysis.academic_year,
                                   half=analysis.half, quality_analysis=form.cleaned_data["quality_analysis"],
                                   growth_analysis=form.cleaned_data["growth_analysis"], by=request.user)
        except service.AnalysisError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Анализ сохранён."))
            return redirect(analysis)
    return render(request, "monitoring/analysis/form.html", {
        "form": form, "analysis": analysis, "title": service.title_of(analysis),
        "accepted": selectors.accepted_reports_by_name(analysis.municipality, analysis.academic_year,
                                                       analysis.half),
        "period": Period.half(analysis.academic_year, analysis.half),
    })


@requires(Perm.DISTRICT_ANALYSIS)
@once
def decision_create(request, pk):
    analysis = _analysis(request, pk)
    form = DecisionForm(request.POST or None, staff=service.staff_choices(analysis.municipality))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.add_decision(analysis, text=data["text"], responsible=data["responsible"],
                                             due_on=data["due_on"], responsible_user=data["responsible_user"],
                                             by=request.user)
        except service.AnalysisError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Решение записано и добавлено в дорожную карту района как мероприятие "
                                        "%(number)s.") % {"number": decision.roadmap_item.number})
            return redirect(analysis)
    return render(request, "monitoring/analysis/decision_form.html", {
        "form": form, "analysis": analysis, "title": service.title_of(analysis),
        "roadmap": service.district_roadmap(analysis.municipality, analysis.academic_year),
    })


@requires(Perm.DISTRICT_ANALYSIS)
@require_POST
def decision_withdraw(request, pk):
    decision = get_visible_or_404(ManagementDecision.objects.select_related(
        "analysis__municipality", "roadmap_item__roadmap"), request, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите, почему решение отменяется."))
    else:
        try:
            services.withdraw_decision(decision, reason=form.cleaned_data["reason"], by=request.user)
        except service.AnalysisError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Решение отменено; мероприятие исключено из дорожной карты района."))
    return redirect(decision.analysis)


@read_only
def analysis_pdf(request, pk):
    analysis = _analysis(request, pk)
    context = _context(request, analysis)
    context.update({"curator": analysis.created_by, "generated_at": timezone.localtime()})
    filename = (f"Анализ мониторинга {analysis.municipality.name} {analysis.academic_year.start_year}-"
                f"{analysis.academic_year.start_year + 1}, {analysis.half} полугодие.pdf")
    return pdf_response(render_pdf("monitoring/pdf/analysis.html", context, request=request), filename)
