"""The export job service: an export is an ``ExportJob`` row whose ``kind`` names an exporter
(``registry.exporters``; each app registers its own). ``request_export`` creates the job (refusing a
duplicate of one still being built), ``run_export`` builds it — inside the *requester's* scope,
re-established from the database, never the caller's — and ``remove_expired`` is the retention job. The
job's life (lease, heartbeat, sweep, storage) is ``monitoring.jobs``.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from monitoring import jobs
from monitoring.models import ExportJob
from registry import exporters
from registry.exporters import ExportError  # noqa: F401  (raised by the exporters, caught here)
from registry.models import Organisation
from registry.scoping import Scope

logger = logging.getLogger(__name__)

EXPIRES_AFTER = datetime.timedelta(days=7)
# A job still pending or running after this long lost its worker; it is failed so that it no longer
# blocks a new request (the one_running_export constraint).
STALE_AFTER = datetime.timedelta(hours=6)

def describe(job: ExportJob) -> str:
    """The job's parameters as a person reads them (its exporter's ``describe``)."""
    try:
        return str(exporters.get(job.kind).describe(job.params))
    except ExportError:  # a kind no longer registered: its rows stay readable
        return ""


def content_type(job: ExportJob) -> str:
    try:
        return exporters.CONTENT_TYPES[exporters.get(job.kind).file_format(job.params)]
    except ExportError:
        return exporters.CONTENT_TYPES[exporters.XLSX]


def download_name(job: ExportJob) -> str:
    stamp = timezone.localtime(job.finished_at or job.created_at)
    try:
        return exporters.get(job.kind).download_name(job.params, stamp)
    except ExportError:
        return f"{job.kind} {stamp:%d.%m.%Y}.xlsx"


class DuplicateExport(Exception):
    def __init__(self, job: ExportJob | None):
        super().__init__(_("Такая выгрузка уже готовится."))
        self.job = job


def request_export(*, user, kind: str, params: dict) -> ExportJob:
    """A new pending job; ``DuplicateExport`` if the same one (kind and parameters) is still being built.

    The check comes first for a friendly answer; the partial unique constraint ``one_running_export``
    decides a race between two simultaneous requests. The caller starts the task on commit.
    """
    exporters.get(kind)  # an unknown kind is refused (ExportError) before a row exists
    same = ExportJob.objects.running().filter(requested_by=user, kind=kind, params_key=ExportJob.key_for(params))
    existing = same.first()
    if existing is not None:
        if not jobs.is_live(existing):
            jobs.sweep()  # its worker died: taken back and sent again, so «уже готовится» is true again
        raise DuplicateExport(existing)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(kind=kind, params=params, requested_by=user)
            jobs.enqueue(job)
            return job
    except IntegrityError:
        raise DuplicateExport(same.first()) from None


class ProgressReporter:
    """Writes a job's progress to its row when the whole percent changes (at most 99 before done), and
    renews the job's lease at least every ``BEAT_EVERY`` seconds (``monitoring.jobs.beat``); raises
    ``jobs.Cancelled`` once the requester cancelled the job."""

    BEAT_EVERY = 10

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0
        self.updates = 0
        self.beaten_at = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 99
        if percent > self.last:
            self.last = percent
            self.updates += 1
            jobs.beat(self.job_id, percent)
            self.beaten_at = time.monotonic()
        elif time.monotonic() - self.beaten_at > self.BEAT_EVERY:
            jobs.beat(self.job_id)
            self.beaten_at = time.monotonic()


def run_export(job_id: int) -> ExportJob | None:
    """Build a pending job: RUNNING, progress, the file, DONE with an expiry — or FAILED with the reason.

    The job is claimed with a conditional update, so a redelivered task (acks_late) or a second worker
    does nothing. The scope is the requester's as it is now, read from the database.
    """
    if not jobs.claim(job_id):
        logger.info("Export job %s is not pending any more; skipped.", job_id)
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            scope = Scope.for_user(job.requested_by)
            if scope.is_empty:
                raise ExportError(_("У запросившего больше нет доступа ни к одной организации."))
            exporter = exporters.get(job.kind)(scope, job.params)
            with exporter.build(ProgressReporter(job.pk)) as handle:
                extension = exporter.file_format(job.params)
                name = f"{job.kind}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(8)}.{extension}"
                stored = jobs.store(job, handle, name)
            # What the file may hold: checked again at download time against the requester's scope then.
            covered = sorted(exporter.organisations().values_list("pk", flat=True))
        now = timezone.now()
        finished = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE, progress=100, error="", file=stored, finished_at=now,
            expires_at=now + EXPIRES_AFTER, covered=covered, heartbeat_at=now)
        if finished != 1:  # cancelled (or taken back by the sweep) while the file was being stored
            job.file.storage.delete(stored)
    except jobs.Cancelled:
        logger.info("Export job %s was cancelled while it was being built.", job_id)
    except SoftTimeLimitExceeded:
        _fail(job_id, _("Выгрузка не уложилась в отведённое время. Сузьте условия или попробуйте позже."))
    except Exception as error:
        logger.exception("Export job %s failed", job_id)
        if isinstance(error, ExportError):
            message = str(error)
        elif isinstance(error, OSError):
            message = _("Не удалось записать файл (%(error)s). Сообщите администратору.") % {"error": error.strerror
                                                                                           or error}
        else:
            message = f"{type(error).__name__}: {error}"
        _fail(job_id, message)
    job.refresh_from_db()
    return job


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.FAILED, error=message, file="", finished_at=timezone.now())


def still_covered(job: ExportJob, scope: Scope) -> bool:
    """Whether the requester's scope *now* still reaches every organisation the file was built over."""
    if not job.covered:
        return True
    reached = set(Organisation.objects.visible_to(scope).filter(pk__in=job.covered).values_list("pk", flat=True))
    return reached == set(job.covered)


def remove_expired(now: datetime.datetime | None = None) -> dict[str, int]:
    """Retention: delete the files of expired jobs (the rows stay, with an empty file), and fail jobs
    that have been pending or running for too long so they stop blocking a new request."""
    now = now or timezone.now()
    removed = 0
    storage = ExportJob._meta.get_field("file").storage
    # Listed first (a day's worth of jobs), not iterated while the same table is updated.
    expired = list(ExportJob.objects.filter(expires_at__lte=now).exclude(file="").values_list("pk", "file"))
    for pk, name in expired:
        storage.delete(name)  # a file already gone from the storage is not an error
        removed += ExportJob.objects.filter(pk=pk, file=name).update(file="")
    # Jobs no worker finished in six hours, whatever the lease says, stop blocking a new request.
    stale = ExportJob.objects.running().filter(created_at__lte=now - STALE_AFTER).update(
        status=ExportJob.Status.FAILED, finished_at=now,
        error=_("Выгрузка прервана: файл не был сформирован вовремя. Запросите её снова."))
    return {"removed": removed, "stale": stale}
