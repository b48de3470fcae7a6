"""A version per table, changed by the database itself whenever a row of the table is written.

The district's lists show «найдено N» over some ninety thousand rows; counting them exactly on every page
cost more than everything else the page does. ``registry.list_counts`` keeps such a count in the cache
under the versions of the tables the count reads, and a version changes with every committed write to its
table — by a trigger (``registry.table_versions``), so ``bulk_create``, ``QuerySet.update()``, deletes and
raw SQL change it as surely as ``save()`` does, and no service needs to remember anything.
"""

from django.db import models


class TableVersion(models.Model):
    # Written only by the triggers; a table without a row here is not tracked and its counts not cached.
    table = models.CharField(max_length=63, primary_key=True)
    # Never repeats (PostgreSQL: a sequence; SQLite: random), so a version a rolled-back write had set and
    # a later write sets again cannot name two different states of the table.
    version = models.BigIntegerField()
    # PostgreSQL: the transaction that set ``version``, so that a transaction writing many rows changes it
    # once, at its commit.
    xid = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = "версия таблицы"
        verbose_name_plural = "версии таблиц"
        default_permissions = ()  # nobody edits it, not even in the admin: the triggers write it

    def __str__(self):
        return f"{self.table}: {self.version}"
