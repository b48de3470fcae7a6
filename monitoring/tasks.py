"""Celery tasks of monitoring: thin wrappers around ``monitoring.exports``.

``build_export`` is sent by the export page with ``transaction.on_commit`` once the job row exists;
it is safe to receive twice (``run_export`` claims the job with a conditional update).
``remove_expired_exports`` runs from Celery beat once a day (``CELERY_BEAT_SCHEDULE``).
"""

from celery import shared_task

from monitoring import exports


@shared_task
def build_export(job_id: int) -> str | None:
    """Build one export job; failures are recorded on the job (FAILED with the reason), not raised."""
    job = exports.run_export(job_id)
    return job.status if job is not None else None


@shared_task
def remove_expired_exports() -> dict:
    return exports.remove_expired()
