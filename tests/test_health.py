"""/healthz tells an outside monitor what is wrong, without a login and without personal data."""

import datetime

from tests.clients import CsrfClient
from django.utils import timezone

from monitoring.models import BeatMark, ExportJob
from registry.models import AcademicYear


def test_healthy_without_a_broker(db):
    response = CsrfClient().get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok" and data["database"] == "ok" and data["stuck_export_jobs"] == 0
    assert "not configured" in data["broker"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_stuck_job_and_a_silent_beat_are_reported(district, settings):
    job = ExportJob.objects.create(kind="statistics", requested_by=district.municipal,
                                   params={"year": AcademicYear.objects.current().start_year})
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING,
                                               heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    response = CsrfClient().get("/healthz")
    assert response.status_code == 503 and response.json()["stuck_export_jobs"] == 1
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    # With a broker configured, an unreachable broker and a beat silent for ten minutes are both reported.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    BeatMark.objects.create(name="sweep_exports", at=timezone.now() - datetime.timedelta(minutes=10))
    data = CsrfClient().get("/healthz").json()
    assert data["status"] == "degraded" and data["broker"].startswith("error")
    assert data["beat_last_run_seconds_ago"] >= 600
    assert "Участник" not in str(data) and "@" not in str(data)
