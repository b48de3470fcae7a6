"""Read helpers of the roadmap pages and their XLSX: the table of a roadmap grouped by stage, the
status a person sees (overdue is computed, never stored), progress of many roadmaps in one query, and
the roadmap and the district matrix as write-only workbooks (the one writer, ``registry.xlsx``): downloaded
from their pages at once, being one roadmap's rows or one row per organisation."""

from __future__ import annotations

import datetime
import tempfile
from itertools import chain
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import grammar, xlsx
from registry.exports import ExportColumn
from roadmaps import selectors, years
from roadmaps.models import Occurrence, RoadmapItem

OVERDUE = "overdue"
STATUS_LABELS = {
    Occurrence.Status.NOT_STARTED: gettext_lazy("не начато"),
    Occurrence.Status.IN_PROGRESS: gettext_lazy("выполняется"),
    Occurrence.Status.DONE: gettext_lazy("выполнено"),
    OVERDUE: gettext_lazy("просрочено"),
    Occurrence.Status.CANCELLED: gettext_lazy("не требуется"),
}
STATUS_BADGES = {
    Occurrence.Status.NOT_STARTED: "text-bg-secondary",
    Occurrence.Status.IN_PROGRESS: "text-bg-primary",
    Occurrence.Status.DONE: "text-bg-success",
    OVERDUE: "text-bg-danger",
    Occurrence.Status.CANCELLED: "text-bg-light border",
}


def shown_status(occurrence: Occurrence, today: datetime.date) -> str:
    """What a person sees: «просрочено» replaces «не начато» and «выполняется» once the date passed."""
    return OVERDUE if occurrence.is_overdue(today) else occurrence.status


def decorate(occurrence: Occurrence, today: datetime.date) -> Occurrence:
    occurrence.shown_status = shown_status(occurrence, today)
    occurrence.shown_label = STATUS_LABELS[occurrence.shown_status]
    occurrence.badge = STATUS_BADGES[occurrence.shown_status]
    return occurrence


# --- one roadmap -------------------------------------------------------------------------------------


def roadmap_items(roadmap, *, include_removed: bool = False, files: bool = False) -> list[RoadmapItem]:
    """The items in the paper's order with their occurrences and people: a constant number of queries."""
    occurrences = Occurrence.objects.order_by("sequence")
    if files:
        occurrences = occurrences.prefetch_related("files")
    items = roadmap.items.order_by("stage_number", "position", "pk").prefetch_related(
        Prefetch("occurrences", queryset=occurrences),
        "responsible_users",
    )
    if not include_removed:
        items = items.filter(is_removed=False)
    return list(items)


@dataclass
class Stage:
    number: int
    title: str
    items: list = field(default_factory=list)


def stages(items) -> list[Stage]:
    result: list[Stage] = []
    for item in items:
        if not result or result[-1].number != item.stage_number:
            result.append(Stage(item.stage_number, item.stage_title))
        result[-1].items.append(item)
    return result


def deadline_text(item: RoadmapItem) -> str:
    """The deadline as the paper writes it (or, for an item typed in the portal, in words)."""
    try:
        return item.deadline_spec.describe()
    except ValueError:
        return ""


def approval_lines(roadmap) -> list[str]:
    """«УТВЕРЖДЕНО / приказом от 02.09.2024 № 30-9 о/д / должность ФИО»: the stamp of seed 004, the
    order cited date first, as the other documents cite one (registry.grammar.reference)."""
    if not roadmap.is_approved:
        return []
    right, _left = years.approval_blocks(roadmap)
    if right:  # the template's own grif (УТВЕРЖДАЮ…, Приложение к приказу…), with this roadmap's order
        return right
    lines = [_("УТВЕРЖДЕНО"), _("приказом %(reference)s") % {
        "reference": grammar.reference(roadmap.order_date, roadmap.order_number) or "…"}]
    if roadmap.approved_by_name:
        lines.append(roadmap.approved_by_name)
    return lines


def agreed_lines(roadmap) -> list[str]:
    """The template's «СОГЛАСОВАНО: …» block (seed 002's ministry), top left; printed on the draft too,
    as the blank the other side signs."""
    return years.approval_blocks(roadmap)[1]


def owner_name(roadmap) -> str:
    if roadmap.organisation_id:
        return roadmap.organisation.short_name
    return roadmap.municipality.name


# --- many roadmaps -----------------------------------------------------------------------------------


