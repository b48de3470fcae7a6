"""Many new model instances in few statements, with their primary keys: ``insert_objects``, for loaders of
tens of thousands of rows (``load_demo``).

``bulk_create`` spends most of a big load in Python: it prepares every value of every row through its field
(``pre_save``, ``get_db_prep_save``) and hands PostgreSQL one array per column, which psycopg writes out
element by element. On PostgreSQL this takes the primary keys from the table's sequence in one query and
sends the rows with ``COPY … FROM STDIN`` (psycopg's C code formats them); the values of plain columns —
text, numbers, booleans, dates, foreign keys — are read off the instances as they are, the others (files,
JSON, timestamps with ``auto_now_add``) go through their field as ``bulk_create`` sends them. What is stored
is what ``bulk_create`` would store, the instances come back as it leaves them (primary key set, saved),
and the keys are the ones it would have given: drawn from the same sequence, in the instances' order.
Elsewhere (SQLite) it is ``bulk_create``. No signals, as with ``bulk_create``.
"""

from __future__ import annotations

import datetime

from django.db import connections, models, router, transaction
from django.db.models import NOT_PROVIDED, AutoField, Model

# Fields whose value on an instance is the value to store: their preparation only checks or converts
# what the loaders already give them (``str``, ``int``, ``bool``, ``date``, an id).
_PLAIN = (
    models.CharField, models.EmailField, models.URLField, models.SlugField, models.TextField,
    models.BooleanField, models.IntegerField, models.SmallIntegerField, models.BigIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField, models.PositiveBigIntegerField,
    models.FloatField, models.ForeignKey, models.OneToOneField,
)


# Values those fields store as they are; anything else (a lazy translation, a datetime in a date field…)
# goes through the field's preparation, as ``bulk_create`` sends it.
_AS_THEY_ARE = frozenset({int, float, bool, datetime.date, type(None)})


def _is_plain(field) -> bool:
    if type(field) is models.DateField:
        return not (field.auto_now or field.auto_now_add)
    return type(field) in _PLAIN


def insert_objects(model: type[Model], objects: list[Model], *, batch_size: int = 5000) -> list[Model]:
    """Insert ``objects`` (new instances, without primary keys) and set their primary keys."""
    if not objects:
        return objects
    using = router.db_for_write(model)
    connection = connections[using]
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated and not isinstance(f, AutoField)]
    if (connection.vendor != "postgresql" or not isinstance(opts.pk, AutoField) or opts.parents
            or any(f.db_default is not NOT_PROVIDED for f in fields)):
        return model.objects.using(using).bulk_create(objects, batch_size=batch_size)
    qn = connection.ops.quote_name
    table = qn(opts.db_table)
    columns = ", ".join(qn(f.column) for f in [opts.pk, *fields])
    getters = [(field, _is_plain(field)) for field in fields]
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start:start + batch_size]
            for obj in batch:
                if obj.pk is not None:
                    raise ValueError(f"{model.__name__} #{obj.pk} is saved already.")
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [opts.db_table, opts.pk.column, len(batch)])
            ids = [row[0] for row in cursor.fetchall()]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for pk, obj in zip(ids, batch, strict=True):
                    row = [pk]
                    for field, plain in getters:
                        if plain:
                            value = getattr(obj, field.attname)
                            if type(value) in _AS_THEY_ARE or isinstance(value, str):
                                row.append(value)
                                continue
                        row.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
                    copy.write_row(row)
            for pk, obj in zip(ids, batch):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
    return objects
