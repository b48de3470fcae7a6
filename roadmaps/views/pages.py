"""Roadmap pages: the list and the district matrix, a roadmap as the paper's table, its items and
dated occurrences, approval, history, my tasks and what is overdue, PDF and XLSX.

Every lookup goes through ``visible_to`` (outside the scope: 404); writing checks the permission on
the roadmap's owner — the organisation, or the municipality for a district roadmap (visible but not
allowed: 403). The workflows themselves are ``roadmaps.services``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, FloatField, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.models import AcademicYear, Municipality, Organisation
from registry.pdf import pdf_response, render_pdf
from registry.scoping import Perm, get_visible_or_404
from roadmaps import services
from roadmaps.exports import (
    OVERDUE,
    STATUS_LABELS,
    XLSX_CONTENT_TYPE,
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
    DeadlineForm,
    ItemForm,
    OccurrenceForm,
    RemoveItemForm,
    RoadmapCreateForm,
    year_choices,
)
from roadmaps.models import EvidenceFile, Occurrence, Roadmap, RoadmapItem
from registry.files import serve_stored

PAGE_SIZE = 50
ROADMAP_RELATED = ("organisation__municipality", "municipality", "academic_year")


# --- lookups and permissions -------------------------------------------------------------------------


def permissions(scope, roadmap: Roadmap):
    if roadmap.organisation_id:
        return scope.permissions_for(roadmap.organisation)
    return scope.permissions_for_municipality(roadmap.municipality)


def _require(request, roadmap: Roadmap, perm: Perm) -> None:
    granted = permissions(request.scope, roadmap)
    if Perm.VIEW not in granted:
        raise Http404
    if perm not in granted:
        raise PermissionDenied


def _roadmap(request, pk) -> Roadmap:
    return get_visible_or_404(Roadmap.objects.select_related(*ROADMAP_RELATED), request.scope, pk=pk)


def _item(request, pk) -> RoadmapItem:
    queryset = RoadmapItem.objects.select_related(*(f"roadmap__{path}" for path in ROADMAP_RELATED))
    item = get_visible_or_404(queryset, request.scope, pk=pk)
    return item


def _occurrence(request, pk) -> Occurrence:
    queryset = Occurrence.objects.select_related(*(f"item__roadmap__{path}" for path in ROADMAP_RELATED))
    return get_visible_or_404(queryset, request.scope, pk=pk)


def _item_url(item) -> str:
    return f"{reverse('roadmaps:roadmap_detail', args=[item.roadmap_id])}#item-{item.pk}"


def _year(request) -> AcademicYear:
    return AcademicYear.objects.from_param(request.GET.get("year"))


def creatable_owners(scope) -> list:
    """Organisations (EDIT_ROADMAP) and municipalities (their curator) the user may create roadmaps for."""
    organisations = list(scope.editable_organisations(Perm.EDIT_ROADMAP).order_by("short_name"))
    if scope.is_superuser:
        municipalities = Municipality.objects.all()
    elif scope.municipality_ids:
        municipalities = Municipality.objects.filter(pk__in=scope.municipality_ids)
    else:
        municipalities = []
    municipalities = [m for m in municipalities if Perm.EDIT_ROADMAP in scope.permissions_for_municipality(m)]
    return municipalities + organisations


# --- lists -------------------------------------------------------------------------------------------


def roadmap_list(request):
    year = _year(request)
    roadmaps = roadmaps_with_progress(
        Roadmap.objects.visible_to(request.scope).filter(academic_year=year)
        .select_related("organisation", "municipality")
    ).order_by(F("municipality__name").asc(nulls_last=True), "organisation__short_name", "pk")
    return render(request, "roadmaps/roadmap_list.html", {
        "roadmaps": roadmaps,
        "year": year,
        "years": AcademicYear.objects.order_by("-start_year"),
        "can_create": bool(creatable_owners(request.scope)),
        "previous_year": year.start_year - 1,
    })


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
            with transaction.atomic():
                year, _created = AcademicYear.objects.get_or_create(start_year=data["academic_year"])
                if data["source"] == RoadmapCreateForm.TEMPLATE:
                    roadmap = services.create_from_template(template=data["template"], academic_year=year,
                                                            title=data["title"].strip(), by=request.user, **owner)
                else:
                    source = Roadmap.objects.filter(academic_year__start_year=year.start_year - 1, **owner).first()
                    if source is None:
                        raise ValidationError(
                            _("На %(year)s учебный год дорожной карты нет — копировать нечего. Создайте "
                              "дорожную карту по шаблону.")
                            % {"year": f"{year.start_year - 1}/{year.start_year}"})
                    roadmap = services.copy_to_year(source, academic_year=year, by=request.user)
                    if data["title"].strip():
                        Roadmap.objects.filter(pk=roadmap.pk).update(title=data["title"].strip())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Дорожная карта на %(year)s учебный год создана.") % {"year": year})
            return redirect(roadmap)
    return render(request, "roadmaps/roadmap_create.html", {"form": form})


def my_tasks(request):
    today = timezone.localdate()
    occurrences = (
        Occurrence.objects.visible_to(request.scope).open()
        .filter(item__responsible_users=request.user, item__is_removed=False)
        .select_related(*(f"item__roadmap__{path}" for path in ROADMAP_RELATED))
        .order_by("due_on", "item__roadmap_id", "item__position", "sequence")
    )
    page = Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("page"))
    for occurrence in page.object_list:
        decorate(occurrence, today)
    can_report = {}
    for occurrence in page.object_list:
        roadmap = occurrence.item.roadmap
        if roadmap.pk not in can_report:
            can_report[roadmap.pk] = Perm.REPORT_PROGRESS in permissions(request.scope, roadmap)
        occurrence.can_report = can_report[roadmap.pk]
    return render(request, "roadmaps/my_tasks.html", {"page": page, "today": today})


OVERDUE_SORTS = {
    "due": ("due_on", "owner_name", "pk"),
    "-due": ("-due_on", "owner_name", "pk"),
    "owner": ("owner_name", "due_on", "pk"),
    "-owner": ("-owner_name", "due_on", "pk"),
    "item": ("item__roadmap__academic_year__start_year", "owner_name", "item__stage_number", "item__position", "pk"),
    "-item": ("-item__roadmap__academic_year__start_year", "-owner_name", "-item__stage_number", "-item__position",
              "-pk"),
}


def overdue(request):
    today = timezone.localdate()
    occurrences = (
        Occurrence.objects.visible_to(request.scope).overdue(today).filter(item__is_removed=False)
        .select_related(*(f"item__roadmap__{path}" for path in ("organisation", "municipality", "academic_year")))
        .prefetch_related("item__responsible_users")
        .annotate(owner_name=Coalesce("item__roadmap__organisation__short_name", "item__roadmap__municipality__name"))
    )
    sort = request.GET.get("sort", "due")
    occurrences = occurrences.order_by(*OVERDUE_SORTS.get(sort, OVERDUE_SORTS["due"]))
    page = Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("page"))
    for occurrence in page.object_list:
        decorate(occurrence, today)
        occurrence.days_late = (today - occurrence.due_on).days
    return render(request, "roadmaps/overdue.html", {
        "page": page, "sort": sort, "show_owner": not request.scope.is_single_organisation,
    })


MATRIX_SORTS = {
    "name": ("short_name", "pk"),
    "-name": ("-short_name", "-pk"),
    "percent": (F("done_percent").asc(nulls_first=True), "short_name", "pk"),
    "-percent": (F("done_percent").desc(nulls_last=True), "short_name", "pk"),
    "overdue": ("occurrence_overdue", "short_name", "pk"),
    "-overdue": ("-occurrence_overdue", "short_name", "pk"),
    "next": (F("next_due").asc(nulls_last=True), "short_name", "pk"),
    "-next": (F("next_due").desc(nulls_last=True), "short_name", "pk"),
}


def _matrix(request, year):
    """``services.organisation_matrix`` over the organisations in scope, sorted by a whitelisted column."""
    organisations = Organisation.objects.visible_to(request.scope).filter(is_active=True).select_related("municipality")
    rows = services.organisation_matrix(organisations, academic_year=year).annotate(done_percent=Case(
        When(occurrence_total=0, then=None),
        default=F("occurrence_done") * 100.0 / F("occurrence_total"),
        output_field=FloatField(),
    ))
    sort = request.GET.get("sort", "name")
    if sort not in MATRIX_SORTS:
        sort = "name"
    return rows.order_by(*MATRIX_SORTS[sort]), sort


def matrix(request):
    year = _year(request)
    rows, sort = _matrix(request, year)
    rows = list(rows)
    district = roadmaps_with_progress(
        Roadmap.objects.visible_to(request.scope).filter(academic_year=year, municipality__isnull=False)
        .select_related("municipality")
    ).order_by("municipality__name")
    return render(request, "roadmaps/matrix.html", {
        "rows": rows, "sort": sort, "year": year, "years": AcademicYear.objects.order_by("-start_year"),
        "district_roadmaps": district,
        "show_municipality": len({row.municipality_id for row in rows}) > 1,
        "with_roadmap": sum(1 for row in rows if row.roadmap_id),
    })


def matrix_xlsx(request):
    year = _year(request)
    rows, _sort = _matrix(request, year)
    handle = matrix_workbook(rows)
    filename = f"Дорожные карты {year.start_year}-{year.start_year + 1} на {timezone.localdate():%d.%m.%Y}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --- one roadmap -------------------------------------------------------------------------------------

STATUS_FILTERS = (
    (Occurrence.Status.NOT_STARTED, STATUS_LABELS[Occurrence.Status.NOT_STARTED]),
    (Occurrence.Status.IN_PROGRESS, STATUS_LABELS[Occurrence.Status.IN_PROGRESS]),
    (OVERDUE, STATUS_LABELS[OVERDUE]),
    (Occurrence.Status.DONE, STATUS_LABELS[Occurrence.Status.DONE]),
    (Occurrence.Status.CANCELLED, STATUS_LABELS[Occurrence.Status.CANCELLED]),
)


def roadmap_detail(request, pk):
    roadmap = _roadmap(request, pk)
    granted = permissions(request.scope, roadmap)
    today = timezone.localdate()
    show_removed = request.GET.get("removed") == "1"
    items = roadmap_items(roadmap, include_removed=show_removed, files=True)

    # Moving stays inside a stage: the first item of a stage has no «up», the last no «down».
    live = [item for item in items if not item.is_removed]
    for index, item in enumerate(live):
        item.can_up = index > 0 and live[index - 1].stage_number == item.stage_number
        item.can_down = index + 1 < len(live) and live[index + 1].stage_number == item.stage_number

    people = {user.pk: user for item in items for user in item.responsible_users.all()}
    stage_filter, status_filter, user_filter = (request.GET.get(name, "") for name in ("stage", "status", "user"))
    shown = []
    for item in items:
        if stage_filter and str(item.stage_number) != stage_filter:
            continue
        if user_filter and user_filter not in {str(user.pk) for user in item.responsible_users.all()}:
            continue
        item.shown_occurrences = [decorate(o, today) for o in item.occurrences.all()]
        if status_filter:
            item.shown_occurrences = [o for o in item.shown_occurrences if o.shown_status == status_filter]
            if not item.shown_occurrences:
                continue
        item.deadline_text = deadline_text(item)
        shown.append(item)

    return render(request, "roadmaps/roadmap_detail.html", {
        "roadmap": roadmap,
        "owner": owner_name(roadmap),
        "stages": stages(shown),
        "stage_choices": [(stage.number, stage.title) for stage in stages(items)],
        "status_choices": STATUS_FILTERS,
        "people": sorted(people.values(), key=lambda user: user.display_name),
        "filters": {"stage": stage_filter, "status": status_filter, "user": user_filter, "removed": show_removed},
        "filtered": bool(stage_filter or status_filter or user_filter),
        "progress": services.progress_counts(Occurrence.objects.filter(item__roadmap=roadmap), today=today),
        "approval": approval_lines(roadmap),
        "can_edit": Perm.EDIT_ROADMAP in granted,
        "can_report": Perm.REPORT_PROGRESS in granted,
        "can_approve": Perm.APPROVE_ROADMAP in granted and not roadmap.is_approved,
    })


def roadmap_approve(request, pk):
    roadmap = _roadmap(request, pk)
    _require(request, roadmap, Perm.APPROVE_ROADMAP)
    if roadmap.is_approved:
        messages.info(request, _("Дорожная карта уже утверждена."))
        return redirect(roadmap)
    signer = ""
    if roadmap.organisation_id:
        signer = " ".join(part for part in (roadmap.organisation.director_position,
                                            roadmap.organisation.director_name) if part)
    form = ApproveForm(request.POST or None, initial={"approved_by_name": signer})
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
        "lead": _("После утверждения каждое изменение дорожной карты будет отмечено в истории как сделанное "
                  "после утверждения."),
        "submit_label": _("Утвердить"),
    })


def roadmap_history(request, pk):
    roadmap = _roadmap(request, pk)
    changes = roadmap.changes.select_related("by", "item").order_by("-at", "-pk")
    page = Paginator(changes, 100).get_page(request.GET.get("page"))
    return render(request, "roadmaps/roadmap_history.html", {"roadmap": roadmap, "owner": owner_name(roadmap),
                                                              "page": page})


def _filename(roadmap, extension) -> str:
    year = roadmap.academic_year.start_year
    return f"Дорожная карта {owner_name(roadmap)} {year}-{year + 1}.{extension}"


def roadmap_pdf(request, pk):
    roadmap = _roadmap(request, pk)
    items = roadmap_items(roadmap)
    for item in items:
        item.deadline_text = deadline_text(item)
        # The paper's words may name the year of the document the template came from: the dates are this year's.
        item.due_dates = [f"{o.due_on:%d.%m.%Y}" for o in item.occurrences.all()
                          if o.status != Occurrence.Status.CANCELLED]
    pdf = render_pdf("roadmaps/pdf/roadmap.html", {
        "roadmap": roadmap, "stages": stages(items), "approval": approval_lines(roadmap),
        "generated_at": timezone.localtime(),
    }, request=request)
    return pdf_response(pdf, _filename(roadmap, "pdf"))


def roadmap_xlsx(request, pk):
    roadmap = _roadmap(request, pk)
    handle = roadmap_workbook(roadmap, roadmap_items(roadmap))
    return FileResponse(handle, as_attachment=True, filename=_filename(roadmap, "xlsx"),
                        content_type=XLSX_CONTENT_TYPE)


# --- items -------------------------------------------------------------------------------------------


def item_create(request, pk):
    roadmap = _roadmap(request, pk)
    _require(request, roadmap, Perm.EDIT_ROADMAP)
    form = ItemForm(request.POST or None, roadmap=roadmap, instance=RoadmapItem(roadmap=roadmap),
                    initial={"stage": request.GET.get("stage", ""), "deadline_kind": "months"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                item = services.add_item(
                    roadmap, stage_number=data["stage_number"], stage_title=data["stage_title"], title=data["title"],
                    deadline=data["deadline"], number=data["number"].strip(), content=data["content"],
                    documents=data["documents"], result=data["result"], responsible=data["responsible"],
                    roles=data["roles"], responsible_users=data["responsible_users"], by=request.user,
                )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Мероприятие добавлено."))
            return redirect(_item_url(item))
    return render(request, "roadmaps/item_form.html", {
        "form": form, "roadmap": roadmap, "title": _("Новое мероприятие"),
    })


def item_edit(request, pk):
    item = _item(request, pk)
    _require(request, item.roadmap, Perm.EDIT_ROADMAP)
    if item.is_removed:
        raise Http404
    form = ItemForm(request.POST or None, roadmap=item.roadmap, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
                services.record_item_edit(item, changed_fields=form.changed_data, by=request.user)
                if form.deadline_changed:
                    services.change_item_deadline(item, spec=form.cleaned_data["deadline"],
                                                  reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Мероприятие сохранено."))
            return redirect(_item_url(item))
    return render(request, "roadmaps/item_form.html", {
        "form": form, "roadmap": item.roadmap, "item": item,
        "title": _("Мероприятие № %(number)s") % {"number": item.number},
    })


@require_POST
def item_move(request, pk):
    item = _item(request, pk)
    _require(request, item.roadmap, Perm.EDIT_ROADMAP)
    if item.is_removed:
        raise Http404
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return redirect(_item_url(item))
    services.move_item(item, up=direction == "up", by=request.user)
    return redirect(_item_url(item))


def item_remove(request, pk):
    item = _item(request, pk)
    _require(request, item.roadmap, Perm.EDIT_ROADMAP)
    if item.is_removed:
        messages.info(request, _("Мероприятие уже исключено."))
        return redirect(item.roadmap)
    form = RemoveItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_item(item, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Мероприятие № %(number)s исключено из дорожной карты.")
                             % {"number": item.number})
            return redirect(item.roadmap)
    return render(request, "roadmaps/item_remove.html", {"form": form, "item": item, "roadmap": item.roadmap})


# --- occurrences -------------------------------------------------------------------------------------


def occurrence_edit(request, pk):
    occurrence = _occurrence(request, pk)
    roadmap = occurrence.item.roadmap
    _require(request, roadmap, Perm.REPORT_PROGRESS)
    if occurrence.item.is_removed:
        messages.error(request, _("Мероприятие исключено из дорожной карты: отмечать его выполнение не нужно."))
        return redirect(roadmap)
    form = OccurrenceForm(request.POST or None, request.FILES or None, occurrence=occurrence)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_progress(occurrence, status=data["status"], evidence=data["evidence"],
                                     done_on=data["done_on"], files=data["files"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Отметка сохранена."))
            return redirect(_item_url(occurrence.item))
    return render(request, "roadmaps/occurrence_form.html", {
        "form": form, "occurrence": decorate(occurrence, timezone.localdate()), "item": occurrence.item,
        "roadmap": roadmap, "files": occurrence.files.select_related("uploaded_by"),
        "deadline_text": deadline_text(occurrence.item),
        "can_edit": Perm.EDIT_ROADMAP in permissions(request.scope, roadmap),
    })


def occurrence_deadline(request, pk):
    occurrence = _occurrence(request, pk)
    roadmap = occurrence.item.roadmap
    _require(request, roadmap, Perm.EDIT_ROADMAP)
    form = DeadlineForm(request.POST or None, initial={"due_on": occurrence.due_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_deadline(occurrence, due_on=form.cleaned_data["due_on"],
                                     reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Срок перенесён; прежний срок сохранён в истории."))
            return redirect(_item_url(occurrence.item))
    return render(request, "registry/form.html", {
        "form": form, "object": roadmap,
        "title": _("Перенести срок: № %(number)s, %(date)s") % {
            "number": occurrence.item.number, "date": occurrence.due_on.strftime("%d.%m.%Y")},
        "lead": occurrence.item.title,
        "submit_label": _("Перенести срок"),
    })


def evidence_file(request, pk):
    """Evidence is served only through the scoped lookup: outside the scope, 404."""
    visible = EvidenceFile.objects.filter(occurrence__in=Occurrence.objects.visible_to(request.scope))
    evidence = get_object_or_404(visible, pk=pk)
    return serve_stored(evidence.file, filename=evidence.title)
