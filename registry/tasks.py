"""The registry's scheduled work (Celery beat, settings.CELERY_BEAT_SCHEDULE): thin, the services decide."""

import logging

from celery import shared_task

from registry import destruction, processing

logger = logging.getLogger(__name__)


@shared_task
def personal_data_daily() -> dict:
    """Consents that expired overnight stop processing; people whose destruction date came are destroyed,
    each organisation's with its act. Both steps are idempotent: a second run the same day does nothing."""
    stopped = processing.reconcile_lapsed()
    acts = destruction.destroy_due()
    destroyed = sum(len(act.subjects) for act in acts)
    logger.info("personal data: %s processing stops, %s people destroyed in %s acts", stopped, destroyed, len(acts))
    return {"stopped": stopped, "destroyed": destroyed, "acts": [act.pk for act in acts]}
