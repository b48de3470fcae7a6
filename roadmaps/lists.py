"""The roadmap app's lists: what each one may be filtered by and sorted by.

Every list page is ``*_filter(request, …)`` (a FilterSet bound to the query string, over what the user
may see) and then ``registry.listing.paginate(request, filterset.qs, sorts=…, default=…)``. A value a
filter does not know is ignored, like a bad ``?sort=``. Sorts name plain fields or annotations only, so
``registry.listing`` can reverse them; a value that may be missing is annotated with a stand-in
(``done_percent`` −1 when nothing is counted, ``next_due_or_never`` the last date) so that the order
is the same on SQLite and PostgreSQL.

The roadmap's own table (``roadmap_detail``) is not a queryset: the items are loaded once, in the
paper's order, and filtered in memory (``filter_items``); its flat view of dates is sorted by key
functions (``DATE_SORTS``).
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Case, Count, Exists, F, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation
from roadmaps import selectors
from roadmaps.selectors import my_reminders
from roadmaps.exports import OVERDUE, STATUS_LABELS, deadline_text, decorate, roadmaps_with_progress
from roadmaps.models import Level, Occurrence, Reminder, Roadmap, RoadmapChange

NEVER = datetime.date(9999, 12, 31)

STATUS_FILTERS = (
    (Occurrence.Status.NOT_STARTED, STATUS_LABELS[Occurrence.Status.NOT_STARTED]),
    (Occurrence.Status.IN_PROGRESS, STATUS_LABELS[Occurrence.Status.IN_PROGRESS]),
    (OVERDUE, STATUS_LABELS[OVERDUE]),
    (Occurrence.Status.DONE, STATUS_LABELS[Occurrence.Status.DONE]),
    (Occurrence.Status.CANCELLED, STATUS_LABELS[Occurrence.Status.CANCELLED]),
    # Not started or in progress with the date still ahead: the «в работе» part of the dashboards' charts.
    ("open", _("в работе, срок не прошёл")),
)
OPEN_STATUS_FILTERS = STATUS_FILTERS[:3]
OPEN = "open"
OPEN_SHOWN = (Occurrence.Status.NOT_STARTED, Occurrence.Status.IN_PROGRESS)


def _sortable_progress(queryset):
    """``done_percent`` and ``next_due_or_never`` over the progress aggregates, never NULL."""
    return queryset.annotate(
        done_percent=Case(
            When(occurrence_total=0, then=Value(-1.0)),
            default=F("occurrence_done") * 100.0 / F("occurrence_total"),
            output_field=FloatField(),
        ),
        next_due_or_never=Coalesce("next_due", Value(NEVER)),
    )


def _owner_name(prefix: str = "") -> Coalesce:
    """The organisation's short name or, for a district roadmap, the municipality's name."""
    return Coalesce(f"{prefix}organisation__short_name", f"{prefix}municipality__name")


def _open_status(queryset, value, today):
    """The status a person sees among open occurrences: «overdue» is computed, the others are not late."""
    if value == OVERDUE:
        return queryset.filter(due_on__lt=today)
    return queryset.filter(status=value, due_on__gte=today)


class ListFilter(django_filters.FilterSet):
    @property
    def is_filtered(self) -> bool:
        """Whether a filter narrows the list (a value the form refuses is ignored, so it does not)."""
        self.form.is_valid()
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())


# --- the roadmaps of a year --------------------------------------------------------------------------

ROADMAP_SORTS = {
    "owner": ("owner_rank", "owner_name"),
    "title": ("title", "owner_name"),
    "status": ("status", "owner_name"),
    "percent": ("done_percent", "owner_name"),
    "overdue": ("occurrence_overdue", "owner_name"),
    "next": ("next_due_or_never", "owner_name"),
}


class RoadmapFilter(ListFilter):
    q = django_filters.CharFilter(method="filter_text", label=_("Организация или название"))
    level = django_filters.ChoiceFilter(choices=Level.choices, method="filter_level", label=_("Чья"),
                                        empty_label=_("Все"))
    status = django_filters.ChoiceFilter(choices=Roadmap.Status.choices, label=_("Состояние"),
                                         empty_label=_("Любое"))

    class Meta:
        model = Roadmap
        fields = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(organisation__short_name__icontains=value) | Q(municipality__name__icontains=value)
                               | Q(title__icontains=value))

    def filter_level(self, queryset, name, value):
        if value == Level.MUNICIPALITY:
            return queryset.filter(municipality__isnull=False)
        return queryset.filter(organisation__isnull=False)


def roadmap_filter(request, year) -> RoadmapFilter:
    """The year's roadmaps the user may see, with their progress; the district's come first by default."""
    roadmaps = _sortable_progress(roadmaps_with_progress(
        Roadmap.objects.visible_to(request.scope).filter(academic_year=year)
        .select_related("organisation", "municipality")
    )).annotate(
        owner_name=_owner_name(),
        owner_rank=Case(When(municipality__isnull=False, then=Value(0)), default=Value(1),
                        output_field=IntegerField()),
    )
    return RoadmapFilter(request.GET, queryset=roadmaps)


# --- the district matrix -----------------------------------------------------------------------------

MATRIX_SORTS = {
    "name": ("short_name",),
    "municipality": ("municipality__name", "short_name"),
    "percent": ("done_percent", "short_name"),
    "overdue": ("occurrence_overdue", "short_name"),
    "next": ("next_due_or_never", "short_name"),
}


class MatrixFilter(ListFilter):
    ROADMAP_CHOICES = (
        ("with", _("есть")),
        ("without", _("нет")),
        ("overdue", _("есть просроченные")),
    )

    q = django_filters.CharFilter(method="filter_text", label=_("Организация"))
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices, label=_("Тип"), empty_label=_("Все"))
    roadmap = django_filters.ChoiceFilter(choices=ROADMAP_CHOICES, method="filter_roadmap",
                                          label=_("Дорожная карта"), empty_label=_("Все"))

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, *args, year, **kwargs):
        self.year = year
        super().__init__(*args, **kwargs)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(short_name__icontains=value) | Q(full_name__icontains=value))

    def filter_roadmap(self, queryset, name, value):
        has_roadmap = Exists(Roadmap.objects.filter(organisation=OuterRef("pk"), academic_year=self.year))
        if value == "without":
            return queryset.filter(~has_roadmap)
        queryset = queryset.filter(has_roadmap)
        return queryset.filter(occurrence_overdue__gt=0) if value == "overdue" else queryset


def matrix_filter(request, year) -> MatrixFilter:
    """``selectors.organisation_matrix`` over the active organisations in scope (the page and its XLSX)."""
    organisations = Organisation.objects.visible_to(request.scope).filter(is_active=True).select_related("municipality")
    rows = _sortable_progress(selectors.organisation_matrix(organisations, academic_year=year))
    return MatrixFilter(request.GET, queryset=rows, year=year)


def matrix_summary(filterset: MatrixFilter) -> dict:
    """Over every row the filter finds (not only the page): how many have a roadmap, in how many
    municipalities. One query."""
    return filterset.qs.aggregate(with_roadmap=Count("roadmap_id"), municipalities=Count("municipality", distinct=True))


# --- my tasks and what is overdue --------------------------------------------------------------------

TASK_SORTS = {
    "due": ("due_on", "owner_name", "item__stage_number", "item__position", "sequence"),
    "status": ("late", "status", "due_on", "owner_name"),
    "item": ("owner_name", "item__roadmap__academic_year__start_year", "item__stage_number", "item__position",
             "sequence"),
    "roadmap": ("owner_name", "item__roadmap__academic_year__start_year", "due_on"),
}


class TaskFilter(ListFilter):
    status = django_filters.ChoiceFilter(choices=OPEN_STATUS_FILTERS, method="filter_status", label=_("Состояние"),
                                         empty_label=_("Любое"))
    roadmap = django_filters.ChoiceFilter(field_name="item__roadmap", label=_("Дорожная карта"),
                                          empty_label=_("Все"))

    class Meta:
        model = Occurrence
        fields = []

    def __init__(self, *args, today, roadmaps, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.filters["roadmap"].extra["choices"] = [
            (str(roadmap.pk), f"{roadmap.owner}, {roadmap.academic_year}") for roadmap in roadmaps]

    def filter_status(self, queryset, name, value):
        return _open_status(queryset, value, self.today)


def task_filter(request, today) -> TaskFilter:
    """Open occurrences of the user's items (not excluded), in roadmaps the user may see."""
    occurrences = (
        Occurrence.objects.visible_to(request.scope).open()
        .filter(item__responsible_users=request.user, item__is_removed=False)
        .select_related(*(f"item__roadmap__{path}" for path in ("organisation__municipality", "municipality",
                                                                 "academic_year")))
        .annotate(owner_name=_owner_name("item__roadmap__"),
                  late=Case(When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()))
    )
    roadmaps = (
        Roadmap.objects.visible_to(request.scope)
        .filter(Exists(Occurrence.objects.open().filter(item__roadmap=OuterRef("pk"), item__is_removed=False,
                                                        item__responsible_users=request.user)))
        .select_related("organisation", "municipality", "academic_year")
        .order_by("-academic_year__start_year", "municipality__name", "organisation__short_name", "pk")
    )
    return TaskFilter(request.GET, queryset=occurrences, today=today, roadmaps=roadmaps)


