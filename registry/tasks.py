"""The registry's background work: scheduled (Celery beat, settings.CELERY_BEAT_SCHEDULE) and sent by
pages. Thin: the services decide."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from registry import destruction, processing, spreadsheets

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


#: A participant file is checked within a minute; at 90 s the worker process is killed, and the page
#: reports the check as stalled (``ParticipantImport.stalled``).
IMPORT_SOFT_TIME_LIMIT = 60
IMPORT_TIME_LIMIT = 90


@shared_task(soft_time_limit=IMPORT_SOFT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT)
def parse_participant_import(import_id: int) -> str | None:
    """Read an uploaded participant file once and store its preview. Safe to receive twice: the import
    is claimed with a conditional update. Running out of time is recorded on the import (FAILED with
    the reason), not raised."""
    participant_import = spreadsheets.parse_stored_import(import_id, timed_out=SoftTimeLimitExceeded)
    return participant_import.status if participant_import is not None else None


def send_participant_import(import_id: int) -> bool:
    """Send the check of an import to the workers (in-process without a broker). False when the broker
    cannot be reached: the import then stays PENDING, to be picked up later (``waiting()``)."""
    try:
        parse_participant_import.delay(import_id)
    except Exception:  # kombu's OperationalError, a refused connection, a timeout: the page must still answer
        logger.warning("Participant import %s: the check could not be sent; it stays pending.", import_id,
                       exc_info=True)
        return False
    return True
