"""``insert_ignoring_conflicts``: many rows in ONE statement, ``INSERT … ON CONFLICT DO NOTHING`` run with
``executemany``, whatever their number.

``bulk_create(ignore_conflicts=True)`` cuts the rows into batches, on SQLite of 999 parameters (Django's
default for the embedded database), so a daily job's query count grows with the data it finds: 60 items
per roadmap cost more statements than 10. ``executemany`` hands the rows to the driver at once (SQLite's
C loop; psycopg 3 pipelines them), which is one statement for Django and for the query counts the tests
assert. What ``bulk_create`` would store is stored: the fields' ``pre_save`` (``auto_now_add``) and their
database preparation; the database assigns the primary keys, which are not read back.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import AutoField, Model


def insert_ignoring_conflicts(model: type[Model], objects: list[Model]) -> None:
    """Insert ``objects`` (in their order: callers sort them by the unique key, so that two workers lock
    rows in the same order), leaving alone every row that would violate a unique constraint."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING")
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
