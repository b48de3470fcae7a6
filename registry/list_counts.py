"""«Найдено N» of a list without counting the rows again while none of its tables changed.

An exact ``COUNT(*)`` over a district's ninety thousand participants or meetings cost more than the rest
of the list page together (issue 16). ``count(queryset)`` reads the versions of the tables the count's
SQL names (``TableVersion``, one small query) and looks the count up in the cache under the SQL, its
parameters and those versions; only on a miss does it count, and it stores the count under the versions
it read *before* counting: a write committed meanwhile has changed a version, so what was stored is never
found again by anyone who reads after the write.

The count is exact, never an estimate. It is counted, not cached, when:

- a table of the SQL is not tracked (``registry.table_versions.track``) or has no version row yet;
- the SQL reads the clock (``CURRENT_DATE`` …): the same SQL would count differently tomorrow;
- the connection is inside a transaction that has written (PostgreSQL: ``txid_current_if_assigned()``),
  or inside any transaction (SQLite): the transaction sees its own uncommitted rows, and a count of them
  must not outlive a rollback.
"""

import hashlib
import re

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections

from registry.table_versions import TRACKED

TIMEOUT = 24 * 60 * 60  # a count is found again only under the same versions; the timeout just frees memory
TABLES = re.compile(r'(?:FROM|JOIN) "([^"]+)"')
CLOCK = re.compile(r"CURRENT_|NOW\(|STATEMENT_TIMESTAMP|CLOCK_TIMESTAMP|RANDOM\(|DJANGO_DATE", re.IGNORECASE)


def count(queryset) -> int:
    """``queryset.count()``, from the cache while the tables it reads have not changed."""
    queryset = queryset.order_by()
    try:
        sql, params = queryset.query.sql_with_params()
    except (EmptyResultSet, FullResultSet):
        return queryset.count()
    tables = sorted(set(TABLES.findall(sql)))
    if not tables or not TRACKED.issuperset(tables) or CLOCK.search(sql):
        return queryset.count()
    versions = _versions(connections[queryset.db], tables)
    if versions is None:
        return queryset.count()
    key = "list-count:" + hashlib.sha256(repr((sql, tuple(params), versions)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = queryset.count()
        cache.set(key, found, TIMEOUT)
    return found


def _versions(connection, tables) -> tuple | None:
    """The tables' versions in the order of ``tables``, or None when a count must not be cached now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute('SELECT "table", version, txid_current_if_assigned() FROM registry_tableversion '
                           'WHERE "table" = ANY(%s)', [list(tables)])
            rows = cursor.fetchall()
        if any(wrote is not None for _table, _version, wrote in rows):
            return None  # this transaction has written: it counts rows nobody else sees yet
    elif connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute('SELECT "table", version FROM registry_tableversion WHERE "table" IN (%s)'
                           % ", ".join(["%s"] * len(tables)), list(tables))
            rows = cursor.fetchall()
    else:
        return None
    versions = {row[0]: row[1] for row in rows}
    if set(versions) != set(tables):
        return None
    return tuple(versions[table] for table in tables)