OVERDUE_SORTS = {
    "due": ("due_on", "owner_name"),
    "owner": ("owner_name", "due_on"),
    "item": ("item__roadmap__academic_year__start_year", "owner_name", "item__stage_number", "item__position"),
}


class OverdueFilter(ListFilter):
    LATE_CHOICES = (
        ("7", _("больше недели")),
        ("30", _("больше месяца")),
        ("90", _("больше трёх месяцев")),
    )

    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.none(), field_name="item__roadmap__organisation", label=_("Организация"),
        empty_label=_("Все"))
    late = django_filters.ChoiceFilter(choices=LATE_CHOICES, method="filter_late", label=_("Просрочено"),
                                       empty_label=_("Любое"))
    # The district dashboard's overdue numbers link here: one year, the organisations' roadmaps or the
    # municipalities' own, so that the list holds exactly what the number counts.
    year = django_filters.NumberFilter(field_name="item__roadmap__academic_year__start_year",
                                       label=_("Учебный год (год начала)"), widget=forms.HiddenInput,
                                       min_value=1000, max_value=9999, decimal_places=0)
    level = django_filters.ChoiceFilter(choices=Level.choices, method="filter_level", label=_("Чья дорожная карта"),
                                        empty_label=_("Любая"))

    class Meta:
        model = Occurrence
        fields = []

    def __init__(self, *args, today, organisations, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = organisations

    def filter_late(self, queryset, name, value):
        return queryset.filter(due_on__lt=self.today - datetime.timedelta(days=int(value)))

    def filter_level(self, queryset, name, value):
        return queryset.filter(**{f"item__roadmap__{value}__isnull": False})


def overdue_occurrences(queryset, today):
    """What the overdue list lists: open occurrences past their date, of items still in the roadmap. The
    district dashboard counts its overdue numbers with this same definition."""
    return queryset.overdue(today).filter(item__is_removed=False)


def overdue_filter(request, today) -> OverdueFilter:
    occurrences = (
        overdue_occurrences(Occurrence.objects.visible_to(request.scope), today)
        .select_related(*(f"item__roadmap__{path}" for path in ("organisation", "municipality", "academic_year")))
        .prefetch_related("item__responsible_users")
        .annotate(owner_name=_owner_name("item__roadmap__"))
    )
    organisations = Organisation.objects.visible_to(request.scope).filter(is_active=True).order_by("short_name")
    return OverdueFilter(request.GET, queryset=occurrences, today=today, organisations=organisations)


# --- the user's reminders ----------------------------------------------------------------------------

REMINDER_SORTS = {
    "day": ("day", "created_at"),
    "kind": ("kind", "day", "created_at"),
    "due": ("occurrence__due_on", "day"),
}


class ReminderFilter(ListFilter):
    kind = django_filters.ChoiceFilter(choices=Reminder.Kind.choices, label=_("Напоминание"), empty_label=_("Все"))
    unread = django_filters.BooleanFilter(method="filter_unread", label=_("Только непрочитанные"),
                                          widget=forms.CheckboxInput)

    class Meta:
        model = Reminder
        fields = []

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=True) if value else queryset

    @property
    def unread_only(self) -> bool:
        self.form.is_valid()
        return bool(self.form.cleaned_data.get("unread"))


