"""Editing a roadmap's items and deadlines, each change kept in the roadmap's history (writes; the views
call them through ``roadmaps.services``)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from roadmaps.dating import materialize, occurrence_windows, record
from roadmaps.deadlines import DeadlineSpec
from roadmaps.models import Occurrence, Roadmap, RoadmapChange, RoadmapItem

# --- editing -----------------------------------------------------------------------------------------


@transaction.atomic
def add_item(roadmap: Roadmap, *, stage_number: int, stage_title: str, title: str, deadline: DeadlineSpec,
             number: str = "", content: str = "", documents: str = "", result: str = "", responsible: str = "",
             roles=(), responsible_users=(), by=None) -> RoadmapItem:
    title = title.strip()
    same = roadmap.items.filter(stage_number=stage_number, title__iexact=title, is_removed=False).first()
    if same is not None:
        raise ValidationError(_("Такое мероприятие уже есть в этом этапе: № %(number)s «%(title)s».")
                              % {"number": same.number, "title": same.title})
    last = roadmap.items.filter(stage_number=stage_number).order_by("-position").first()
    position = (last.position if last else roadmap.items.count()) + 1
    roadmap.items.filter(position__gte=position).update(position=F("position") + 1)
    if not number:
        taken = set(roadmap.items.values_list("number", flat=True))
        index = roadmap.items.filter(stage_number=stage_number).count() + 1
        while f"{stage_number}.{index}" in taken:
            index += 1
        number = f"{stage_number}.{index}"
    item = RoadmapItem(roadmap=roadmap, stage_number=stage_number, stage_title=stage_title, number=number,
                       title=title, content=content, documents=documents, result=result, responsible=responsible,
                       roles=list(roles), deadline=deadline.to_json(), position=position)
    item.full_clean()
    item.save()
    item.responsible_users.set(responsible_users)
    materialize(roadmap, [item])
    record(roadmap, RoadmapChange.Kind.ITEM_ADDED, _("Добавлено: %(item)s") % {"item": item}, by=by, item=item)
    return item


def record_item_edit(item: RoadmapItem, *, changed_fields, by=None) -> None:
    """An item's text or people edited in a form: which columns changed goes into the history."""
    names = []
    for name in changed_fields:
        try:
            names.append(str(RoadmapItem._meta.get_field(name).verbose_name))
        except Exception:  # form-only fields (the deadline's parts, the reason) are recorded elsewhere
            continue
    if names:
        record(item.roadmap, RoadmapChange.Kind.ITEM_CHANGED,
                _("Изменено: %(item)s (%(fields)s)") % {"item": item, "fields": ", ".join(names)}, by=by, item=item)


@transaction.atomic
def remove_item(item: RoadmapItem, *, reason: str, by=None) -> None:
    """Excluded, not deleted: its occurrences are cancelled and the record stays."""
    if not reason.strip():
        raise ValidationError(_("Укажите, почему мероприятие исключается."))
    # Conditional: of two simultaneous removals (a double click) one records the change, the other is told.
    if not RoadmapItem.objects.filter(pk=item.pk, is_removed=False).update(is_removed=True):
        raise ValidationError(_("Мероприятие уже исключено."))
    item.occurrences.exclude(status=Occurrence.Status.DONE).update(status=Occurrence.Status.CANCELLED)
    record(item.roadmap, RoadmapChange.Kind.ITEM_REMOVED, _("Исключено: %(item)s") % {"item": item}, by=by,
            item=item, reason=reason.strip())


@transaction.atomic
def move_item(item: RoadmapItem, *, up: bool, by=None) -> None:
    siblings = list(item.roadmap.items.filter(is_removed=False).order_by("position", "pk"))
    index = siblings.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            RoadmapItem.objects.filter(pk=sibling.pk).update(position=position)
    record(item.roadmap, RoadmapChange.Kind.REORDERED, _("Перемещено: %(item)s") % {"item": item}, by=by,
            item=item)


