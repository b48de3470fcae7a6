"""Celery tasks of the roadmaps: thin wrappers that call ``roadmaps.reminders``.

``send_daily_reminders_task`` runs from Celery beat every day at 07:00 Moscow time
(``CELERY_BEAT_SCHEDULE`` in ``config/settings.py``). It is safe to run twice or on two workers at
once (a redelivery under ``acks_late``, a second beat): the service never sends a reminder twice.
Nothing enqueues it from a request, so no ``transaction.on_commit`` is involved.
"""

import datetime

from celery import shared_task

from roadmaps.reminders import send_daily_reminders


@shared_task
def send_daily_reminders_task(day: str | None = None) -> dict:
    """Today's reminders (Moscow date), or those of ``day`` ("YYYY-MM-DD") to make up a missed day."""
    summary = send_daily_reminders(datetime.date.fromisoformat(day) if day else None)
    return summary.as_dict()
