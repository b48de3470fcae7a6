"""Faults with the real components: a Redis server, Celery workers and beat, gunicorn, PostgreSQL.

Run by CI's fault stage (``scripts/fault-stage``): PostgreSQL from ``scripts/with-postgres``, the worker,
beat and gunicorn from the virtualenv built from requirements.txt alone (``PRODUCTION_VENV``), Redis
started and stopped here. Skipped elsewhere (they need ``FAULTS=1``). ``docs/reliability.md`` keeps the
table of these faults with what the tests show.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from monitoring import jobs
from monitoring.models import BeatMark, ExportJob
from registry.models import MentorProfile, Participant
from tests.clients import CsrfClient, FormClient

ROOT = Path(__file__).resolve().parent.parent
STATIC_ROOT = Path(tempfile.gettempdir()) / "nastavnik-faults-static"
# The web server and worker run with this key: sessions made here by force_login must verify there.
SECRET_KEY = "fault-stage-" + "x" * 50
_static_collected = False
pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("FAULTS") != "1" or "postgres" not in os.environ.get("DATABASE_URL", ""),
                       reason="fault tests run in CI's fault stage (FAULTS=1, PostgreSQL)"),
]


def wait_for(condition, *, timeout=90.0, step=0.2, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Redis:
    """A throwaway redis-server on a unix socket; stop() and start() it at will."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.process = None

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: subprocess.run(["redis-cli", "-s", str(self.socket), "ping"], capture_output=True,
                                        text=True).stdout.strip() == "PONG", timeout=20, what="Redis")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


class Processes:
    """Workers, beat and gunicorn started from the production virtualenv against the test database."""

    def __init__(self, redis: Redis, media: Path, mail: Path):
        self.redis, self.media, self.mail = redis, media, mail
        self.venv = Path(os.environ.get("PRODUCTION_VENV", ROOT / ".venv"))
        self.started: list[subprocess.Popen] = []
        self.conn_max_age = "0"
        self.extra_env: dict[str, str] = {}
        self.logs = Path(tempfile.mkdtemp(prefix="nastavnik-faults-logs-"))

    def env(self) -> dict:
        database = connection.settings_dict
        url = f"postgres://{database['USER']}@{database['HOST'].replace('/', '%2F')}:{database['PORT']}/{database['NAME']}"
        return {
            "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8",
            "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "NASTAVNIK_SECOND_FACTOR": "0", "DATABASE_URL": url, "DATABASE_CONN_MAX_AGE": self.conn_max_age,
            "CELERY_BROKER_URL": self.redis.url, "DJANGO_MEDIA_ROOT": str(self.media),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail), "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
        } | self.extra_env

    def _start(self, name: str, *command: str, ready: str | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}-{len(self.started)}.log", "w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.started.append(process)
        if ready:
            path = Path(log.name)
            wait_for(lambda: ready in path.read_text(errors="replace") or process.poll() is not None,
                     timeout=60, what=f"{name} to start")
            assert process.poll() is None, path.read_text(errors="replace")
        return process

    def worker(self) -> subprocess.Popen:
        # prefork with one child: a SIGKILL of the whole group is what an out-of-memory kill does.
        return self._start("worker", str(self.venv / "bin/celery"), "-A", "config", "worker", "-l", "info",
                           "--concurrency=1", "--without-gossip", "--without-mingle", "-n",
                           f"faults-{len(self.started)}@%h", ready=" ready.")

    def beat(self) -> subprocess.Popen:
        schedule = self.logs / "beat-schedule"
        return self._start("beat", str(self.venv / "bin/celery"), "-A", "config", "beat", "-l", "info",
                           "-s", str(schedule))

    def gunicorn(self, port: int, conn_max_age: str = "0") -> subprocess.Popen:
        global _static_collected
        if not _static_collected:  # as a deployment does; once a session (collectstatic copies what changed)
            _static_collected = True
            subprocess.run([str(self.venv / "bin/python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
                           cwd=ROOT, env=self.env(), check=True, capture_output=True, timeout=300)
        self.conn_max_age = conn_max_age
        try:
            return self._start("gunicorn", str(self.venv / "bin/gunicorn"), "config.wsgi:application", "-b",
                               f"127.0.0.1:{port}", "-w", "2", ready="Booting worker")
        finally:
            self.conn_max_age = "0"

    @staticmethod
    def kill(process: subprocess.Popen):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def stack(settings, tmp_path):
    directory = Path(tempfile.mkdtemp(prefix="nastavnik-faults-"))
    redis = Redis(directory)
    redis.start()
    mail = tmp_path / "mail"
    mail.mkdir()
    settings.CELERY_BROKER_URL = redis.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SECRET_KEY = SECRET_KEY
    from config.celery import app

    def use_broker(url):
        # Each test has its own Redis socket: drop the pooled connections and producers of the last one.
        app.close()
        app.amqp._producer_pool = None
        app.conf.broker_url = url

    original = app.conf.broker_url
    use_broker(redis.url)
    app.conf.task_always_eager = False
    processes = Processes(redis, Path(settings.MEDIA_ROOT), mail)
    try:
        yield processes
    finally:
        processes.stop_all()
        redis.stop()
        app.conf.task_always_eager = True
        use_broker(original)
        shutil.rmtree(directory, ignore_errors=True)


def many_mentors(organisation, count: int) -> None:
    """A base big enough to take the worker several seconds (bulk: the test's set-up stays quick)."""
    people = Participant.objects.bulk_create([
        Participant(organisation=organisation, last_name=f"Наставник{n:05d}", first_name="Иван", patronymic="Петрович",
                    category=Participant.Category.TEACHER, search_name=f"наставник{n:05d} иван петрович")
        for n in range(count)])
    MentorProfile.objects.bulk_create([MentorProfile(participant=p, capacity=2) for p in people])


def job_of(user) -> ExportJob:
    return ExportJob.objects.filter(requested_by=user).latest("pk")


def test_a_worker_killed_mid_export_loses_nothing(district, stack):
    many_mentors(district.school1, 30_000)
    first = stack.worker()
    client = FormClient()  # the export form's one-time token (registry.once), as the page sends it
    client.force_login(district.curator1)
    assert client.post(reverse("monitoring:export_list"), {"kind": "mentors"}).status_code == 302
    job = job_of(district.curator1)
    wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING, progress__gte=1).exists(),
             what="the export to be under way")
    stack.kill(first)  # SIGKILL, as the out-of-memory killer does
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and not job.file
    stack.worker()
    # The sweep (beat, every minute) finds the lease expired; here it is run with the clock moved on.
    result = jobs.sweep(now=timezone.now() + jobs.LEASE + datetime.timedelta(seconds=5))
    assert result["requeued"] == 1
    wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).exists(), timeout=180,
             what="the export to finish on the new worker")
    job.refresh_from_db()
    assert job.attempts == 2 and Path(job.file.path).stat().st_size > 100_000
    assert not list(Path(job.file.path).parent.glob("*.part"))


