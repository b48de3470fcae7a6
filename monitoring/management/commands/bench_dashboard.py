"""``python manage.py bench_dashboard``: times the district dashboard and the statistics export.

A benchmark, not a test. It runs against the configured database, which should be a throwaway one
holding a big district::

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py load_demo --organisations 300 --participants 300
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py bench_dashboard

(``make bench`` does exactly that; on PostgreSQL wrap the three commands in ``scripts/with-postgres``.)

1. It logs in as the municipal curator with Django's test client (``force_login``: a session row is
   written), requests the district dashboard ``--repeat`` times and prints the median and p90 response
   time and the number of queries; the same for one school's dashboard. The district dashboard is timed
   several ways (``monitoring.summaries``, ``monitoring.district.inputs``): warm (nothing changed since the
   last view); after a write in one organisation before each request (a ``save()`` in a transaction: after
   its commit the summary is refreshed, ``monitoring.summary_refresh``, and finds the same data, so what was
   folded from it stays in use); after a write that changes a figure of one organisation (the usual case in
   a working day: its row and the district's sums are folded again); the same two with the refresh held
   back («refresh not done yet»: the view computes the summary itself, as when the worker is behind), with
   the write's own median time (with eager tasks and outside a request the refresh runs inside it); and cold
   (every summary stale, as after a change to a shared setting; fewer repeats).
2. It times ``monitoring.statistics_export.write_statistics`` for every organisation the curator sees into a
   temporary XLSX file, then runs it again under ``tracemalloc`` for the peak of Python allocations,
   and prints the process's max RSS (and what it was before the export: the pages came first).

Each page is timed right after a request of the trivial page (``/accounts/password/``), and the goal is the
ratio of the medians (issue 16: the district dashboard ≤ 5× the trivial page, warm and after a write);
the export's goal, on PostgreSQL: under 30 s and 200 MB.
"""

import os
import statistics
import tempfile
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from registry.commands import max_rss_mib, positive

DASHBOARD_GOAL = 5  # × the trivial page's median, warm and after a write (issue 16)
EXPORT_GOAL_S = 30
EXPORT_GOAL_MB = 200



def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: p90 of 20 runs is the 18th fastest."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]



