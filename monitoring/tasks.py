"""Celery tasks of monitoring: thin wrappers around ``monitoring.exports`` and ``monitoring.summaries``.

``build_export`` is sent by the export page with ``transaction.on_commit`` once the job row exists;
it is safe to receive twice (``run_export`` claims the job with a conditional update).
``refresh_organisation_summaries`` is sent after the commit of a write (``monitoring.summary_refresh``);
it is idempotent (a fresh summary is left alone), so a redelivery costs three queries.
``remove_expired_exports`` and ``refresh_summaries`` run from Celery beat once a day
(``CELERY_BEAT_SCHEDULE``).
"""

from celery import shared_task

from monitoring import exports, jobs, summaries
from monitoring.models import BeatMark


@shared_task
def build_export(job_id: int) -> str | None:
    """Build one export job; failures are recorded on the job (FAILED with the reason), not raised."""
    job = exports.run_export(job_id)
    return job.status if job is not None else None


@shared_task
def sweep_exports() -> dict:
    """Every minute: jobs whose worker died or whose message never arrived are sent again. Its mark is
    the beat's pulse for ``/healthz``."""
    result = jobs.sweep()
    BeatMark.touch("sweep_exports")
    return result


@shared_task
def remove_expired_exports() -> dict:
    return exports.remove_expired()


@shared_task
def refresh_summaries() -> int:
    """Before the working day: every organisation's dashboard summary for the new date, so that the
    first district dashboard of the morning is as quick as the rest."""
    return summaries.refresh()


@shared_task
def refresh_organisation_summaries(organisation_ids: list[int]) -> int:
    """After a write: these organisations' dashboard summaries computed again, ahead of the next dashboard
    (an optimisation: the dashboard computes a stale one itself). Failures are logged, not retried."""
    from monitoring import summary_refresh

    return summary_refresh.run(organisation_ids)
