"""The best-practice base (кейсы): an organisation writes its cases, the district and the region read the
published ones. Writing needs Perm.PREPARE_REPORT on the case's organisation (the school curator)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mentoring.models import Pair
from monitoring import lists, selectors, services
from monitoring.case_forms import CaseForm
from monitoring.models import BestPractice
from registry.files import serve_stored
from registry.listing import paginate
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires

PAGE_SIZE = 25
SUGGESTED_PAIRS = 10


def _case(request, pk) -> BestPractice:
    return get_visible_or_404(
        BestPractice.objects.select_related("organisation__municipality", "form", "created_by",
                                            "pair__programme__form"), request, pk=pk)


def _writable_organisations(request):
    """Where the user may write cases; 404 for a user who sees nothing, 403 for a reader."""
    organisations = request.scope.editable_organisations(request.required_permission)
    if not organisations.exists():
        if request.scope.is_empty:
            raise Http404
        raise PermissionDenied
    return organisations


@read_only
def case_list(request):
    cases = selectors.visible_cases(request.scope).select_related("organisation", "form").annotate(file_count=Count("files"))
    cases, chosen = lists.filter_cases(cases, request.GET)
    listing = paginate(request, cases, sorts=lists.CASE_SORTS, default="-created", page_size=PAGE_SIZE)
    writable = request.scope.editable_organisations(Perm.PREPARE_REPORT)
    can_create = writable.exists()
    # Completed pairs whose curator described a case at closing, not yet in the base.
    suggested = []
    if can_create:
        suggested = selectors.suggested_case_pairs(request.scope, writable, limit=SUGGESTED_PAIRS)
    return render(request, "monitoring/cases/list.html", {
        "listing": listing, **chosen,
        "forms": selectors.case_forms(),
        "can_create": can_create, "suggested": suggested,
        "show_organisation": not request.scope.is_single_organisation,
        # Drafts are only ever seen inside their organisation: the filter means nothing to the district.
        "show_state": request.scope.is_superuser or bool(request.scope.organisation_ids),
    })


@read_only
def case_detail(request, pk):
    case = _case(request, pk)
    pair_visible = case.pair_id is not None and request.scope.can(Perm.VIEW, case.organisation)
    return render(request, "monitoring/cases/detail.html", {
        "case": case, "files": selectors.case_files(case), "pair_visible": pair_visible,
        "can_edit": request.scope.can(Perm.PREPARE_REPORT, case.organisation),
    })


def _pair_for_case(request):
    """The completed pair a new case is written from (``?pair=``), inside the scope, or None."""
    value = request.POST.get("pair") or request.GET.get("pair")
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404
    return get_visible_or_404(
        Pair.objects.select_related("programme__form", "programme__organisation"), request,
        pk=int(value), status=Pair.Status.COMPLETED)


@requires(Perm.PREPARE_REPORT)
@once
def case_create(request):
    organisations = _writable_organisations(request)
    pair = _pair_for_case(request)
    initial = {}
    if pair is not None:
        organisations = organisations.filter(pk=pair.programme.organisation_id)
        initial = {
            "organisation": pair.programme.organisation_id, "form": pair.programme.form_id,
            "title": _("Кейс пары № %(pk)s, «%(form)s»") % {"pk": pair.pk, "form": pair.programme.form},
            "description": pair.best_practice, "results": pair.results,
        }
    form = CaseForm(request.POST or None, request.FILES or None, initial=initial, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        case = services.save_case(form, pair=pair, by=request.user)
        messages.success(request, _("Кейс «%(title)s» добавлен в базу лучших практик.") % {"title": case.title})
        return redirect(case)
    return render(request, "monitoring/cases/form.html", {
        "form": form, "pair": pair, "title": _("Новый кейс"),
    })


@requires(Perm.PREPARE_REPORT)
def case_edit(request, pk):
    case = _case(request, pk)
    form = CaseForm(request.POST or None, request.FILES or None, instance=case,
                    organisations=request.scope.editable_organisations(request.required_permission))
    if request.method == "POST" and form.is_valid():
        services.save_case(form, by=request.user)
        messages.success(request, _("Изменения сохранены."))
        return redirect(case)
    return render(request, "monitoring/cases/form.html", {
        "form": form, "case": case, "pair": case.pair, "title": _("Изменение кейса"),
    })


@read_only
def case_file(request, pk):
    """Files of a case are served only to those who may read the case."""
    stored = get_object_or_404(selectors.visible_case_files(request.scope), pk=pk)
    return serve_stored(stored.file)