class Command(BaseCommand):
    help = (
        "Замеряет панель мониторинга района (медиана и 90-й процентиль времени ответа, число запросов) и "
        "выгрузку статистики (время, пик памяти) на настроенной базе данных — лучше на временной, "
        "заполненной командой load_demo --organisations 300 --participants 300."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", default="municipal", help="Под кем входить (муниципальный куратор).")
        parser.add_argument("--repeat", type=positive, default=20, help="Сколько раз запрашивать панель.")
        parser.add_argument("--no-export", action="store_true", help="Не замерять выгрузку статистики.")

    def handle(self, *args, user, repeat, no_export, **options):
        from monitoring import summaries
        from registry.models import AcademicYear, Organisation, User
        from registry.scoping import Scope

        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"Нет пользователя «{user}»: сначала manage.py load_demo --organisations 300 "
                               f"--participants 300 на временной базе.")
        scope = Scope.for_user(account)
        organisations = Organisation.objects.visible_to(scope).filter(is_active=True)
        count = organisations.count()
        year = AcademicYear.objects.current()
        self.stdout.write(f"База: {connection.vendor} ({connection.settings_dict['NAME']}); вход: {user}; "
                          f"организаций: {count}; учебный год {year}.")

        with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
            client = Client()
            client.force_login(account)
            district = reverse("monitoring:dashboard")
            self.bench_page(client, "district", district, repeat, goal=DASHBOARD_GOAL)
            ids = list(organisations.order_by("pk").values_list("pk", flat=True))
            # The writes go through what a real write triggers: post_save, the commit, and after it the refresh
            # of the organisation's summary (``monitoring.summary_refresh``; here, outside a request and with
            # eager tasks, at once after the commit, so the write's time below includes it). The «refresh not
            # done yet» lines are the same writes with the refresh held back: what the view pays when the
            # worker has not caught up (the view computes the summary itself).
            for name, suppressed in (("", False), (", refresh not done yet", True)):
                changed = iter(ids[i % len(ids)] for i in range(0, 7 * (repeat + 1), 7))
                self.bench_page(client, f"district, one organisation changed{name}", district, repeat,
                                goal=None if suppressed else DASHBOARD_GOAL,
                                before=self.write(lambda: self.touch_organisation(next(changed)), suppressed))
                # A write that changes a figure (the head count, so the coverage): the summary's data differ, so
                # its row of the table and the district's sums are folded again, not only the summary computed.
                counted = iter(ids[i % len(ids)] for i in range(3, 7 * (repeat + 1) + 3, 7))
                self.bench_page(client, f"district, a figure changed in one organisation{name}", district, repeat,
                                goal=None if suppressed else DASHBOARD_GOAL,
                                before=self.write(lambda: self.change_headcount(next(counted), year), suppressed))
            self.bench_page(client, "district, cold", district, max(3, repeat // 5), goal=None,
                            before=summaries.invalidate)
            first = organisations.order_by("pk").first()
            if first is not None:
                self.bench_page(client, "school", reverse("monitoring:organisation_dashboard", args=[first.pk]),
                                repeat, goal=None)
        if not no_export:
            self.bench_export(organisations, year, count)

    @staticmethod
    def write(do, suppressed):
        """``do`` in a transaction of its own, as a service's write in a request; with ``suppressed``, no
        refresh after its commit."""
        import contextlib

        from django.db import transaction
        from monitoring import summary_refresh

        def run():
            with summary_refresh.suppressed() if suppressed else contextlib.nullcontext():
                with transaction.atomic():
                    do()
        return run

    @staticmethod
    def touch_organisation(organisation_id):
        """A write that changes nothing the dashboard shows: the summary is computed again, same data."""
        from registry.models import Organisation

        Organisation.objects.get(pk=organisation_id).save()

    @staticmethod
    def change_headcount(organisation_id, year):
        from registry.models import OrganisationHeadcount

        headcount = OrganisationHeadcount.objects.filter(organisation_id=organisation_id, academic_year=year).first()
        if headcount is None:
            headcount = OrganisationHeadcount(organisation_id=organisation_id, academic_year=year, students_total=100,
                                              students_aged_10_plus=80, teachers_total=10)
        headcount.students_total += 1
        headcount.save()

    def bench_page(self, client, name, path, repeat, *, goal, before=None):
        """Times ``path`` ``repeat`` times, each request right after one of the trivial page (so a busy
        machine slows both alike), and judges the ratio of the medians against ``goal`` (× the trivial
        page, issue 16). ``before`` runs ahead of each request of the page (a write, an invalidation)."""
        from monitoring.page_mix import TRIVIAL

        timings, trivial, queries, size, writes = [], [], set(), 0, []
        response = client.get(path)  # warm up: templates, URL resolver, connection
        if response.status_code != 200:
            raise CommandError(f"{path}: ответ {response.status_code}")
        client.get(TRIVIAL)
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(TRIVIAL)
            trivial.append(time.perf_counter() - started)
            if before is not None:
                started = time.perf_counter()
                before()
                writes.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                timings.append(time.perf_counter() - started)
            queries.add(len(captured))
            size = len(response.content)
        median, p90 = statistics.median(timings) * 1000, percentile(timings, 0.9) * 1000
        trivial_median = statistics.median(trivial) * 1000
        ratio = median / trivial_median if trivial_median else float("inf")
        verdict = "без цели" if goal is None else "OK" if ratio <= goal else "выше цели"
        self.stdout.write(
            f"bench_dashboard {name} {path}: {repeat} requests, median {median:.0f} ms, p90 {p90:.0f} ms, "
            f"min {min(timings) * 1000:.0f} ms, trivial page {trivial_median:.0f} ms, {ratio:.1f}× "
            f"(goal {'—' if goal is None else f'≤ {goal:g}×'}), queries {'/'.join(str(q) for q in sorted(queries))}, "
            f"{size / 1024:.0f} KiB — {verdict}"
            + (f"; the write before each: median {statistics.median(writes) * 1000:.0f} ms" if writes else "")
        )

    def bench_export(self, organisations, year, count):
        try:
            from monitoring.statistics_export import write_statistics
        except ImportError:
            self.stdout.write(self.style.WARNING(
                "bench_dashboard export: monitoring.statistics_export.write_statistics ещё не написана — выгрузка не "
                "замерена (замер вызовет её, как только она появится)."))
            return

        def run(count_queries: bool):
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
                queries = None
                if count_queries:
                    with CaptureQueriesContext(connection) as captured:
                        write_statistics(handle, organisations=organisations, year=year)
                    queries = len(captured)
                else:  # no captured SQL in the memory peak
                    write_statistics(handle, organisations=organisations, year=year)
                handle.flush()
                return os.path.getsize(handle.name), queries

        rss_before = max_rss_mib()
        started = time.perf_counter()
        size, queries = run(True)
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        run(False)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = max_rss_mib()
        ok = elapsed < EXPORT_GOAL_S and rss < EXPORT_GOAL_MB
        self.stdout.write(
            f"bench_dashboard export write_statistics: {count} organisations, {elapsed:.2f} s, queries {queries}, "
            f"file {size / 1024:.0f} KiB, peak traced {peak / 2**20:.1f} MiB, max RSS {rss:.0f} MiB "
            f"(before the export {rss_before:.0f} MiB) — "
            + ("OK" if ok else f"цель: до {EXPORT_GOAL_S} с и {EXPORT_GOAL_MB} МБ")
        )
