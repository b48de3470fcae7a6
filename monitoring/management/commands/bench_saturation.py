"""``python manage.py bench_saturation``: 50 users on the roles' page mix against gunicorn, next to the
trivial page measured the same way (issue 16, item 7).

A benchmark, not a test. On the current database (PostgreSQL from ``scripts/with-postgres``, with
``load_demo`` data; an SQLite file works for a smoke run) it:

1. logs every user of the run in (one session per user, ``force_login``: the logins are not the load);
2. collects the static files into a temporary directory and starts gunicorn with 2 workers on a free
   local port, as production runs it (DEBUG off, whitenoise's compressed manifest storage);
3. runs locust (``scripts/locustfile.py``; a test requirement, ``$LOCUST`` or the one beside this Python)
   headless twice for ``--duration`` seconds each: ``--users`` users on the trivial page alone, then the
   same number on the page mix of ``monitoring.page_mix``, no pause between requests;
4. prints p95 and median per page, the errors, both throughputs and their ratio (goal: at least 0.3× the
   trivial page's, 0 errors), and stops gunicorn and removes the sessions it made.

Traffic goes to 127.0.0.1 only, and each locust run stops by itself after ``--duration``.
"""

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from monitoring.management.commands.bench_dashboard import positive

ROOT = Path(settings.BASE_DIR)
GOAL_RATIO = 0.3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The current database as a URL for gunicorn's process (the same one, not a copy)."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        host = str(database["HOST"] or "").replace("/", "%2F")
        return f"postgres://{database['USER']}@{host}:{database['PORT'] or 5432}/{database['NAME']}"
    if connection.vendor == "sqlite" and str(database["NAME"]) not in ("", ":memory:"):
        return f"sqlite:///{database['NAME']}"
    raise CommandError("Нужна база, видимая другому процессу: PostgreSQL или файл SQLite.")


def read_stats(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = ("Нагрузка: пользователи трёх ролей ходят по своим страницам против gunicorn (2 процесса) рядом с "
            "той же нагрузкой на простейшую страницу; печатает пропускную способность, их отношение, ошибки "
            "и 95-й процентиль по страницам.")

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=positive, default=300, help="Секунд на каждый из двух прогонов.")
        parser.add_argument("--users", type=positive, default=50, help="Сколько одновременных пользователей.")
        parser.add_argument("--workers", type=positive, default=2, help="Процессов gunicorn.")

    def handle(self, *args, duration, users, workers, **options):
        from monitoring import page_mix

        role_users, pages = page_mix.resolve()
        if not pages:
            raise CommandError("Нет демо-пользователей (municipal, curator1, director1): сначала load_demo.")
        locust = os.environ.get("LOCUST") or shutil.which("locust", path=str(Path(sys.executable).parent))
        if not locust:
            raise CommandError("Нет locust: pip install -r requirements-test.txt (или укажите $LOCUST).")
        work = Path(tempfile.mkdtemp(prefix="nastavnik-saturation-"))
        sessions: list[str] = []
        server = None
        try:
            plan = {"trivial": page_mix.TRIVIAL, "roles": [], "trivial_sessions": []}
            with override_settings(ALLOWED_HOSTS=["testserver"]):
                for role in page_mix.ROLES:
                    if role.name not in role_users:
                        continue
                    keys = [self.log_in(role_users[role.name]) for _user in range(users)]
                    sessions += keys
                    plan["roles"].append({"name": role.name, "weight": role.weight, "sessions": keys,
                                          "pages": [{"name": p.name, "path": p.path}
                                                    for p in pages if p.role == role.name]})
            plan["trivial_sessions"] = sessions
            (work / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
            port = free_port()
            server = self.start_gunicorn(work, port, workers)
            self.stdout.write(f"bench_saturation ({connection.vendor}): gunicorn {workers} процесса на :{port}, "
                              f"{users} пользователей, {duration} с на прогон")
            trivial = self.run_locust(locust, work, port, users, duration, "trivial", ["TrivialUser"])
            classes = ["".join(w.capitalize() for w in r["name"].split()) + "User" for r in plan["roles"]]
            mix = self.run_locust(locust, work, port, users, duration, "mix", classes)
        finally:
            if server is not None:
                self.stop(server)
            Session.objects.filter(session_key__in=sessions).delete()
            shutil.rmtree(work, ignore_errors=True)
        self.report(trivial, mix)

    @staticmethod
    def log_in(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def environment(self, work: Path) -> dict:
        return {
            "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8",
            "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions above are signed with it
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "NASTAVNIK_SECOND_FACTOR": "0", "DATABASE_URL": database_url(), "CELERY_BROKER_URL": "memory://",
            "DJANGO_STATIC_ROOT": str(work / "static"), "DJANGO_MEDIA_ROOT": str(work / "media"),
            "DJANGO_LOG_LEVEL": "WARNING",
        }

    def start_gunicorn(self, work: Path, port: int, workers: int) -> subprocess.Popen:
        env = self.environment(work)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=600)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        log = open(work / "gunicorn.log", "w")
        server = subprocess.Popen([gunicorn, "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers)],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn не запустился:\n" + (work / "gunicorn.log").read_text(errors="replace"))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as answer:
                    if answer.status == 200:
                        return server
            except OSError:
                time.sleep(0.5)
        self.stop(server)
        raise CommandError("gunicorn не ответил за 60 с:\n" + (work / "gunicorn.log").read_text(errors="replace"))

    @staticmethod
    def stop(server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)

    def run_locust(self, locust: str, work: Path, port: int, users: int, duration: int, name: str,
                   classes: list[str]) -> list[dict]:
        prefix = work / name
        command = [locust, "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "--only-summary",
                   "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{duration}s",
                   "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--stop-timeout", "10", *classes]
        env = os.environ | {"BENCH_PLAN": str(work / "plan.json")}
        finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=duration + 180)
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists():
            raise CommandError(f"locust ({name}) не записал статистику:\n{finished.stdout}\n{finished.stderr}")
        return read_stats(stats)

    def report(self, trivial: list[dict], mix: list[dict]) -> None:
        def total(rows):
            return next(row for row in rows if row["Name"] == "Aggregated")

        self.stdout.write(f"{'страница':<42} {'запросов':>8} {'ошибок':>6} {'медиана':>8} {'p95':>7}")
        for row in [r for r in trivial if r["Name"] != "Aggregated"] + [r for r in mix if r["Name"] != "Aggregated"]:
            self.stdout.write(f"{row['Name']:<42} {row['Request Count']:>8} {row['Failure Count']:>6} "
                              f"{float(row['Median Response Time']):>6.0f}мс {float(row['95%']):>5.0f}мс")
        trivial_rps, mix_rps = float(total(trivial)["Requests/s"]), float(total(mix)["Requests/s"])
        errors = int(total(trivial)["Failure Count"]) + int(total(mix)["Failure Count"])
        ratio = mix_rps / trivial_rps if trivial_rps else 0.0
        ok = ratio >= GOAL_RATIO and errors == 0
        self.stdout.write(
            f"bench_saturation: смесь страниц {mix_rps:.1f} запр./с, простая страница {trivial_rps:.1f} запр./с, "
            f"{ratio:.2f}× (цель ≥ {GOAL_RATIO}×), ошибок {errors} (цель 0) — " + ("OK" if ok else "цель не достигнута"))
