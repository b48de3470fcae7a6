"""One way to show a list: a whitelisted sort, a chosen page size, the page and the number found.

Every list page of the portal ends with ``paginate(request, rows, sorts=…, default=…)`` and renders
``templates/_sort.html`` in its column heads and ``templates/_pagination.html`` under its table.
Both build their links with ``{% querystring %}`` (which already starts with «?»), so a page link
keeps the filter and the sort, a sort link keeps the filter and goes back to page 1, and a page-size
link keeps both.

``?sort=`` is ``key`` (ascending) or ``-key`` (descending), ``key`` one of the list's ``sorts``;
anything else (``?sort=password``) falls back to the default, silently, like a bad page number.
A sort is a tuple of ``order_by`` fields for a queryset, or a key function for a list already in
memory. The primary key ends every queryset ordering, so pages never overlap or skip a row; a union of
two tables has no primary key of its own and names the columns that identify its rows (``tiebreak``).

A list whose rows carry per-row work (an aggregate, a subquery, prefetched people) passes ``page_rows``:
the count and the sort then run over the bare primary keys, and only the page's keys (≤ page size) are
loaded again with that work. Aggregating over a whole district before ``LIMIT 50`` made the municipal
curator's lists take seconds; a sort that needs the aggregate itself is annotated by the view only when
that sort is chosen. The number found comes from ``registry.list_counts``: counted again only after a
write to a table the count reads.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from registry import list_counts

PAGE_SIZES = (25, 50, 100, 200)
MAX_ID = 2**63 - 1  # a primary key never exceeds a signed 64-bit integer; the databases refuse more
DEFAULT_PAGE_SIZE = 50

SortSpec = tuple[str, ...] | Callable


class ListPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return list_counts.count(self.object_list)
        return Paginator.count.func(self)


@dataclass(frozen=True)
class Listing:
    page: Page
    sort: str
    page_size: int
    page_sizes: Sequence[int] = PAGE_SIZES

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def rows(self):
        return self.page.object_list


def _reverse(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def search_param(params, name: str = "q") -> str:
    """Search text from a query string: printable characters only (a NUL byte would make PostgreSQL
    refuse the query), spaces collapsed, at most 200 characters."""
    text = "".join(ch for ch in str(params.get(name, "")) if ch.isprintable())
    return " ".join(text.split())[:200]


def id_param(value) -> int | None:
    """An id from a query string, or None: digits only, within what a primary key can be."""
    value = str(value or "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


def chosen_sort(request, sorts: dict[str, SortSpec], default: str) -> str:
    """The ``?sort=`` value if it names a known sort (either direction), else ``default``."""
    value = request.GET.get("sort", "")
    return value if value.lstrip("-") in sorts and value.count("-") <= 1 else default


def chosen_page_size(request, default: int = DEFAULT_PAGE_SIZE) -> int:
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else default


def order(rows, sorts: dict[str, SortSpec], sort: str, *, tiebreak: Sequence[str] = ("pk",)):
    """``rows`` ordered by ``sort`` (``key`` or ``-key``), a queryset's rows then by ``tiebreak``."""
    if not sort:
        return rows
    spec = sorts[sort.lstrip("-")]
    descending = sort.startswith("-")
    if isinstance(rows, QuerySet):
        fields = list(spec) + list(tiebreak)
        return rows.order_by(*(_reverse(field) if descending else field for field in fields))
    return sorted(rows, key=spec, reverse=descending)


def paginate(request, rows, *, sorts: dict[str, SortSpec] | None = None, default: str = "",
             page_size: int = DEFAULT_PAGE_SIZE, tiebreak: Sequence[str] = ("pk",),
             page_rows: Callable[[list], Iterable] | None = None) -> Listing:
    """A page of ``rows`` (a queryset or a list) sorted as the query string asks.

    With ``default=""`` an unsorted request keeps the ordering ``rows`` already have. ``tiebreak``: the
    columns that end every ordering of a queryset (a ``union()`` names its own, it has no ``pk``).
    ``page_rows(ids)``: the page's objects with what the page shows, loaded from the page's primary keys
    (in any order: the page keeps the sort's).
    """
    sorts = sorts or {}
    sort = chosen_sort(request, sorts, default)
    size = chosen_page_size(request, page_size)
    ordered = order(rows, sorts, sort, tiebreak=tiebreak)
    if page_rows is not None and isinstance(rows, QuerySet):
        page = ListPaginator(ordered.values_list("pk", flat=True), size).get_page(request.GET.get("page"))
        ids = list(page.object_list)
        loaded = {row.pk: row for row in page_rows(ids)} if ids else {}
        page.object_list = [loaded[pk] for pk in ids if pk in loaded]
    else:
        page = ListPaginator(ordered, size).get_page(request.GET.get("page"))
    return Listing(page=page, sort=sort, page_size=size)


def sort_key(request, sorts: dict[str, SortSpec], default: str) -> str:
    """The chosen sort's key without its direction: a view annotates what only that sort needs."""
    return chosen_sort(request, sorts, default).lstrip("-")
