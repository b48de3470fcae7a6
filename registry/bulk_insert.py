"""Many rows in ONE statement, ``INSERT … ON CONFLICT DO NOTHING``, whatever their number:
``insert_ignoring_conflicts`` for model instances, ``insert_rows_ignoring_conflicts`` for plain rows of
values (a daily job's thousands of rows: no model instance, each field prepared once rather than per row
where it can be).

``bulk_create(ignore_conflicts=True)`` cuts the rows into batches, on SQLite of 999 parameters (Django's
default for the embedded database), so a daily job's query count grows with the data it finds: 60 items
per roadmap cost more statements than 10. Here PostgreSQL gets one array per column and inserts
``SELECT * FROM unnest(…)``: one statement, parsed and planned once, a handful of parameters whatever the
number of rows (``executemany`` would run the statement once per row, pipelined). Elsewhere (SQLite) the
rows go to the driver with ``executemany`` (SQLite's C loop), one statement for Django and for the
query counts the tests assert. What ``bulk_create`` would store is stored: the fields' ``pre_save``
(``auto_now_add``), defaults and database preparation; the database assigns the primary keys, which are
not read back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.db import connections, router
from django.db.models import AutoField, DateField, JSONField, Model
from django.utils import timezone


def _fields(model: type[Model]):
    return [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]


def insert_ignoring_conflicts(model: type[Model], objects: list[Model]) -> None:
    """Insert ``objects`` (in their order: callers sort them by the unique key, so that two workers lock
    rows in the same order), leaving alone every row that would violate a unique constraint."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    fields = _fields(model)
    _insert(connection, model, fields,
            [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objects], [], [])


def insert_rows_ignoring_conflicts(model: type[Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows``, each the values of the fields ``names`` (attribute names: ``user_id``) in that
    order, as the caller sorted them (by the unique key: see above); the other fields take their
    default, or now for ``auto_now``/``auto_now_add``, the same for every row. PostgreSQL takes the
    values as they are (integers, strings, dates: what psycopg adapts); elsewhere each goes through its
    field's preparation. Rows that would violate a unique constraint are left alone."""
    rows = list(rows)
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    named = [model._meta.get_field(name) for name in names]
    rest = [f for f in _fields(model) if f.attname not in names]
    now = timezone.now()
    constants = []
    for f in rest:
        if isinstance(f, DateField) and (f.auto_now or f.auto_now_add):
            value = now.date() if type(f) is DateField else now
        else:
            value = f.get_default()
        constants.append(f.get_db_prep_save(value, connection))
    if connection.vendor != "postgresql":
        rows = [[f.get_db_prep_save(value, connection) for f, value in zip(named, row, strict=True)] for row in rows]
    _insert(connection, model, named, rows, rest, constants)


def _insert(connection, model: type[Model], fields: list, rows: list, constant_fields: list, constants: list):
    """``rows`` of prepared values for ``fields``; ``constants`` the same in every row, for
    ``constant_fields``."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields + constant_fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not any(isinstance(f, JSONField) for f in fields + constant_fields):
            # The rows go in the arrays' order: a function scan returns them so.
            arrays = ", ".join(f"%s::{_unsized(f, connection)}[]" for f in fields)
            scalars = "".join(f", %s::{_unsized(f, connection)}" for f in constant_fields)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT batch.*{scalars} FROM unnest({arrays}) AS batch "
                           "ON CONFLICT DO NOTHING", [*constants, *(list(column) for column in zip(*rows, strict=True))])
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + len(constants)))}) "
                "ON CONFLICT DO NOTHING", [[*row, *constants] for row in rows])


def _unsized(field, connection) -> str:
    """The column's type without its size (``varchar(200)`` → ``varchar``): an explicit cast to the sized
    type would cut a longer value silently, the assignment to the column refuses it, as an INSERT of
    values does."""
    return re.sub(r"\(.*\)", "", field.db_type(connection))
