"""``registry.bulk_insert``: one statement whatever the number of rows (unnest of arrays on PostgreSQL,
executemany elsewhere), rows that exist left alone, the other fields' defaults and ``auto_now_add`` filled
in, and a value too long for its column refused as an INSERT of values refuses it (not cut)."""

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from registry.bulk_insert import insert_ignoring_conflicts, insert_rows_ignoring_conflicts
from registry.models import Notification

NAMES = ("user_id", "kind", "text", "url", "key", "mail")


def row(user, n, **changes):
    values = {"user_id": user.pk, "kind": Notification.Kind.PAIR_QUIET, "text": f"Текст «{n}», \"с\" кавычками",
              "url": f"/pairs/{n}/", "key": f"bulk:{n}", "mail": Notification.Mail.NONE, **changes}
    return tuple(values[name] for name in NAMES)


def test_many_rows_in_one_statement_existing_ones_left_alone(district):
    user = district.curator1
    Notification.objects.create(user=user, kind=Notification.Kind.PAIR_QUIET, text="Было", key="bulk:3")

    with CaptureQueriesContext(connection) as queries:
        insert_rows_ignoring_conflicts(Notification, NAMES, [row(user, n) for n in range(1, 301)])

    assert len(queries) == 1
    stored = Notification.objects.filter(key__startswith="bulk:")
    assert stored.count() == 300 and stored.get(key="bulk:3").text == "Было"
    fresh = stored.get(key="bulk:7")
    assert (fresh.text, fresh.url, fresh.read_at, fresh.emailed_at) == ("Текст «7», \"с\" кавычками", "/pairs/7/",
                                                                       None, None)
    assert fresh.created_at is not None and len(set(stored.exclude(key="bulk:3").values_list("created_at"))) == 1


def test_model_instances_too(district):
    user = district.curator1
    insert_ignoring_conflicts(Notification, [Notification(user=user, kind=Notification.Kind.PAIR_QUIET, text="А",
                                                          key=f"obj:{n}") for n in range(3)] * 2)
    assert Notification.objects.filter(key__startswith="obj:").count() == 3


def test_a_value_too_long_for_its_column_is_refused_not_cut(district):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite does not enforce a varchar's length")
    with pytest.raises(DataError), transaction.atomic():
        insert_rows_ignoring_conflicts(Notification, NAMES, [row(district.curator1, 1, key="к" * 201)])
