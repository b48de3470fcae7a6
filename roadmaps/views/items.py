"""A roadmap's items and their dated occurrences: adding, editing, moving and excluding items, progress with
its evidence, moving a deadline. The lookups and the rule they follow are those of
``roadmaps.views.pages``; the writes are ``roadmaps.services``.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.once import once
from registry.scoping import Perm, read_only, requires
from roadmaps import selectors, services
from roadmaps.exports import (
    deadline_text,
    decorate,
)
from roadmaps.forms import (
    DeadlineForm,
    ItemForm,
    OccurrenceForm,
    RemoveItemForm,
)
from roadmaps.models import RoadmapItem, roadmap_permissions
from registry.files import serve_stored

ROADMAP_RELATED = ("organisation__municipality", "municipality", "academic_year", "template")
from roadmaps.views.pages import _item, _item_url, _occurrence, _roadmap


# --- items -------------------------------------------------------------------------------------------


@requires(Perm.EDIT_ROADMAP)
@once
def item_create(request, pk):
    roadmap = _roadmap(request, pk)
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


@requires(Perm.EDIT_ROADMAP)
def item_edit(request, pk):
    item = _item(request, pk)
    if item.is_removed:
        raise Http404
    form = ItemForm(request.POST or None, roadmap=item.roadmap, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_item(form, by=request.user)
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


@requires(Perm.EDIT_ROADMAP)
@require_POST
def item_move(request, pk):
    item = _item(request, pk)
    if item.is_removed:
        raise Http404
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return redirect(_item_url(item))
    services.move_item(item, up=direction == "up", by=request.user)
    return redirect(_item_url(item))


@requires(Perm.EDIT_ROADMAP)
def item_remove(request, pk):
    item = _item(request, pk)
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


@requires(Perm.REPORT_PROGRESS)
@once
def occurrence_edit(request, pk):
    occurrence = _occurrence(request, pk)
    roadmap = occurrence.item.roadmap
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
        "roadmap": roadmap, "files": selectors.occurrence_files(occurrence),
        "deadline_text": deadline_text(occurrence.item),
        "can_edit": Perm.EDIT_ROADMAP in roadmap_permissions(request.scope, roadmap),
    })


@requires(Perm.EDIT_ROADMAP)
def occurrence_deadline(request, pk):
    occurrence = _occurrence(request, pk)
    roadmap = occurrence.item.roadmap
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


@read_only
def evidence_file(request, pk):
    """Evidence is served only through the scoped lookup: outside the scope, 404."""
    evidence = get_object_or_404(selectors.visible_evidence(request.scope), pk=pk)
    return serve_stored(evidence.file, filename=evidence.title)
