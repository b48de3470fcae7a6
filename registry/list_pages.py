"""A list page declared as one class: what it lists (always from the scope), its search, its filter, its sorts
and its columns; ``as_view()`` is the view and ``templates/list_page.html`` draws it.

A plain list (a table with a search box, a filter form, sortable heads and pages) then takes one class in
the app's ``pages.py`` and one line in its ``urls.py``, and every such page behaves the same way: the
filter and sort kept on page 2 (``registry.listing``), «Найдено N», an empty text that says whether the
filter found nothing or there is nothing yet, constant queries (``page_rows`` loads the page's rows with
what the columns need). Pages with their own layout (the participant list with its bulk actions, the
dashboard) keep their own view and template and use ``registry.listing`` directly.

The view is declared ``read_only`` (GET only, the VIEW permission) and ``rows(request)`` must start from a
``visible_to(request.scope)`` queryset: the scope, not the page, decides which rows exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.listing import paginate, search_param
from registry.models import Organisation
from registry.models.people import normalise_name
from registry.scoping import read_only


@dataclass(frozen=True)
class Column:
    """A column: its head, the cell of a row (a callable, may return safe HTML), the sort key its head
    offers (a key of the page's ``sorts``), the link of the cell (a callable of the row, or None) and
    whether a sort starts descending (dates, counts)."""

    label: str
    cell: Callable[[Any], Any]
    sort: str = ""
    link: Callable[[Any], str] | None = None
    descending_first: bool = False
    nowrap: bool = False
    #: Shown only to someone who sees more than one organisation (the organisation column).
    across_organisations: bool = False

    def render(self, row):
        value = self.cell(row)
        href = self.link(row) if self.link else None
        return format_html('<a href="{}">{}</a>', href, value) if href else value


class OrganisationFilterSet(django_filters.FilterSet):
    """A list's filter with «Организация» for someone who sees several (the organisations of their scope
    only); ``organisation_path`` leads from a row to its organisation. Given ``request`` by ListPage."""

    organisation_path = "participant__organisation"

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        if not request.scope.is_single_organisation:
            organisation = django_filters.ModelChoiceFilter(
                field_name=self.organisation_path, label=_("Организация"), empty_label=_("Все"),
                queryset=Organisation.objects.visible_to(request.scope).only("pk", "short_name")
                .order_by("short_name"))
            organisation.parent = self
            self.filters["organisation"] = organisation


class ListPage:
    title: str = ""
    #: Where the page lives: its path inside the app's URLs and its URL name (``urlpatterns`` routes it).
    route: str = ""
    url_name: str = ""
    #: Its line in the «Ещё» menu, among the registers (empty: reached from elsewhere only).
    menu: str = ""
    template_name = "list_page.html"
    columns: Sequence[Column] = ()
    sorts: dict = {}
    default_sort: str = ""
    #: Lower-cased fields the «Поиск» box searches (none: no box), and its placeholder.
    search_fields: Sequence[str] = ()
    search_placeholder: str = ""
    #: A django-filter FilterSet class given ``request`` (its form is drawn above the table), or None.
    filterset_class = None
    empty_text: str = ""
    intro: str = ""
    #: ``page_rows(self, ids)``: the page's rows loaded with what the columns show (≤ page size ids), for a
    #: page whose columns reach related rows; None shows the rows as ``rows()`` gives them.
    page_rows = None

    def rows(self, request):
        """The rows the user may see: a queryset starting from ``visible_to(request.scope)``."""
        raise NotImplementedError

    def search(self, rows, query: str):
        """Rows matching the «Поиск» box: every word in one of ``search_fields`` (case folded in Python,
        since SQLite's LIKE folds ASCII only: a field holding a person's name is their ``search_name``)."""
        for word in normalise_name(query).split():
            match = Q()
            for field in self.search_fields:
                match |= Q(**{f"{field}__contains": word})
            rows = rows.filter(match)
        return rows

    def columns_for(self, request) -> list[Column]:
        single = request.scope.is_single_organisation
        return [column for column in self.columns if not (single and column.across_organisations)]

    def get(self, request):
        rows = self.rows(request)
        query = search_param(request.GET) if self.search_fields else ""
        if query:
            rows = self.search(rows, query)
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET, queryset=rows, request=request)
            rows = filterset.qs
        listing = paginate(request, rows, sorts=self.sorts, default=self.default_sort, page_rows=self.page_rows)
        columns = self.columns_for(request)
        table = [[(column, column.render(row)) for column in columns] for row in listing.rows]
        filtered = bool(query) or bool(filterset and filterset.is_bound and any(
            value not in (None, "", []) for value in getattr(filterset.form, "cleaned_data", {}).values()))
        return render(request, self.template_name, {
            "page": self, "listing": listing, "columns": columns, "table": table, "q": query,
            "filter": filterset, "filtered": filtered,
        })

    @classmethod
    def as_view(cls):
        page = cls()

        @read_only
        def view(request):
            return page.get(request)

        view.__name__ = view.__qualname__ = cls.__name__
        view.__module__ = cls.__module__
        view.__doc__ = cls.__doc__
        return view


# The pages with a menu line, in the order the apps' URLs routed them: (namespace, url name, label).
MENU: list[tuple[str, str, str]] = []


def urlpatterns(module, *, namespace: str) -> list:
    """The routes of every ``ListPage`` declared in ``module`` (an app's pages module), and their menu lines:
    a new list page is one class, with nothing to add to urls.py or base.html."""
    pages = [value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, ListPage) and value.__module__ == module.__name__
             and value.route]
    for page in pages:
        if page.menu and (namespace, page.url_name, page.menu) not in MENU:
            MENU.append((namespace, page.url_name, page.menu))
    return [path(page.route, page.as_view(), name=page.url_name) for page in pages]


def menu() -> list[tuple[str, str]]:
    """(address, label) of each list page's menu line."""
    return [(reverse(f"{namespace}:{name}"), label) for namespace, name, label in MENU]