def reminder_filter(request) -> ReminderFilter:
    """Only the user's own reminders, ever."""
    reminders = my_reminders(request).select_related(
        "occurrence__item__roadmap__organisation", "occurrence__item__roadmap__municipality",
        "occurrence__item__roadmap__academic_year")
    return ReminderFilter(request.GET, queryset=reminders)


# --- a roadmap's history -----------------------------------------------------------------------------

CHANGE_SORTS = {
    "at": ("at",),
    "kind": ("kind", "at"),
    "by": ("by__last_name", "by__first_name", "by__username", "at"),
}


class ChangeFilter(ListFilter):
    kind = django_filters.ChoiceFilter(choices=RoadmapChange.Kind.choices, label=_("Что"), empty_label=_("Всё"))
    after_approval = django_filters.BooleanFilter(method="filter_after_approval", label=_("После утверждения"),
                                                  widget=forms.CheckboxInput)

    class Meta:
        model = RoadmapChange
        fields = []

    def filter_after_approval(self, queryset, name, value):
        return queryset.filter(after_approval=True) if value else queryset


def change_filter(request, roadmap) -> ChangeFilter:
    return ChangeFilter(request.GET, queryset=roadmap.changes.select_related("by", "item"))


# --- one roadmap's table -----------------------------------------------------------------------------


