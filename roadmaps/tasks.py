"""Celery tasks of the roadmaps: thin wrappers that call ``roadmaps.reminders`` and ``roadmaps.outbox``.

``send_daily_reminders_task`` runs from Celery beat every day at 07:00 Moscow time
(``CELERY_BEAT_SCHEDULE`` in ``config/settings.py``): the scan, catching up the days missed since the
last completed one, then the sending step. ``send_reminder_digests_task`` runs every five minutes: the
sending step (retries, letters of dead workers), and the scan itself when today's has not completed by
07:30. Both are safe to run twice or on two workers at once (a redelivery under ``acks_late``, a second
beat): rows are unique and each letter is claimed by one worker (``roadmaps.outbox``). Nothing
enqueues them from a request, so no ``transaction.on_commit`` is involved.
"""

import datetime

from celery import shared_task

from roadmaps.outbox import send_pending_digests
from roadmaps.reminders import scan_is_late, scan_reminders, send_daily_reminders


@shared_task
def send_daily_reminders_task(day: str | None = None) -> dict:
    """Today's reminders (Moscow date), or those of ``day`` ("YYYY-MM-DD"), with the days missed before
    it; then the outbox is sent."""
    summary = send_daily_reminders(datetime.date.fromisoformat(day) if day else None)
    return summary.as_dict()


@shared_task
def send_reminder_digests_task() -> dict:
    """The outbox's due letters; first the daily scan if the 07:00 run did not happen."""
    result = {}
    if scan_is_late():
        result["scan"] = scan_reminders().as_dict()
    result["delivery"] = send_pending_digests().as_dict()
    return result
