"""What a list page reads over a whole district, from the cache while none of its tables changed: the
number found («найдено N», ``count``) and the options of its filter dropdowns (``cached_rows``).

An exact ``COUNT(*)`` over a district's ninety thousand participants or meetings cost more than the rest
of the list page together (issue 16), and each dropdown (three hundred organisations, the forms, the
years) a query of its own. Both read the versions of the tables their SQL names (``TableVersion``, kept by
database triggers: ``registry.table_versions``) and look the value up in the cache under the SQL, its
parameters and those versions; only on a miss do they query, and they store the value under the versions
read *before* querying: a write committed meanwhile has changed a version, so what was stored is never
found again by anyone who reads after the write. A request outside a transaction reads the versions of
every tracked table once, in one query, for all its lookups.

The values are exact, never estimates. They are queried, not cached, when:

- a table of the SQL is not tracked (``registry.table_versions.track``) or has no version row yet;
- the SQL reads the clock (``CURRENT_DATE`` …): the same SQL would count differently tomorrow;
- the connection is inside a transaction (``atomic``): it sees its own uncommitted rows, and a value read
  from them must not outlive a rollback.
"""

import contextvars
import hashlib
import re

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.signals import request_finished, request_started
from django.db import connections

from registry.table_versions import TRACKED

TIMEOUT = 24 * 60 * 60  # a value is found again only under the same versions; the timeout just frees memory
TABLES = re.compile(r'(?:FROM|JOIN) "([^"]+)"')
CLOCK = re.compile(r"CURRENT_|NOW\(|STATEMENT_TIMESTAMP|CLOCK_TIMESTAMP|RANDOM\(|DJANGO_DATE", re.IGNORECASE)

# The versions of every tracked table as one GET request read them (alias → {table: version}); None outside
# such a request. Reused only outside a transaction: a write there is committed at once, so a value computed
# after it and stored under the versions read before it is newer than its key, never older. Not for a POST:
# it writes, and what it then shows must not be a value stored before its own write.
_request_versions: contextvars.ContextVar[dict | None] = contextvars.ContextVar("list_versions", default=None)


def _start(environ=None, **kwargs):
    method = (environ or {}).get("REQUEST_METHOD", "")
    _request_versions.set({} if method in ("GET", "HEAD") else None)


def _finish(**kwargs):
    _request_versions.set(None)


request_started.connect(_start, dispatch_uid="registry.list_counts.start")
request_finished.connect(_finish, dispatch_uid="registry.list_counts.finish")


def count(queryset) -> int:
    """``queryset.count()``, from the cache while the tables it reads have not changed."""
    queryset = queryset.order_by()
    return _cached("count", queryset, queryset.count)


def cached_rows(queryset, row=None) -> list:
    """``list(queryset)``, or ``[row(obj) for obj in queryset]``, from the cache while its tables have not
    changed. The rows are stored, so plain values: a ``values_list`` queryset, or ``row`` making tuples.
    ``row`` must be a module-level function: its name is part of the key."""
    kind = "rows" if row is None else f"rows:{row.__module__}.{row.__qualname__}"
    return _cached(kind, queryset, lambda: list(queryset) if row is None else [row(obj) for obj in queryset])


def _cached(kind: str, queryset, compute):
    try:
        sql, params = queryset.query.sql_with_params()
    except (EmptyResultSet, FullResultSet):
        return compute()
    tables = sorted(set(TABLES.findall(sql)))
    if not tables or not TRACKED.issuperset(tables) or CLOCK.search(sql):
        return compute()
    versions = _versions(queryset.db, tables)
    if versions is None:
        return compute()
    key = f"list-{kind}:" + hashlib.sha256(repr((sql, tuple(params), versions)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, TIMEOUT)
    return found


def _versions(alias: str, tables) -> tuple | None:
    """The tables' versions in the order of ``tables``, or None when a value must not be cached now."""
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    if connection.in_atomic_block:
        # Inside a transaction, counted exactly: it may have written (or write before its next lookup), and
        # it sees its own uncommitted rows. A page is not rendered inside one (no ATOMIC_REQUESTS); asking
        # the database whether this one wrote would cost a query a lookup for what is then counted anyway.
        return None
    memo = _request_versions.get()
    if memo is not None and alias in memo:
        versions = memo[alias]
    else:
        versions = _read(connection)
        if memo is not None:
            memo[alias] = versions
    if not set(tables) <= set(versions):
        return None
    return tuple(versions[table] for table in tables)


def _read(connection) -> dict:
    """Every tracked table's version, in one query (autocommit: nothing uncommitted can be among them)."""
    tables = sorted(TRACKED)
    with connection.cursor() as cursor:
        cursor.execute('SELECT "table", version FROM registry_tableversion WHERE "table" IN (%s)'
                       % ", ".join(["%s"] * len(tables)), tables)
        return dict(cursor.fetchall())
