"""Marking several dated occurrences of a roadmap done at once, each through ``services.report_progress``.

The curator selects occurrences on the roadmap's page and gives one date and one confirmation («протокол
педсовета № 2») for all of them. Every occurrence is marked in its own transaction by the same service
that marks one, with the same rules (the evidence, a date not in the future, the history entry, the
re-dating of items that follow it); one refused — an item excluded meanwhile — leaves the others
marked and is reported with its reason. An occurrence already done is not marked again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from roadmaps import services
from roadmaps.models import Occurrence, Roadmap


@dataclass
class Outcome:
    done: list[Occurrence] = field(default_factory=list)
    already: list[Occurrence] = field(default_factory=list)
    failed: list[tuple[Occurrence, list[str]]] = field(default_factory=list)


def label(occurrence: Occurrence) -> str:
    """«№ 2.1 «Анкетирование…», срок 20.10.2025»: how a row is named in messages."""
    return _("№ %(number)s «%(title)s», срок %(due)s") % {
        "number": occurrence.item.number, "title": occurrence.item.title[:80], "due": occurrence.due_on.strftime(
            "%d.%m.%Y")}


def selected(roadmap: Roadmap, ids):
    """The roadmap's occurrences among ``ids``, in the paper's order; ids of other roadmaps are ignored."""
    return (Occurrence.objects.filter(item__roadmap=roadmap, pk__in=list(ids)).select_related("item")
            .prefetch_related("files").order_by("item__stage_number", "item__position", "item__pk", "sequence"))


def mark_done(occurrences, *, done_on: datetime.date | None, evidence: str, by=None) -> Outcome:
    outcome = Outcome()
    for occurrence in occurrences:
        if occurrence.status == Occurrence.Status.DONE:
            outcome.already.append(occurrence)
            continue
        if occurrence.item.is_removed or occurrence.status == Occurrence.Status.CANCELLED:
            outcome.failed.append((occurrence, [_("мероприятие исключено или не требуется: отмечать не нужно")]))
            continue
        try:
            services.report_progress(occurrence, status=Occurrence.Status.DONE, evidence=evidence, done_on=done_on,
                                     by=by)
        except ValidationError as error:
            outcome.failed.append((occurrence, list(error.messages)))
        else:
            outcome.done.append(occurrence)
    return outcome