def filter_items(items, *, today, stage="", status="", user=""):
    """The items a stage/status/person filter keeps, each with ``shown_occurrences`` (decorated) and
    ``deadline_text`` set; a status filter keeps the matching occurrences of an item only."""
    shown = []
    for item in items:
        if stage and str(item.stage_number) != stage:
            continue
        if user and user not in {str(person.pk) for person in item.responsible_users.all()}:
            continue
        item.shown_occurrences = [decorate(o, today) for o in item.occurrences.all()]
        if status:
            wanted = OPEN_SHOWN if status == OPEN else (status,)
            item.shown_occurrences = [o for o in item.shown_occurrences if o.shown_status in wanted]
            if not item.shown_occurrences:
                continue
        item.deadline_text = deadline_text(item)
        shown.append(item)
    return shown


def _paper_order(occurrence):
    return occurrence.item.stage_number, occurrence.item.position, occurrence.item.pk, occurrence.sequence


_STATUS_ORDER = {value: index for index, (value, _label) in enumerate(STATUS_FILTERS)}

DATE_SORTS = {
    "due": lambda o: (o.due_on, *_paper_order(o)),
    "number": _paper_order,
    "title": lambda o: (o.item.title.casefold(), *_paper_order(o)),
    "status": lambda o: (_STATUS_ORDER[o.shown_status], o.due_on, *_paper_order(o)),
}


def dated_occurrences(items) -> list:
    """The shown occurrences of ``filter_items`` as one flat list (each ``occurrence.item`` is its item)."""
    return [occurrence for item in items for occurrence in item.shown_occurrences]
