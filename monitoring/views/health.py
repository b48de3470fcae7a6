"""``/healthz``: the state of the parts an outside monitor should watch. No login, no personal data.

200 when the database answers, the broker (if configured) answers, the beat ran within the last five
minutes (if a broker is configured: without one there is no beat) and no export job is stuck; 503 with
the same JSON otherwise, so a monitor can alert on the status code alone.
"""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from monitoring import jobs, selectors

BEAT_STALE = datetime.timedelta(minutes=5)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # the monitor wants the reason, not a 500
        return f"error: {type(error).__name__}"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured (tasks run in the web process)"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"


@login_not_required
@never_cache
@require_safe
def healthz(request):
    now = timezone.now()
    database = _database()
    broker = _broker()
    mark = selectors.last_beat("sweep_exports") if database == "ok" else None
    beat_age = int((now - mark).total_seconds()) if mark else None
    stuck = jobs.lost(now).count() + jobs.unsent(now).count() if database == "ok" else None
    queued = bool(settings.CELERY_BROKER_URL)
    broker_ok = broker == "ok" or not queued
    beat_ok = not queued or (beat_age is not None and beat_age <= BEAT_STALE.total_seconds())
    healthy = database == "ok" and broker_ok and beat_ok and not stuck
    return JsonResponse({
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "beat_last_run_seconds_ago": beat_age,
        "stuck_export_jobs": stuck,
    }, status=200 if healthy else 503)