def roadmaps_with_progress(roadmaps, *, today: datetime.date | None = None):
    """``selectors.progress_counts`` for every roadmap of a queryset at once (the list page)."""
    return roadmaps.annotate(**selectors.progress_aggregates("items__occurrences",
                                                           today=today or timezone.localdate()))


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


# --- XLSX --------------------------------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ROADMAP_COLUMNS = (
    ExportColumn(gettext_lazy("Этап"), 30, None),
    ExportColumn(gettext_lazy("№"), 7, None),
    ExportColumn(gettext_lazy("Мероприятие"), 45, None),
    ExportColumn(gettext_lazy("Содержание"), 50, None),
    ExportColumn(gettext_lazy("Документы"), 25, None),
    ExportColumn(gettext_lazy("Ответственные"), 30, None),
    ExportColumn(gettext_lazy("Срок"), 22, None),
    ExportColumn(gettext_lazy("Начало"), 12, None),
    ExportColumn(gettext_lazy("Дата срока"), 12, None),
    ExportColumn(gettext_lazy("Состояние"), 14, None),
    ExportColumn(gettext_lazy("Выполнено"), 12, None),
    ExportColumn(gettext_lazy("Подтверждение"), 40, None),
)

MATRIX_COLUMNS = (
    ExportColumn(gettext_lazy("Организация"), 40, None),
    ExportColumn(gettext_lazy("Муниципалитет"), 25, None),
    ExportColumn(gettext_lazy("Дорожная карта"), 16, None),
    ExportColumn(gettext_lazy("Сроков всего"), 12, None),
    ExportColumn(gettext_lazy("Выполнено"), 12, None),
    ExportColumn(gettext_lazy("Выполнено, %"), 12, None),
    ExportColumn(gettext_lazy("Просрочено"), 12, None),
    ExportColumn(gettext_lazy("Ближайший срок"), 14, None),
)


def _responsible(item: RoadmapItem) -> str:
    names = [user.display_name for user in item.responsible_users.all()]
    return "; ".join(part for part in (item.responsible, ", ".join(names)) if part)


def roadmap_rows(items, *, today: datetime.date):
    """One row per occurrence (an item with none still gets one row), in the columns above."""
    for item in items:
        paper = [f"{item.stage_number}. {item.stage_title}", item.number, item.title, item.content, item.documents,
                 _responsible(item), deadline_text(item)]
        occurrences = list(item.occurrences.all())
        if item.is_removed:
            paper[2] = f"{item.title} ({_('исключено')})"
        if not occurrences:
            yield paper + [None, None, "", None, ""]
        for occurrence in occurrences:
            yield paper + [occurrence.starts_on, occurrence.due_on, str(STATUS_LABELS[shown_status(occurrence, today)]),
                           occurrence.done_on, occurrence.evidence]


def _workbook(title: str, columns, rows):
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        xlsx.write(handle, [xlsx.Sheet(title=title, rows=chain([[str(column.title) for column in columns]], rows),
                                       widths=[column.width for column in columns])])
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def roadmap_workbook(roadmap, items, *, today: datetime.date | None = None):
    return _workbook(_("Дорожная карта"), ROADMAP_COLUMNS, roadmap_rows(items, today=today or timezone.localdate()))


def matrix_rows(organisations):
    """The district matrix: a row per organisation, then «Итого» (sums; the percentage of the sums)."""
    total = done = overdue = 0
    next_due = None
    with_roadmap = 0
    for organisation in organisations:
        has_roadmap = organisation.roadmap_id is not None
        with_roadmap += has_roadmap
        total += organisation.occurrence_total
        done += organisation.occurrence_done
        overdue += organisation.occurrence_overdue
        if organisation.next_due and (next_due is None or organisation.next_due < next_due):
            next_due = organisation.next_due
        yield [organisation.short_name, organisation.municipality.name,
               _("есть") if has_roadmap else _("нет"), organisation.occurrence_total, organisation.occurrence_done,
               percent(organisation.occurrence_done, organisation.occurrence_total) if has_roadmap else None,
               organisation.occurrence_overdue, organisation.next_due]
    yield [_("Итого"), "", with_roadmap, total, done, percent(done, total), overdue, next_due]


def matrix_workbook(organisations):
    return _workbook(_("Дорожные карты"), MATRIX_COLUMNS, matrix_rows(organisations))