def test_with_redis_down_the_request_answers_and_the_job_finishes_later(district, stack):
    stack.redis.stop()
    client = FormClient(raise_request_exception=False)  # with the form's one-time token
    client.force_login(district.municipal)
    response = client.post(reverse("monitoring:export_list"), {"kind": "statistics", "year": "2026"})
    assert response.status_code == 302
    job = job_of(district.municipal)
    assert job.status == ExportJob.Status.PENDING and job.enqueued_at is None
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and "сервер очередей сейчас недоступен" in page.content.decode()
    assert client.get(reverse("registry:participant_list")).status_code == 200  # no page needs Redis
    stack.redis.start()
    stack.worker()
    assert jobs.sweep(now=timezone.now() + datetime.timedelta(minutes=1))["sent"] == 1
    wait_for(lambda: ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).exists(),
             what="the export to finish once Redis is back")


def test_after_postgresql_restarts_requests_succeed(district, stack):
    """gunicorn's workers keep their connections (CONN_MAX_AGE); after a restart of PostgreSQL the health
    check replaces the dead one before the next request (without it, each worker's next request fails)."""
    restart = os.environ.get("WITH_POSTGRES_RESTART")
    if not restart:
        pytest.skip("needs scripts/with-postgres")
    port = 19000 + os.getpid() % 1000
    stack.gunicorn(port, conn_max_age="600")

    def databases() -> list[str]:
        answers = []
        for _request in range(8):  # enough to reach both of gunicorn's workers
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                    answers.append(json.loads(response.read())["database"])
            except urllib.error.HTTPError as error:  # 503 when the broker or beat is not ok: still JSON
                assert error.code == 503, error.code
                answers.append(json.loads(error.read())["database"])
        return answers

    assert set(databases()) == {"ok"}
    subprocess.run(["bash", "-c", restart], check=True, capture_output=True, timeout=120)
    connection.close()  # this test's own connection died with the server too
    assert set(databases()) == {"ok"}


def test_web_worker_and_beat_run_from_a_production_install(district, stack):
    """gunicorn, the worker and beat start from requirements.txt alone, and beat's minutely sweep runs."""
    stack.worker()
    stack.beat()
    port = 18000 + os.getpid() % 1000
    stack.gunicorn(port)
    wait_for(lambda: BeatMark.objects.filter(name="sweep_exports").exists(), timeout=150,
             what="beat's minutely sweep to run on the worker")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        body = response.read().decode()
    assert response.status == 200 and '"broker": "ok"' in body and '"database": "ok"' in body


