"""``python manage.py bench_export``: the statistics export next to raw openpyxl writing the same rows.

A benchmark, not a test (issue 16, item 3). On the configured database — a throwaway one holding a big
district (``load_demo --organisations 300 --participants 300``) — it logs nobody in: it takes the scope of
``--user`` (the municipal curator) and the current year, brings the organisations' summaries up to date
as the morning's ``refresh_summaries`` does (the export reads its counts from them; a stale one is counted
in the database, which the «холодная» figure shows), then, ``--repeat`` times and interleaved so that a
busy machine slows both alike (each side first every other round):

1. builds the statistics workbook with ``StatisticsExport(scope, params).build()`` — the very call the
   export job makes — into a temporary file;
2. writes the same rows (computed once beforehand, plain lists) with raw openpyxl: a write-only workbook,
   ``append`` per row, saved to a temporary file. That is the floor of any XLSX writer in Python; what our
   export adds on top is reading the figures from the database and the header's styles.

It prints each side's best time and their ratio — the verdict: on a machine shared with other work the
fastest of several interleaved runs is the one least disturbed, for both sides alike — the medians and
theirs, the queries of one build, the peak of Python allocations of one
build (``tracemalloc``, a separate run) and the process's max RSS. The goals: at most 1.5× raw openpyxl,
200 MB.
"""

import statistics
import tempfile
import time
import tracemalloc

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from openpyxl import Workbook
from registry.commands import QueryCounter, max_rss_mib, positive

GOAL_RATIO = 1.5
GOAL_MB = 200





def raw_openpyxl(rows: list[list]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("raw")
    for row in rows:
        sheet.append(row)
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)


class Command(BaseCommand):
    help = ("Замеряет выгрузку статистики участников рядом с записью тех же строк голым openpyxl (медианы, "
            "отношение, число запросов, пик памяти). Запускать на временной базе с большим районом.")

    def add_arguments(self, parser):
        parser.add_argument("--user", default="municipal", help="Чья область видимости (муниципальный куратор).")
        parser.add_argument("--repeat", type=positive, default=11, help="Сколько раз строить каждую из двух.")

    def handle(self, *args, user, repeat, **options):
        from monitoring import summaries
        from monitoring.statistics_export import StatisticsExport, statistics_rows
        from registry.models import AcademicYear, User
        from registry.scoping import Scope

        settings.DEBUG = False  # no query log growing in memory: a worker runs with DEBUG off
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"Нет пользователя «{user}»: сначала manage.py load_demo на временной базе.")
        year = AcademicYear.objects.current()
        exporter = StatisticsExport(Scope.for_user(account), {"year": year.start_year})
        organisations = exporter.organisations()

        def ours():
            with exporter.build() as handle:
                handle.seek(0, 2)
                return handle.tell()

        def timed(build) -> float:
            started = time.perf_counter()
            build()
            return time.perf_counter() - started

        # Cold: every summary stale, the counts grouped in the database (then the refresh makes them warm).
        summaries.invalidate([o.pk for o in organisations])
        cold_ms = timed(ours) * 1000
        summaries.refresh(year)
        rows = [list(row) for row in statistics_rows(organisations, year)]
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            size = ours()
        raw_openpyxl(rows)  # warm up the writer's imports on both sides
        ours_times, raw_times = [], []
        for round_ in range(repeat):
            # Each side first every other round: neither always runs right after the other's garbage.
            sides = [(ours, ours_times), (lambda: raw_openpyxl(rows), raw_times)]
            for build, times in sides if round_ % 2 == 0 else reversed(sides):
                started = time.perf_counter()
                build()
                times.append(time.perf_counter() - started)
        tracemalloc.start()
        ours()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss = max_rss_mib()
        ours_ms, raw_ms = statistics.median(ours_times) * 1000, statistics.median(raw_times) * 1000
        best_ms, raw_best_ms = min(ours_times) * 1000, min(raw_times) * 1000
        ratio = best_ms / raw_best_ms if raw_best_ms else float("inf")
        ok = ratio <= GOAL_RATIO and rss < GOAL_MB
        self.stdout.write(
            f"bench_export statistics ({connection.vendor}): {len(rows) - 2} организаций, {len(rows[0])} столбцов, "
            f"{repeat} раз поочерёдно: лучшее {best_ms:.0f} мс, голый openpyxl {raw_best_ms:.0f} мс, {ratio:.2f}× "
            f"(цель ≤ {GOAL_RATIO}×; медианы {ours_ms:.0f} и {raw_ms:.0f} мс, {ours_ms / raw_ms:.2f}×); "
            f"запросов {counter.count}; холодная (сводки устарели) {cold_ms:.0f} мс; файл {size / 1024:.0f} KiB; "
            f"пик {peak:.1f} MiB, max RSS {rss:.0f} MiB (цель < {GOAL_MB}) — " + ("OK" if ok else "цель не достигнута"))
