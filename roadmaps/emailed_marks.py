"""The reminders' ``emailed_at`` (shown in the portal), set by the outbox's sending step
(``roadmaps.outbox``) once their letter was accepted by the mail server."""

from __future__ import annotations

import datetime

from django.db import connections, router

from roadmaps.models import Reminder

# Reminder ids per UPDATE of their ``emailed_at`` where there are no arrays (SQLite): well within its
# limit on parameters.
MARK_REMINDERS = 5000


def mark_emailed(reminder_ids: list[int], now: datetime.datetime) -> None:
    """``emailed_at`` = now on these reminders where it is not set yet: on PostgreSQL one statement with
    the ids as one array literal (thousands of ``IN`` parameters cost more to prepare in Python than the
    update itself), elsewhere one per ``MARK_REMINDERS``."""
    if not reminder_ids:
        return
    connection = connections[router.db_for_write(Reminder)]
    if connection.vendor != "postgresql":
        for start in range(0, len(reminder_ids), MARK_REMINDERS):
            Reminder.objects.filter(pk__in=reminder_ids[start:start + MARK_REMINDERS],
                                    emailed_at__isnull=True).update(emailed_at=now)
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(Reminder._meta.db_table)} SET {qn('emailed_at')} = %s "
            f"WHERE {qn('id')} = ANY(%s::bigint[]) AND {qn('emailed_at')} IS NULL",
            [connection.ops.adapt_datetimefield_value(now), "{" + ",".join(map(str, reminder_ids)) + "}"],
        )
