"""The organisation's roadmap as the order «Об организации наставничества» prints it (its appendix 2),
and the stages the Положение о наставничестве names: registered as the document source «roadmap»
(registry.document_sources), since mentoring may not import this app.

The columns are seed 001's: № п/п, Мероприятие, Документы, Ответственный, Срок исполнения; the
deadline keeps the paper's words and adds this year's dates, as the roadmap's own PDF does.
"""

from __future__ import annotations

from registry import grammar
from roadmaps.exports import deadline_text, roadmap_items, stages
from roadmaps.models import Occurrence, ResponsibleRole, Roadmap


def _responsible(item) -> str:
    words = item.responsible.strip()
    if not words:
        labels = dict(ResponsibleRole.choices)
        words = ", ".join(str(labels[role]) for role in item.roles if role in labels)
    people = ", ".join(grammar.person_in(user, "nomn", "short") or user.username
                       for user in item.responsible_users.all())
    return "\n".join(part for part in (words, people) if part)


def _deadline(item) -> str:
    dates = [f"{o.due_on:%d.%m.%Y}" for o in item.occurrences.all() if o.status != Occurrence.Status.CANCELLED]
    text = deadline_text(item)
    if len(dates) == 1:
        dated = f"до {dates[0]}"
    else:
        dated = ", ".join(dates)
    # «до 31.10.2025» says nothing new after «до 31.10.2025» typed as the deadline itself.
    if dated and dated.lower() not in text.lower():
        return f"{text}\n{dated}" if text else dated
    return text


def roadmap_source(organisation, academic_year) -> dict | None:
    """The roadmap of the organisation's year as plain JSON, or None when it has none."""
    roadmap = Roadmap.objects.filter(organisation=organisation, academic_year=academic_year).first()
    if roadmap is None:
        return None
    result = []
    for stage in stages(roadmap_items(roadmap)):
        result.append({
            "number": stage.number,
            "title": stage.title,
            "items": [{
                "number": item.number,
                "title": item.title.strip(),
                "content": item.content.strip(),
                "documents": item.documents.strip(),
                "responsible": _responsible(item),
                "deadline": _deadline(item),
            } for item in stage.items],
        })
    # A template without documents (seed 003) prints no empty «Документы» column.
    has_documents = any(item["documents"] for stage in result for item in stage["items"])
    return {"title": roadmap.title, "approved": roadmap.is_approved, "stages": result,
            "has_documents": has_documents}
