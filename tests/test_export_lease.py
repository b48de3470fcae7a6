"""Export jobs with a lease (monitoring.jobs): nothing sticks, nothing is lost, nothing is built twice.

These tests run the tasks in-process (no broker in the test settings); the same faults with a real Redis
and a worker killed by SIGKILL are in tests/test_faults.py (the CI fault stage).
"""

import datetime
import errno
import os
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from monitoring import exports, jobs
from monitoring.models import ExportJob
from monitoring.tasks import build_export
from registry.models import AcademicYear


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    """The test runs inside a transaction: run what is sent «after the commit» when the test says so."""
    return django_capture_on_commit_callbacks


def request_statistics(user, on_commit):
    with on_commit(execute=True):
        return exports.request_export(user=user, kind="statistics",
                                      params={"year": AcademicYear.objects.current().start_year})


def stuck_running(user, *, attempts=1, minutes=5):
    """A job a worker took and then died on: RUNNING, the heartbeat minutes old."""
    job = ExportJob.objects.create(kind="statistics", requested_by=user,
                                   params={"year": AcademicYear.objects.current().start_year})
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, attempts=attempts,
                                               heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes),
                                               enqueued_at=timezone.now())
    return job


def test_a_job_whose_worker_died_is_taken_back_and_finished(district):
    job = stuck_running(district.municipal)
    assert list(jobs.lost()) == [job]
    result = jobs.sweep()
    job.refresh_from_db()
    assert result["requeued"] == 1 and job.status == ExportJob.Status.DONE and job.attempts == 2
    assert job.file and job.progress == 100


def test_a_fresh_heartbeat_is_left_alone(district):
    job = stuck_running(district.municipal, minutes=0)
    assert jobs.sweep() == {"requeued": 0, "failed": 0, "sent": 0}
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING


def test_after_the_last_attempt_the_job_fails_with_a_reason_the_requester_reads(district, client_for, _on_commit):
    job = stuck_running(district.municipal, attempts=jobs.MAX_ATTEMPTS)
    assert jobs.sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "прерывалась 3 раза" in job.error
    page = client_for(district.municipal).get(job.get_absolute_url()).content.decode()
    assert "прерывалась 3 раза" in page and "Повторить" in page
    with _on_commit(execute=True):
        client_for(district.municipal).post(reverse("monitoring:export_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 1


def test_a_dead_job_does_not_block_the_same_request(district, client_for, _on_commit):
    stuck = stuck_running(district.municipal)
    with pytest.raises(exports.DuplicateExport) as refused:
        request_statistics(district.municipal, _on_commit)
    assert refused.value.job == stuck
    stuck.refresh_from_db()
    assert stuck.status == ExportJob.Status.DONE  # taken back by the request's own sweep and built


def test_a_redelivered_message_builds_nothing_twice(district, _on_commit):
    job = request_statistics(district.municipal, _on_commit)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 1
    assert build_export(job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1


def test_with_the_broker_down_the_page_answers_and_the_sweep_sends_later(district, client_for, _on_commit):
    client = client_for(district.municipal)
    year = AcademicYear.objects.current().start_year
    with mock.patch.object(build_export, "apply_async", side_effect=OperationalError("Redis is down")):
        with _on_commit(execute=True):
            response = client.post(reverse("monitoring:export_list"), {"kind": "statistics", "year": year})
        assert response.status_code == 302
        job = ExportJob.objects.get()
        assert job.status == ExportJob.Status.PENDING and job.enqueued_at is None
        page = client.get(job.get_absolute_url()).content.decode()
        assert "сервер очередей сейчас недоступен" in page
        assert jobs.sweep(now=timezone.now() + datetime.timedelta(minutes=1))["sent"] == 0
    # The broker is back: the next sweep sends it.
    assert jobs.sweep(now=timezone.now() + datetime.timedelta(minutes=1))["sent"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE


def test_a_message_lost_on_the_way_is_sent_again(district):
    job = ExportJob.objects.create(kind="statistics", requested_by=district.municipal,
                                   params={"year": AcademicYear.objects.current().start_year})
    ExportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - datetime.timedelta(minutes=10))
    assert jobs.sweep()["sent"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE


def test_a_full_disk_fails_the_job_and_leaves_no_partial_file(district, settings, _on_commit):
    def fill_the_disk(source, target):
        target.write(source.read(100))  # a part of the file is written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    with mock.patch("monitoring.jobs._copy", side_effect=fill_the_disk):
        job = request_statistics(district.municipal, _on_commit)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "Не удалось записать файл" in job.error
    assert not job.file
    leftovers = [name for _root, _dirs, files in os.walk(settings.MEDIA_ROOT) for name in files]
    assert leftovers == []


def test_a_cancelled_job_stops_at_its_next_step(district, client_for):
    job = stuck_running(district.municipal, minutes=0)
    client_for(district.municipal).post(reverse("monitoring:export_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.CANCELLED
    with pytest.raises(jobs.Cancelled):
        jobs.beat(job.pk, 50)
    # Only the requester may cancel or retry.
    assert client_for(district.curator1).post(reverse("monitoring:export_retry", args=[job.pk])).status_code == 404
