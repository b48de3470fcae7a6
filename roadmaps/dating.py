"""The dated occurrences of roadmap items and the roadmap's history rows, shared by the services that
create, edit, approve and report on roadmaps (``roadmaps.services``, ``roadmaps.item_changes``)."""

from __future__ import annotations

from roadmaps.deadlines import DeadlineSpec, Window
from roadmaps.models import Occurrence, Roadmap, RoadmapChange, RoadmapItem

# --- dates -------------------------------------------------------------------------------------------


def half_year_dates(roadmap: Roadmap):
    return roadmap.owner_municipality.half_year_due_dates


def _anchor(item: RoadmapItem, by_number: dict[str, RoadmapItem], occurrences: dict[int, list[Occurrence]]):
    target = by_number.get(item.deadline_spec.after)
    if target is None or not occurrences.get(target.pk):
        return None
    first = occurrences[target.pk][0]
    return first.done_on or first.due_on


def occurrence_windows(roadmap: Roadmap, item: RoadmapItem, by_number, occurrences) -> list[Window]:
    spec = item.deadline_spec
    anchor = _anchor(item, by_number, occurrences) if spec.is_relative else None
    if spec.is_relative and anchor is None:
        # The item it follows is missing: fall back to the end of the school year, visibly.
        spec = DeadlineSpec(kind="year", text=spec.text)
    return spec.resolve(roadmap.plan_year, half_year=half_year_dates(roadmap), anchor=anchor,
                        calendar_year=roadmap.is_calendar)


def materialize(roadmap: Roadmap, items: list[RoadmapItem]) -> None:
    """Create the occurrences of new items; relative deadlines after the items they follow. An item is
    dated from the occurrences of the one it follows, saved or not: they are inserted together at the end."""
    by_number = {item.number: item for item in roadmap.items.filter(is_removed=False)}
    occurrences: dict[int, list[Occurrence]] = {}
    for occurrence in Occurrence.objects.filter(item__roadmap=roadmap).order_by("sequence"):
        occurrences.setdefault(occurrence.item_id, []).append(occurrence)
    new: list[Occurrence] = []
    pending = sorted(items, key=lambda item: item.deadline_spec.is_relative)
    for _round in range(len(pending) + 1):
        waiting = []
        for item in pending:
            spec = item.deadline_spec
            target = by_number.get(spec.after) if spec.is_relative else None
            if target is not None and target.pk not in occurrences and target in pending:
                waiting.append(item)  # its anchor is not dated yet
                continue
            made = [Occurrence(item=item, sequence=index, starts_on=window.starts_on, due_on=window.due_on)
                    for index, window in enumerate(occurrence_windows(roadmap, item, by_number, occurrences), start=1)]
            occurrences[item.pk] = made
            new += made
        if not waiting or len(waiting) == len(pending):
            break
        pending = waiting
    Occurrence.objects.bulk_create(new)


def record(roadmap, kind, description, *, by=None, item=None, occurrence=None, old="", new="", reason="",
            after_approval=None):
    return RoadmapChange.objects.create(
        roadmap=roadmap, item=item, occurrence=occurrence, kind=kind, description=description, old_value=old,
        new_value=new, reason=reason, by=by,
        after_approval=roadmap.is_approved if after_approval is None else after_approval,
    )
