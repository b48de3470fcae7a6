"""Roadmap pages: the list and the district matrix, a roadmap as the paper's table, approval, history,
my tasks and what is overdue, PDF and XLSX (its items and dated occurrences: ``roadmaps.views.items``).

Every view declares what it needs (``@read_only`` or ``@requires``) and every lookup goes through
``get_visible_or_404(…, request, …)``: outside the scope 404; visible, but without the declared
permission on the roadmap's owner — the organisation, or the municipality for a district roadmap
(``roadmaps.models.roadmap_permissions``) — 403. The workflows themselves are ``roadmaps.services``;
what each list may be filtered and sorted by is ``roadmaps.lists``, its page and sort
``registry.listing``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import selectors as registry_selectors
from registry.models import AcademicYear
from registry.pdf import pdf_response, render_pdf
from registry.listing import chosen_sort, order, paginate
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires
from roadmaps import lists, selectors, services
from roadmaps.exports import (
    XLSX_CONTENT_TYPE,
    agreed_lines,
    approval_lines,
    deadline_text,
    decorate,
    matrix_workbook,
    owner_name,
    roadmap_items,
    roadmap_workbook,
    roadmaps_with_progress,
    stages,
)
from roadmaps.forms import (
    ApproveForm,
    RoadmapCreateForm,
    year_choices,
)
from roadmaps.models import Occurrence, Roadmap, RoadmapItem, roadmap_permissions

ROADMAP_RELATED = ("organisation__municipality", "municipality", "academic_year", "template")


# --- lookups (each checks what the view declared on the roadmap's owner) ------------------------------


def _roadmap(request, pk) -> Roadmap:
    return get_visible_or_404(Roadmap.objects.select_related(*ROADMAP_RELATED), request, pk=pk)


def _item(request, pk) -> RoadmapItem:
    return get_visible_or_404(
        RoadmapItem.objects.select_related(*(f"roadmap__{path}" for path in ROADMAP_RELATED)), request, pk=pk)


def _occurrence(request, pk) -> Occurrence:
    return get_visible_or_404(
        Occurrence.objects.select_related(*(f"item__roadmap__{path}" for path in ROADMAP_RELATED)), request, pk=pk)


def _item_url(item) -> str:
    return f"{reverse('roadmaps:roadmap_detail', args=[item.roadmap_id])}#item-{item.pk}"


def _year(request) -> AcademicYear:
    return AcademicYear.objects.from_param(request.GET.get("year"))


def creatable_owners(scope) -> list:
    """Organisations (EDIT_ROADMAP) and municipalities (their curator) the user may create roadmaps for."""
    organisations = list(scope.editable_organisations(Perm.EDIT_ROADMAP).order_by("short_name"))
    return scope.editable_municipalities(Perm.EDIT_ROADMAP) + organisations


# --- lists -------------------------------------------------------------------------------------------


@read_only
def roadmap_list(request):
    year = _year(request)
    filterset = lists.roadmap_filter(request, year)
    listing = paginate(request, filterset.qs, sorts=lists.ROADMAP_SORTS, default="owner")
    return render(request, "roadmaps/roadmap_list.html", {
        "filter": filterset,
        "listing": listing,
        "year": year,
        "years": registry_selectors.academic_years(),
        "can_create": bool(creatable_owners(request.scope)),
        "previous_year": year.start_year - 1,
    })


@requires(Perm.EDIT_ROADMAP)
@once
def roadmap_create(request):
    owners = creatable_owners(request.scope)
    if not owners:
        raise PermissionDenied
    current = AcademicYear.objects.current()
    requested_year = request.GET.get("year", "")
    form = RoadmapCreateForm(request.POST or None, owners=owners, years=year_choices(around=current), initial={
        "academic_year": int(requested_year) if requested_year.isdigit() else current.start_year,
        "source": request.GET.get("source") if request.GET.get("source") in ("template", "copy") else "template",
    })
    if request.method == "POST" and form.is_valid():
        data, owner = form.cleaned_data, form.owner_filter()
        try:
            roadmap = services.create_roadmap(
                start_year=data["academic_year"], from_template=data["source"] == RoadmapCreateForm.TEMPLATE,
                template=data.get("template"), title=data["title"], by=request.user, **owner)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Дорожная карта на %(year)s учебный год создана.")
                             % {"year": roadmap.academic_year})
            return redirect(roadmap)
    return render(request, "roadmaps/roadmap_create.html", {"form": form})


@read_only
def my_tasks(request):
    today = timezone.localdate()
    filterset = lists.task_filter(request, today)
    listing = paginate(request, filterset.qs, sorts=lists.TASK_SORTS, default="due")
    can_report = {}
    for occurrence in listing.rows:
        decorate(occurrence, today)
        roadmap = occurrence.item.roadmap
        if roadmap.pk not in can_report:
            can_report[roadmap.pk] = Perm.REPORT_PROGRESS in roadmap_permissions(request.scope, roadmap)
        occurrence.can_report = can_report[roadmap.pk]
    return render(request, "roadmaps/my_tasks.html", {"filter": filterset, "listing": listing, "today": today})


@read_only
def overdue(request):
    today = timezone.localdate()
    filterset = lists.overdue_filter(request, today)
    listing = paginate(request, filterset.qs, sorts=lists.OVERDUE_SORTS, default="due")
    for occurrence in listing.rows:
        decorate(occurrence, today)
        occurrence.days_late = (today - occurrence.due_on).days
    year = filterset.form.cleaned_data.get("year") if filterset.is_valid() else None
    return render(request, "roadmaps/overdue.html", {
        "filter": filterset, "listing": listing, "show_owner": not request.scope.is_single_organisation,
        "year_label": f"{int(year)}/{int(year) + 1}" if year else "",
    })


@read_only
def matrix(request):
    year = _year(request)
    filterset = lists.matrix_filter(request, year)
    listing = paginate(request, filterset.qs, sorts=lists.MATRIX_SORTS, default="name")
    district = roadmaps_with_progress(selectors.district_roadmaps(request.scope, academic_year=year)
                                      ).order_by("municipality__name")
    summary = lists.matrix_summary(filterset)
    return render(request, "roadmaps/matrix.html", {
        "filter": filterset, "listing": listing, "year": year, "years": registry_selectors.academic_years(),
        "district_roadmaps": district,
        "show_municipality": summary["municipalities"] > 1,
        "with_roadmap": summary["with_roadmap"],
    })


@read_only
def matrix_xlsx(request):
    """The matrix as the page shows it: the same filter and the same order, every row (no pages)."""
    year = _year(request)
    rows = order(lists.matrix_filter(request, year).qs, lists.MATRIX_SORTS,
                 chosen_sort(request, lists.MATRIX_SORTS, "name"))
    handle = matrix_workbook(rows)
    filename = f"Дорожные карты {year.start_year}-{year.start_year + 1} на {timezone.localdate():%d.%m.%Y}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --- one roadmap -------------------------------------------------------------------------------------

@read_only
def roadmap_detail(request, pk):
    """The roadmap as the paper's table, by stage and never paged (the print, the «#item-N» anchors that
    every edit returns to); ``?view=dates`` shows the same filtered occurrences as a sortable, paged list."""
    roadmap = _roadmap(request, pk)
    granted = roadmap_permissions(request.scope, roadmap)
    today = timezone.localdate()
    show_removed = request.GET.get("removed") == "1"
    items = roadmap_items(roadmap, include_removed=show_removed, files=True)

    # Moving stays inside a stage: the first item of a stage has no «up», the last no «down».
    live = [item for item in items if not item.is_removed]
    for index, item in enumerate(live):
        item.can_up = index > 0 and live[index - 1].stage_number == item.stage_number
        item.can_down = index + 1 < len(live) and live[index + 1].stage_number == item.stage_number

    people = selectors.responsible_users(items)
    filters = {name: request.GET.get(name, "") for name in ("stage", "status", "user")}
    shown = lists.filter_items(items, today=today, **filters)
    dates_view = request.GET.get("view") == "dates"
    listing = (paginate(request, lists.dated_occurrences(shown), sorts=lists.DATE_SORTS, default="due")
               if dates_view else None)

    return render(request, "roadmaps/roadmap_detail.html", {
        "roadmap": roadmap,
        "owner": owner_name(roadmap),
        "stages": stages(shown),
        "listing": listing,
        "dates_view": dates_view,
        "stage_choices": [(stage.number, stage.title) for stage in stages(items)],
        "status_choices": lists.STATUS_FILTERS,
        "people": sorted(people.values(), key=lambda user: user.display_name),
        "filters": {**filters, "removed": show_removed},
        "filtered": any(filters.values()),
        "progress": selectors.roadmap_progress(roadmap, today=today),
        "approval": approval_lines(roadmap),
        "can_edit": Perm.EDIT_ROADMAP in granted,
        "can_report": Perm.REPORT_PROGRESS in granted,
        "can_approve": Perm.APPROVE_ROADMAP in granted and not roadmap.is_approved,
    })


@requires(Perm.APPROVE_ROADMAP)
def roadmap_approve(request, pk):
    roadmap = _roadmap(request, pk)
    if roadmap.is_approved:
        messages.info(request, _("Дорожная карта уже утверждена."))
        return redirect(roadmap)
    form = ApproveForm(request.POST or None, initial={"order_number": selectors.suggest_order_number(roadmap)})
    if request.method == "POST" and form.is_valid():
        try:
            services.approve(roadmap, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Дорожная карта утверждена."))
            return redirect(roadmap)
    return render(request, "registry/form.html", {
        "form": form, "object": roadmap, "title": _("Утвердить дорожную карту"),
        "lead": _("Утверждение вносит в реестр подписанный приказ «Об утверждении дорожной карты»; гриф "
                  "«УТВЕРЖДЕНО» дорожной карты печатает его номер и дату. После утверждения каждое изменение "
                  "дорожной карты будет отмечено в истории как сделанное после утверждения."),
        "submit_label": _("Утвердить"),
    })


@read_only
def roadmap_history(request, pk):
    roadmap = _roadmap(request, pk)
    filterset = lists.change_filter(request, roadmap)
    listing = paginate(request, filterset.qs, sorts=lists.CHANGE_SORTS, default="-at", page_size=100)
    return render(request, "roadmaps/roadmap_history.html", {
        "roadmap": roadmap, "owner": owner_name(roadmap), "filter": filterset, "listing": listing,
    })


def _filename(roadmap, extension) -> str:
    year = roadmap.academic_year.start_year
    period = str(roadmap.plan_year) if roadmap.is_calendar else f"{year}-{year + 1}"
    return f"Дорожная карта {owner_name(roadmap)} {period}.{extension}"


@read_only
def roadmap_pdf(request, pk):
    roadmap = _roadmap(request, pk)
    items = roadmap_items(roadmap)
    for item in items:
        item.deadline_text = deadline_text(item)
        # The paper's words may name the year of the document the template came from: the dates are this year's.
        item.due_dates = [f"{o.due_on:%d.%m.%Y}" for o in selectors.item_occurrences(item)
                          if o.status != Occurrence.Status.CANCELLED]
    pdf = render_pdf("roadmaps/pdf/roadmap.html", {
        "roadmap": roadmap, "stages": stages(items), "approval": approval_lines(roadmap),
        "agreed": agreed_lines(roadmap), "generated_at": timezone.localtime(),
    }, request=request)
    return pdf_response(pdf, _filename(roadmap, "pdf"))


@read_only
def roadmap_xlsx(request, pk):
    roadmap = _roadmap(request, pk)
    handle = roadmap_workbook(roadmap, roadmap_items(roadmap))
    return FileResponse(handle, as_attachment=True, filename=_filename(roadmap, "xlsx"),
                        content_type=XLSX_CONTENT_TYPE)