@transaction.atomic
def change_deadline(occurrence: Occurrence, *, due_on: datetime.date, reason: str, by=None) -> None:
    """A new date for one occurrence; the old date stays in the history."""
    if not reason.strip():
        raise ValidationError(_("Укажите причину переноса срока."))
    occurrence = Occurrence.objects.select_for_update().select_related("item__roadmap").get(pk=occurrence.pk)
    if occurrence.due_on == due_on:
        return
    if due_on < occurrence.starts_on:
        occurrence.starts_on = due_on
    old = occurrence.due_on
    occurrence.due_on = due_on
    occurrence.updated_by = by
    occurrence.save(update_fields=["due_on", "starts_on", "updated_by", "updated_at"])
    record(occurrence.item.roadmap, RoadmapChange.Kind.DEADLINE_CHANGED,
            _("Перенесён срок: %(item)s") % {"item": occurrence.item}, by=by, item=occurrence.item,
            occurrence=occurrence, old=old.strftime("%d.%m.%Y"), new=due_on.strftime("%d.%m.%Y"),
            reason=reason.strip())
    redate_followers(occurrence.item, by=by)


@transaction.atomic
def change_item_deadline(item: RoadmapItem, *, spec: DeadlineSpec, reason: str, by=None) -> None:
    """A new shape of deadline for an item: open occurrences are re-dated (each change recorded),
    surplus ones are cancelled and missing ones added; done ones keep their dates."""
    if not reason.strip():
        raise ValidationError(_("Укажите причину изменения срока."))
    roadmap = item.roadmap
    old_text = item.deadline_spec.describe()
    old_dates = _dates(item)
    item.deadline = spec.to_json()
    item.full_clean()
    item.save(update_fields=["deadline"])
    by_number = {i.number: i for i in roadmap.items.filter(is_removed=False)}
    occurrences: dict[int, list[Occurrence]] = {}
    for occurrence in Occurrence.objects.filter(item__roadmap=roadmap).order_by("sequence"):
        occurrences.setdefault(occurrence.item_id, []).append(occurrence)
    windows = occurrence_windows(roadmap, item, by_number, occurrences)
    existing = occurrences.get(item.pk, [])
    for index, window in enumerate(windows, start=1):
        current = existing[index - 1] if index <= len(existing) else None
        if current is None:
            Occurrence.objects.create(item=item, sequence=index, starts_on=window.starts_on, due_on=window.due_on)
        elif current.status != Occurrence.Status.DONE and current.due_on != window.due_on:
            Occurrence.objects.filter(pk=current.pk).update(due_on=window.due_on, starts_on=window.starts_on,
                                                            status=Occurrence.Status.NOT_STARTED
                                                            if current.status == Occurrence.Status.CANCELLED
                                                            else current.status)
    for surplus in existing[len(windows):]:
        if surplus.status != Occurrence.Status.DONE:
            Occurrence.objects.filter(pk=surplus.pk).update(status=Occurrence.Status.CANCELLED)
    old, new = old_text, spec.describe()
    if old == new:  # the same words, new dates (a relative deadline after its anchor moved)
        old, new = old_dates, _dates(item)
    if old != new:
        record(roadmap, RoadmapChange.Kind.DEADLINE_CHANGED, _("Изменён срок: %(item)s") % {"item": item}, by=by,
                item=item, old=old, new=new, reason=reason.strip())
    redate_followers(item, by=by)


def _dates(item: RoadmapItem) -> str:
    dates = item.occurrences.exclude(status=Occurrence.Status.CANCELLED).order_by("sequence").values_list(
        "due_on", flat=True)
    return ", ".join(day.strftime("%d.%m.%Y") for day in dates)[:300]


def redate_followers(item: RoadmapItem, *, by=None) -> None:
    """Items «в течение двух недель с даты …» of this one follow its new date."""
    roadmap = item.roadmap
    followers = [i for i in roadmap.items.filter(is_removed=False) if i.deadline_spec.after == item.number]
    for follower in followers:
        change_item_deadline(follower, spec=follower.deadline_spec,
                             reason=_("срок отсчитывается от п. %(number)s") % {"number": item.number}, by=by)
