"""``python manage.py bench_pages``: every page of issue 16's table next to the trivial page.

A benchmark, not a test. On the current database (a throwaway one with ``load_demo --organisations 300
--participants 300``) it logs in as each role of ``monitoring.page_mix`` (Django's test client,
``force_login``), requests each page once to warm up and count its queries, then ``--rounds`` times
requests the trivial page (``/accounts/password/``) and the page one right after the other, so that a
busy machine slows both alike. Per page it prints the median and p95 of both, the ratio of the medians,
the queries, the size of the HTML, and whether the ratio is within the issue's goal.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from monitoring.management.commands.bench_dashboard import percentile, positive


class Command(BaseCommand):
    help = ("Замеряет страницы ролей (медиана и 95-й процентиль, отношение к простейшей странице "
            "/accounts/password/, число запросов, размер HTML) на текущей базе.")

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=positive, default=20, help="Сколько раз запрашивать каждую страницу.")

    def handle(self, *args, rounds, **options):
        from monitoring import page_mix

        users, pages = page_mix.resolve()
        if not pages:
            raise CommandError("Нет демо-пользователей (municipal, curator1, director1): сначала load_demo.")
        self.stdout.write(f"bench_pages ({connection.vendor}): {rounds} раундов, каждый запрос страницы сразу после "
                          f"запроса {page_mix.TRIVIAL}")
        self.stdout.write(f"{'роль':<18} {'страница':<20} {'медиана':>8} {'p95':>7} {'простая':>8} {'×':>6} "
                          f"{'цель':>5} {'запр.':>6} {'KiB':>5}  итог")
        failed = []
        with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
            clients = {}
            for role, user in users.items():
                clients[role] = Client()
                clients[role].force_login(user)
            for page in pages:
                verdict = self.bench(clients[page.role], page, page_mix.TRIVIAL, rounds)
                if not verdict:
                    failed.append(f"{page.role}: {page.name}")
        self.stdout.write("bench_pages: " + ("OK — все страницы в пределах цели" if not failed
                                             else "выше цели: " + "; ".join(failed)))

    def bench(self, client, page, trivial: str, rounds: int) -> bool:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        if response.status_code != 200:
            raise CommandError(f"{page.role}: {page.path} — ответ {response.status_code}")
        queries, size = len(captured), len(response.content)
        page_times, trivial_times = [], []
        for _round in range(rounds):
            started = time.perf_counter()
            client.get(trivial)
            trivial_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.get(page.path)
            page_times.append(time.perf_counter() - started)
        median, trivial_median = statistics.median(page_times) * 1000, statistics.median(trivial_times) * 1000
        ratio = median / trivial_median if trivial_median else float("inf")
        ok = page.goal is None or ratio <= page.goal
        goal = f"≤{page.goal:g}" if page.goal else "—"
        self.stdout.write(
            f"{page.role:<18} {page.name:<20} {median:>6.0f}мс {percentile(page_times, 0.95) * 1000:>5.0f}мс "
            f"{trivial_median:>6.0f}мс {ratio:>5.1f}× {goal:>5} {queries:>6} {size / 1024:>5.0f}  "
            + ("OK" if ok else "выше цели") + f"  {page.path}")
        return ok