class SMTPServer:
    """A real SMTP server (aiosmtpd) on a TCP port, in this process: refusing every letter, then a sink."""

    def __init__(self, port: int):
        self.port, self.refusing, self.received = port, True, []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 4.3.0 Temporarily refused (fault test)"
        self.received.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def test_smtp_down_then_refusing_then_a_real_sink_every_letter_arrives_exactly_once(stack):
    from registry.scoping import Role
    from roadmaps.models import ReminderDigest
    from roadmaps.reminders import scan_reminders
    from tests import factories

    today = timezone.localdate()
    organisation = factories.OrganisationFactory(short_name="МБОУ СОШ № 12")
    curators = [factories.UserFactory(username=f"smtp-{n}", email=f"curator{n}@example.org") for n in range(12)]
    for curator in curators:
        factories.RoleFactory(user=curator, role=Role.SCHOOL_CURATOR, organisation=organisation)
    factories.OccurrenceFactory(item__roadmap__organisation=organisation, item__roadmap__title="Дорожная карта",
                                item__stage_title="Подготовка условий", item__number="1.1",
                                item__title="Приказ о внедрении целевой модели", item__people=curators,
                                due_on=today + datetime.timedelta(days=1))
    scan_reminders(today)
    rows = ReminderDigest.objects.filter(day=today)
    assert rows.count() == 12

    def due_now():  # the clock moved past every retry's backoff
        rows.filter(status=ReminderDigest.Status.PENDING).update(next_attempt_at=timezone.now())

    def send_digests():  # by name, as beat does every five minutes
        from config.celery import app

        app.send_task("roadmaps.tasks.send_reminder_digests_task")

    port = 20000 + os.getpid() % 1000
    stack.extra_env = {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                       "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_TIMEOUT": "5"}
    stack.worker()

    # 1. Nothing listens on the port: the run stops after a few failures, every row still waits.
    send_digests()
    wait_for(lambda: rows.filter(attempts__gte=1).exists(), what="a first attempt")
    wait_for(lambda: not rows.filter(status=ReminderDigest.Status.SENDING).exists(), what="the run to end")
    assert not rows.exclude(status=ReminderDigest.Status.PENDING).exists()
    assert rows.filter(attempts__gte=1).exclude(last_error="").exists()

    # 2. A server that refuses every letter (451): still nothing sent, nothing lost.
    server = SMTPServer(port)
    server.start()
    try:
        due_now()
        before = sum(rows.values_list("attempts", flat=True))
        send_digests()
        wait_for(lambda: sum(rows.values_list("attempts", flat=True)) > before, what="attempts on the refusing server")
        wait_for(lambda: not rows.filter(status=ReminderDigest.Status.SENDING).exists(), what="the run to end")
        assert not rows.exclude(status=ReminderDigest.Status.PENDING).exists() and server.received == []

        # 3. The server accepts: every letter arrives, exactly once, under its row's Message-ID.
        server.refusing = False

        def all_sent() -> bool:
            due_now()
            send_digests()
            time.sleep(2)
            return not rows.exclude(status=ReminderDigest.Status.SENT).exists()

        wait_for(all_sent, timeout=120, step=1, what="every letter to be delivered")
        send_digests()  # one more run: nothing is due, nothing goes out twice
        time.sleep(3)
        recipients = sorted(str(letter["To"]) for letter in server.received)
        assert recipients == sorted(f"curator{n}@example.org" for n in range(12))
        ids = sorted(str(letter["Message-ID"]).split("@")[0] for letter in server.received)
        assert ids == sorted(f"<digest-{pk}-{today.isoformat()}" for pk in rows.values_list("pk", flat=True))
    finally:
        server.stop()


def test_one_preview_committed_twice_at_once_through_gunicorn_is_one_import(district, stack):
    """A double click that reaches two gunicorn workers at the same moment: one import, not two. Both send
    the page's one-time token (registry.once): the second waits for the first and is shown its result."""
    from registry.models import ParticipantImport
    from tests.create_forms import PageForms
    from tests.reference_data import seed_reference_data
    from tests.test_import import good_rows, preview_url, stored_import, xlsx

    seed_reference_data()
    participant_import = stored_import(district.school1, xlsx(good_rows()), user=district.curator1)
    port = 17000 + os.getpid() % 1000
    stack.gunicorn(port)
    client = CsrfClient()
    client.force_login(district.curator1)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    url = f"http://127.0.0.1:{port}{preview_url(participant_import)}"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30) as response:
        page = response.read().decode()
        csrf = next(value.split(";")[0] for name, value in response.headers.items()
                    if name.lower() == "set-cookie" and value.startswith("csrftoken="))
    body = urllib.parse.urlencode(PageForms(page).the_form(), doseq=True).encode()  # the commit form, token included
    barrier = threading.Barrier(2)
    statuses, errors = [], []

    def commit():
        request = urllib.request.Request(url, data=body, headers={"Cookie": f"{cookie}; {csrf}"})
        try:
            barrier.wait(timeout=10)
            with urllib.request.urlopen(request, timeout=60) as answer:  # follows the redirect
                statuses.append(answer.status)
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == [] and statuses == [200, 200]
    assert Participant.objects.filter(organisation=district.school1).count() == 3
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.COMMITTED and participant_import.rows_created == 3
