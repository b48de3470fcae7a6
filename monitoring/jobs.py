"""The life of an export job: enqueued after the commit, claimed with a lease, kept alive by a heartbeat,
swept when its worker died or its message never arrived, stored under a temporary name, retried or
cancelled by its requester.

- **Enqueue** (``enqueue``): the task is sent after the row is committed. If the broker is down the
  request still answers normally and the job stays PENDING with ``enqueued_at`` empty; the sweep sends it
  when the broker is back.
- **Lease** (``claim``, ``beat``): a worker claims a PENDING job with a conditional update (RUNNING,
  ``attempts`` + 1, ``heartbeat_at`` now), so a redelivered message does nothing; every progress step
  renews the heartbeat. A RUNNING job whose heartbeat is older than ``LEASE`` has lost its worker
  (SIGKILL, out of memory, a restart).
- **Sweep** (``sweep``, Celery beat every minute): a lost RUNNING job goes back to PENDING and is sent
  again — after ``MAX_ATTEMPTS`` it fails for good with a Russian reason its requester sees; a PENDING job
  whose message never reached a worker (not enqueued, or enqueued longer than ``LEASE`` ago) is sent
  again. A duplicate message is harmless: only one claim succeeds.
- **Files** (``store``): written to a temporary name beside the final one and renamed when complete; any
  error (a full disk included) removes the partial file and fails the job.
- **The requester** may retry a failed or cancelled job and cancel a pending or running one; a running
  job notices the cancellation at its next progress step and stops.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import ExportJob

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=2)
NOT_SENT_GRACE = datetime.timedelta(seconds=30)
MAX_ATTEMPTS = 3
Status = ExportJob.Status


class Cancelled(Exception):
    """The requester cancelled the job while it was being built."""


# --- sending ------------------------------------------------------------------------------------------


def send(job_id: int) -> bool:
    """Hand the job to the broker now; False (logged, not raised) if the broker is unreachable."""
    from monitoring.tasks import build_export

    try:
        # Two quick retries: a pooled connection to a Redis that restarted is dead once, then reconnects.
        build_export.apply_async(args=[job_id], retry=True, retry_policy={
            "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5})
    except Exception:  # a broker that is down must not break the page: the sweep tries again
        logger.warning("Export job %s could not be sent to the broker; the sweep will retry", job_id,
                       exc_info=True)
        return False
    ExportJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


def enqueue(job: ExportJob) -> None:
    """Send the job once the transaction that created (or reset) it has committed."""
    transaction.on_commit(lambda: send(job.pk))


# --- the worker's side ----------------------------------------------------------------------------------


def claim(job_id: int) -> bool:
    """PENDING → RUNNING for exactly one worker; the lease starts now."""
    return ExportJob.objects.filter(pk=job_id, status=Status.PENDING).update(
        status=Status.RUNNING, progress=0, attempts=F("attempts") + 1, heartbeat_at=timezone.now(), error="") == 1


def beat(job_id: int, progress: int | None = None) -> None:
    """Renew the lease (and record progress); raises ``Cancelled`` if the requester cancelled the job."""
    fields = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = progress
    if ExportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(**fields) != 1:
        raise Cancelled(job_id)


def store(job: ExportJob, handle, name: str) -> str:
    """Copy the built file into the storage under a temporary name, then rename it: a reader never sees
    a partial file, and a failure (a full disk) leaves none behind."""
    storage = job.file.storage
    final = storage.get_available_name(job.file.field.generate_filename(job, name))
    path = storage.path(final)
    partial = f"{path}.part"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        handle.seek(0)
        with open(partial, "wb") as target:
            _copy(handle, target)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return final


def _copy(source, target) -> None:
    shutil.copyfileobj(source, target, length=1024 * 1024)
    target.flush()
    os.fsync(target.fileno())


# --- the sweep ----------------------------------------------------------------------------------------


def lost(now: datetime.datetime | None = None):
    """RUNNING jobs whose worker stopped renewing the lease."""
    now = now or timezone.now()
    return ExportJob.objects.filter(status=Status.RUNNING).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - LEASE))


def unsent(now: datetime.datetime | None = None):
    """PENDING jobs whose message never reached a worker (the broker was down, or the message was lost)."""
    now = now or timezone.now()
    return ExportJob.objects.filter(status=Status.PENDING).filter(
        Q(enqueued_at__isnull=True, created_at__lt=now - NOT_SENT_GRACE) | Q(enqueued_at__lt=now - LEASE))


def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Requeue lost and unsent jobs; fail those that ran out of attempts. Safe to run concurrently."""
    now = now or timezone.now()
    failed = requeued = sent = 0
    for job in list(lost(now).only("pk", "attempts")):
        if job.attempts >= MAX_ATTEMPTS:
            failed += ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
                status=Status.FAILED, finished_at=now,
                error=_("Выгрузка прерывалась %(n)s раза (обработчик остановился). Попробуйте позже или "
                        "сообщите администратору.") % {"n": job.attempts})
            continue
        if ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts).update(
                status=Status.PENDING, enqueued_at=None) == 1:
            requeued += 1
            send(job.pk)  # at once; if the broker is down too, a later sweep finds it unsent
    for job_id in list(unsent(now).values_list("pk", flat=True)):
        sent += send(job_id)
    if failed or requeued or sent:
        logger.info("Export sweep: %s requeued, %s failed for good, %s sent", requeued, failed, sent)
    return {"requeued": requeued, "failed": failed, "sent": sent}


def is_live(job: ExportJob, now: datetime.datetime | None = None) -> bool:
    """A job that is really on its way: pending, or running with a fresh heartbeat."""
    now = now or timezone.now()
    if job.status == Status.PENDING:
        return True
    return job.status == Status.RUNNING and job.heartbeat_at is not None and job.heartbeat_at >= now - LEASE


# --- the requester's side ------------------------------------------------------------------------------


def cancel(job: ExportJob, *, by=None) -> bool:
    return ExportJob.objects.filter(pk=job.pk, status__in=(Status.PENDING, Status.RUNNING)).update(
        status=Status.CANCELLED, finished_at=timezone.now(), error=_("Отменено по запросу.")) == 1


def retry(job: ExportJob, *, by=None) -> bool:
    """A failed or cancelled job built again (the same parameters), from its first attempt."""
    with transaction.atomic():
        updated = ExportJob.objects.filter(pk=job.pk, status__in=(Status.FAILED, Status.CANCELLED)).update(
            status=Status.PENDING, progress=0, attempts=0, error="", finished_at=None, enqueued_at=None,
            heartbeat_at=None, created_at=timezone.now())
        if updated:
            enqueue(job)
    return updated == 1
