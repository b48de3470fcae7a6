"""The district's roadmaps item by item: a school × roadmap-item matrix for one academic year.

The schools of a district keep their roadmaps from the same templates (the seeds' typical school roadmap,
the college's, the centre's) or from last year's copy of one; their items keep the template's numbers.
So the matrix takes one template at a time: a row per organisation whose roadmap of the year follows it,
a column per item number (in the paper's order, titled as most roadmaps title it), and in each cell the
state of that organisation's item — done, overdue, in progress, not started, not needed (every date
cancelled) or absent (the roadmap has no such item). An organisation without a roadmap, or with one from
another template, is listed under the matrix with a link to its own.

The states follow the roadmaps' progress rule (``roadmaps.selectors.progress_aggregates``): cancelled dates
and excluded items do not count; an item is done when every date counted is done, overdue when an open
date is past (Europe/Moscow's today).

The page and the export (``RoadmapMatrixExport``, an export job of kind ``roadmap_matrix``) read the
same rows. Queries: the roadmaps of the year, then per template its columns and, per chunk of roadmaps,
the items with their dates' counts — a fixed number for the page.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from registry import xlsx
from registry.exporters import Exporter, Progress, YearForm, register
from registry.models import AcademicYear
from roadmaps.models import Occurrence, Roadmap, RoadmapItem

DONE, OVERDUE, IN_PROGRESS, NOT_STARTED, NOT_NEEDED, ABSENT = (
    "done", "overdue", "in_progress", "not_started", "not_needed", "absent")
STATES = {
    DONE: (gettext_lazy("выполнено"), "✓", "#d1e7dd"),
    OVERDUE: (gettext_lazy("просрочено"), "!", "#f8d7da"),
    IN_PROGRESS: (gettext_lazy("в работе"), "…", "#cfe2ff"),
    NOT_STARTED: (gettext_lazy("не начато"), "○", "#ffffff"),
    NOT_NEEDED: (gettext_lazy("не требуется"), "—", "#f8f9fa"),
    ABSENT: (gettext_lazy("нет в дорожной карте"), "", "#e9ecef"),
}
COUNTED_STATES = (DONE, OVERDUE, IN_PROGRESS, NOT_STARTED)
CHUNK = 100  # roadmaps per query of items


@dataclass(frozen=True)
class Column:
    number: str
    title: str
    stage_number: int


@dataclass
class Cell:
    state: str
    item_id: int | None = None

    @property
    def label(self) -> str:
        return str(STATES[self.state][0])

    @property
    def mark(self) -> str:
        return STATES[self.state][1]


@dataclass
class MatrixRow:
    organisation: object
    roadmap_id: int
    cells: list[Cell]
    counts: Counter = field(default_factory=Counter)

    @property
    def name(self) -> str:
        return self.organisation.short_name

    @property
    def items(self) -> int:
        return sum(self.counts[state] for state in COUNTED_STATES)

    @property
    def percent(self) -> int | None:
        return round(100 * self.counts[DONE] / self.items) if self.items else None


@dataclass
class TemplateGroup:
    template_id: int | None
    title: str
    roadmap_ids: dict  # organisation id → roadmap id


@dataclass
class Matrix:
    year: AcademicYear
    templates: list[TemplateGroup]
    chosen: TemplateGroup | None
    columns: list[Column]
    rows: list[MatrixRow]
    column_counts: list[Counter]
    without_roadmap: list
    elsewhere: list  # (organisation, roadmap id, template title) of the other templates


SORTS = {
    "name": lambda row: row.name.lower(),
    "done": lambda row: row.counts[DONE],
    "overdue": lambda row: row.counts[OVERDUE],
    "not_started": lambda row: row.counts[NOT_STARTED],
    "percent": lambda row: row.percent,
}
DEFAULT_SORT = "name"


# --- reading --------------------------------------------------------------------------------------------


def template_groups(organisations, year: AcademicYear) -> tuple[list[TemplateGroup], list]:
    """The organisations' roadmaps of the year by template (the most used first) and the organisations
    without one. One query."""
    by_id = {o.pk: o for o in organisations}
    groups: dict = {}
    for roadmap_id, organisation_id, template_id, title in (
            Roadmap.objects.filter(organisation_id__in=list(by_id), academic_year=year)
            .values_list("pk", "organisation_id", "template_id", "template__title")):
        group = groups.setdefault(template_id, TemplateGroup(template_id, title or _("без шаблона"), {}))
        group.roadmap_ids[organisation_id] = roadmap_id
    ordered = sorted(groups.values(), key=lambda g: (-len(g.roadmap_ids), g.template_id is None, g.title))
    with_roadmap = {pk for group in ordered for pk in group.roadmap_ids}
    return ordered, [o for o in organisations if o.pk not in with_roadmap]


def _item_rows(roadmap_ids, today: datetime.date):
    """The items of these roadmaps (not excluded) with their dates counted by the progress rule."""
    counted = ~Q(occurrences__status=Occurrence.Status.CANCELLED) & Q(occurrences__isnull=False)
    open_ = ~Q(occurrences__status=Occurrence.Status.DONE)
    return (RoadmapItem.objects.filter(roadmap_id__in=roadmap_ids, is_removed=False)
            .values("pk", "roadmap_id", "number", "stage_number", "title", "position")
            .annotate(total=Count("occurrences", filter=counted),
                      done=Count("occurrences", filter=counted & Q(occurrences__status=Occurrence.Status.DONE)),
                      overdue=Count("occurrences", filter=counted & open_ & Q(occurrences__due_on__lt=today)),
                      started=Count("occurrences", filter=counted & Q(occurrences__status__in=(
                          Occurrence.Status.DONE, Occurrence.Status.IN_PROGRESS))))
            .order_by())


def state_of(item: dict) -> str:
    if not item["total"]:
        return NOT_NEEDED
    if item["done"] == item["total"]:
        return DONE
    if item["overdue"]:
        return OVERDUE
    if item["started"]:
        return IN_PROGRESS
    return NOT_STARTED


def columns_of(roadmap_ids) -> list[Column]:
    """The item numbers of these roadmaps in the paper's order, each titled as most roadmaps title it."""
    titles: dict = defaultdict(Counter)
    place: dict = {}
    for number, stage, position, title in (RoadmapItem.objects.filter(roadmap_id__in=list(roadmap_ids),
                                                                      is_removed=False)
                                           .values_list("number", "stage_number", "position", "title")):
        titles[number][title] += 1
        place[number] = min(place.get(number, (stage, position)), (stage, position))
    return [Column(number, titles[number].most_common(1)[0][0], place[number][0])
            for number in sorted(place, key=lambda n: (*place[n], n))]


