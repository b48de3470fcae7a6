"""The registry's background work: scheduled (Celery beat, settings.CELERY_BEAT_SCHEDULE) and sent by
pages after their commit (an import's check, the letters of notices). Thin: the services decide."""

import contextlib
import logging
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from registry import consent_notices, destruction, notifications, processing
from registry.imports import memory
from registry.imports import service as imports

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
#: reports the check as stalled (``ParticipantImport.stalled``). The reading may take 512 MB more than
#: the worker held before it (the limits keep a check far below: a hostile file is refused under 200 MB).
IMPORT_SOFT_TIME_LIMIT = 60
IMPORT_TIME_LIMIT = 90
IMPORT_MEMORY_MB = 512


@shared_task(bind=True, soft_time_limit=IMPORT_SOFT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT)
def parse_participant_import(self, import_id: int) -> str | None:
    """Read an uploaded participant file once and store its preview. Safe to receive twice: the import
    is claimed with a conditional update. Running out of time or memory is recorded on the import
    (FAILED with the reason), not raised. The memory ceiling is set only in a worker process: run
    eagerly (development, tests) the task is inside a web or test process, which it must not limit."""
    ceiling = contextlib.nullcontext if self.request.is_eager else partial(memory.budget, IMPORT_MEMORY_MB)
    participant_import = imports.parse_stored_import(import_id, timed_out=SoftTimeLimitExceeded,
                                                     memory_ceiling=ceiling)
    return participant_import.status if participant_import is not None else None


def send_participant_import(import_id: int) -> bool:
    """Send the check of an import to the workers (in-process without a broker). False when the broker
    cannot be reached: the import then stays PENDING, for the sweep (``sweep_participant_imports``)."""
    try:
        parse_participant_import.delay(import_id)
    except Exception:  # kombu's OperationalError, a refused connection, a timeout: the page must still answer
        logger.warning("Participant import %s: the check could not be sent; it stays pending.", import_id,
                       exc_info=True)
        return False
    return True


@shared_task
def sweep_participant_imports() -> dict:
    """Every minute: checks whose message was never sent or never arrived are sent again; checks whose
    worker was killed are marked failed, so that the curator is told to upload again."""
    failed = imports.stalled_checks_failed()
    sent = [pk for pk in imports.unsent_checks() if send_participant_import(pk)]
    if failed or sent:
        logger.info("participant imports: %s stalled checks failed, %s checks sent again", failed, len(sent))
    return {"failed": failed, "sent": sent}


@shared_task
def forget_submitted_forms() -> int:
    """The one-time tokens of the create forms older than a day are of no more use (``registry.once``)."""
    from registry import once

    return once.forget_old()


@shared_task
def send_notice_emails(ids: list[int]) -> dict:
    """The letters of new notices, sent after the commit that made them (``registry.notifications``);
    a redelivered message sends nothing twice (each letter is claimed before it goes)."""
    return notifications.send_emails(ids)


@shared_task
def sweep_notice_emails() -> int:
    """Every few minutes: letters whose message never reached a worker (the broker was down)."""
    return notifications.sweep()


@shared_task
def notices_daily() -> dict:
    """Consents ending within 30 days: their school's curators are told, once per consent."""
    return {"consents": consent_notices.notify_expiring_consents()}
