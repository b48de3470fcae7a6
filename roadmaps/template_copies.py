"""Templates as data, and an item of a template (or of last year's roadmap) copied into a roadmap with
the roadmap's own years.

``sync_templates`` loads ``roadmaps/seed_templates/*.yaml`` after migrate: the plan's period (school or
calendar year), the grif of approval, the items with their codes. ``item_copy`` writes the years:
placeholders of the template's words through ``roadmaps.years.render``, the deadline's words through
``DeadlineSpec.dated_for``, both for the roadmap's ``plan_year`` and period.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from roadmaps import years
from roadmaps.deadlines import DeadlineSpec
from roadmaps.models import Period, Roadmap, RoadmapItem, RoadmapTemplate, TemplateItem

TEMPLATES_DIR = Path(__file__).resolve().parent / "seed_templates"
ITEM_FIELDS = ("stage_number", "stage_title", "number", "title", "content", "documents", "result", "responsible",
               "roles", "deadline", "position", "code")
# The words that may name the plan's years.
TEXT_FIELDS = ("stage_title", "title", "content", "documents", "result", "responsible")


def sync_templates(directory: Path = TEMPLATES_DIR) -> int:
    """Load every ``*.yaml`` roadmap template into the database, replacing what an earlier version
    loaded. Roadmaps made from a template are copies, so they do not change. Runs after migrate."""
    count = 0
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        with transaction.atomic():
            template, _created = RoadmapTemplate.objects.update_or_create(
                code=data["code"],
                defaults={"title": data["title"], "level": data["level"], "kind": data["kind"],
                          "source": data.get("source", ""), "period": data.get("period", Period.SCHOOL),
                          "approval": data.get("approval", "")},
            )
            template.items.all().delete()
            items, position = [], 0
            for stage in data["stages"]:
                for item in stage["items"]:
                    position += 1
                    spec = DeadlineSpec.from_json(item["deadline"])
                    items.append(TemplateItem(
                        template=template, stage_number=stage["number"], stage_title=stage["title"],
                        number=str(item["number"]), title=item["title"], content=item.get("content", ""),
                        documents=item.get("documents", ""), result=item.get("result", ""),
                        responsible=item.get("responsible", ""), roles=item.get("roles", []),
                        deadline=spec.to_json(), position=position, code=item.get("code", ""),
                    ))
            TemplateItem.objects.bulk_create(items)
        count += 1
    return count


def _dated(roadmap: Roadmap, deadline: dict, half_year) -> dict:
    spec = DeadlineSpec.from_json({**deadline, "text": years.render(deadline.get("text", ""), roadmap.plan_year)})
    return spec.dated_for(roadmap.plan_year, half_year=half_year, calendar_year=roadmap.is_calendar).to_json()


def rendered_fields(roadmap: Roadmap, source: TemplateItem, half_year) -> dict:
    """A template item's fields as they read in ``roadmap``: its years, its dates."""
    fields = {field: getattr(source, field) for field in ITEM_FIELDS}
    for field in TEXT_FIELDS:
        fields[field] = years.render(fields[field], roadmap.plan_year)
    fields["deadline"] = _dated(roadmap, source.deadline, half_year)
    return fields


def item_copy(roadmap: Roadmap, source, half_year, *, template_item: TemplateItem | None = None,
              source_roadmap: Roadmap | None = None) -> RoadmapItem:
    """A template's item, or last year's, for ``roadmap``: the years in its words become those of the
    roadmap's year. Last year's item whose words are still its template's («… на 2022 год» made from
    «… на {Y+1} год») is re-rendered from the template; words a person edited stay as typed."""
    if isinstance(source, TemplateItem):
        return RoadmapItem(roadmap=roadmap, **rendered_fields(roadmap, source, half_year))
    fields = {field: getattr(source, field) for field in ITEM_FIELDS}
    if template_item is not None and source_roadmap is not None:
        before = {field: years.render(getattr(template_item, field), source_roadmap.plan_year) for field in TEXT_FIELDS}
        for field in TEXT_FIELDS:
            if fields[field] == before[field]:
                fields[field] = years.render(getattr(template_item, field), roadmap.plan_year)
    fields["deadline"] = _dated(roadmap, source.deadline, half_year)
    return RoadmapItem(roadmap=roadmap, **fields)