def rows_of(group: TemplateGroup, organisations: dict, columns: list[Column], today: datetime.date,
            chunk: int = CHUNK) -> Iterator[MatrixRow]:
    """A row per organisation of the group (in ``organisations``' order), a query per ``chunk`` roadmaps."""
    index = {column.number: position for position, column in enumerate(columns)}
    ordered = [pk for pk in organisations if pk in group.roadmap_ids]
    iterator = iter(ordered)
    while batch := list(islice(iterator, chunk)):
        items = defaultdict(list)
        for item in _item_rows([group.roadmap_ids[pk] for pk in batch], today):
            items[item["roadmap_id"]].append(item)
        for pk in batch:
            roadmap_id = group.roadmap_ids[pk]
            cells = [Cell(ABSENT) for _column in columns]
            for item in items.get(roadmap_id, ()):
                position = index.get(item["number"])
                if position is not None and cells[position].state == ABSENT:
                    cells[position] = Cell(state_of(item), item["pk"])
            yield MatrixRow(organisations[pk], roadmap_id, cells, Counter(cell.state for cell in cells))


def matrix(organisations, year: AcademicYear, *, today: datetime.date, template: str = "",
           sort: str = DEFAULT_SORT) -> Matrix:
    """The matrix of ``organisations`` (a list in the order wanted) for the template ``template`` (an id;
    the most used by default): four queries."""
    from monitoring.district.sorting import sort_rows

    groups, without = template_groups(organisations, year)
    chosen = next((g for g in groups if str(g.template_id) == template), groups[0] if groups else None)
    by_id = {o.pk: o for o in organisations}
    columns, rows = [], []
    if chosen is not None:
        columns = columns_of(chosen.roadmap_ids.values())
        rows = list(rows_of(chosen, by_id, columns, today))
    column_counts = [Counter(row.cells[i].state for row in rows) for i in range(len(columns))]
    elsewhere = [(by_id[pk], roadmap_id, group.title) for group in groups if group is not chosen
                 for pk, roadmap_id in group.roadmap_ids.items()]
    elsewhere.sort(key=lambda entry: entry[0].short_name.lower())
    return Matrix(year=year, templates=groups, chosen=chosen, columns=columns,
                  rows=sort_rows(rows, sort, SORTS, DEFAULT_SORT), column_counts=column_counts,
                  without_roadmap=without, elsewhere=elsewhere)


