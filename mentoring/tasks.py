"""Celery tasks of mentoring: thin wrappers that call ``mentoring.notices``.

``notify_quiet_pairs_task`` runs from Celery beat every morning (``CELERY_BEAT_SCHEDULE``); run twice
it records nothing new (one notice per pair and quiet spell).
"""

from celery import shared_task

from mentoring.notices import notify_quiet_pairs


@shared_task
def notify_quiet_pairs_task() -> int:
    return notify_quiet_pairs()