# --- the export ------------------------------------------------------------------------------------------


def _header(columns: list[Column]) -> list[str]:
    return ([_("Организация"), _("Муниципалитет")] + [f"{c.number}. {c.title}" for c in columns]
            + [str(STATES[state][0]).capitalize() for state in COUNTED_STATES] + [_("Выполнено, %")])


def _sheet_rows(group: TemplateGroup, by_id: dict, columns: list[Column], today: datetime.date, progress,
                counted: list[int], total: int):
    yield _header(columns)
    for row in rows_of(group, by_id, columns, today):
        yield ([row.name, row.organisation.municipality.name]
               + [xlsx.Filled(cell.label if cell.state != ABSENT else "", STATES[cell.state][2]) for cell in row.cells]
               + [row.counts[state] for state in COUNTED_STATES] + [row.percent])
        counted[0] += 1
        if progress and counted[0] % 50 == 0:
            progress(counted[0], total)


def matrix_sheets(organisations, year: AcademicYear, *, progress: Progress | None = None,
                  today: datetime.date | None = None):
    """The matrix of every template, a sheet per template (the most used first): the same rows as the page,
    the state written out in each cell and coloured; then the organisations without a roadmap."""
    from django.utils import timezone

    today = today or timezone.localdate()
    organisations = list(organisations.select_related("municipality") if hasattr(organisations, "select_related")
                         else organisations)
    by_id = {o.pk: o for o in organisations}
    groups, without = template_groups(organisations, year)
    total, counted = sum(len(g.roadmap_ids) for g in groups), [0]
    for number, group in enumerate(groups, start=1):
        columns = columns_of(group.roadmap_ids.values())
        yield xlsx.Sheet(title=f"{number}. {group.title}", freeze="C2",
                         heading=_("Дорожные карты по мероприятиям, %(year)s учебный год: %(title)s")
                         % {"year": year, "title": group.title},
                         widths=[40, 24] + [16] * len(columns) + [12] * (len(COUNTED_STATES) + 1),
                         rows=_sheet_rows(group, by_id, columns, today, progress, counted, total))
    if without or not groups:
        yield xlsx.Sheet(title=_("Без дорожной карты"), widths=[40], header=False, rows=[
            [_("Организации без дорожной карты на %(year)s учебный год") % {"year": year}],
            *([organisation.short_name, organisation.municipality.name] for organisation in without)])
    if progress:
        progress(total, total)


def write_matrix(file, *, organisations, year: AcademicYear, progress: Progress | None = None,
                 today: datetime.date | None = None) -> None:
    xlsx.write(file, matrix_sheets(organisations, year, progress=progress, today=today))


@register
class RoadmapMatrixExport(Exporter):
    identifier = "roadmap_matrix"
    position = 50
    verbose_name = gettext_lazy("Мероприятия дорожных карт по организациям района")
    description = gettext_lazy("Организации района по мероприятиям дорожных карт: что выполнено, что просрочено.")
    file_title = gettext_lazy("Дорожные карты по мероприятиям")
    form_class = YearForm

    def sheets(self, progress: Progress | None = None):
        return matrix_sheets(self.organisations(), self.year(), progress=progress)
