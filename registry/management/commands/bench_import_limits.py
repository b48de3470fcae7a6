"""``python manage.py bench_import_limits``: how fast, and in how little memory, hostile participant
files are refused.

A benchmark, not a test (the tests in tests/test_import_limits.py hold the same cases to loose bounds).
Each case of ``registry.imports.hostile.CASES`` — three million shared strings, a 300 MB string in a few
hundred KB, a row of a million cells, … — is built in memory, then read by ``parse_participant_workbook``
in a child process of its own, so that the child's peak resident memory is the reading's alone; the
time and the peak of Python allocations (tracemalloc, a second run, since tracing slows it down) are
measured in the child too. The goal is stated per case: refused within 5 s and under 200 MB; a case
that is not refused, or misses the goal, makes the command fail.
"""

import io
import multiprocessing
import resource
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError

from registry.imports.hostile import CASES
from registry.imports.reader import parse_participant_workbook

GOAL_SECONDS = 5
GOAL_MB = 200
MB = 1024 * 1024


def _measure(content: bytes, queue) -> None:
    """In the child: time and peak RSS of one reading, then the traced peak of another."""
    started = time.perf_counter()
    preview = parse_participant_workbook(io.BytesIO(content))
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    tracemalloc.start()
    parse_participant_workbook(io.BytesIO(content))
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    queue.put({"seconds": seconds, "rss": rss, "traced": traced, "errors": preview.errors})


def _baseline(queue) -> None:
    queue.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


class Command(BaseCommand):
    help = ("Замеряет, за какое время и в какой памяти отклоняются «враждебные» файлы загрузки участников "
            f"(цель: не дольше {GOAL_SECONDS} с и не больше {GOAL_MB} МБ).")

    def handle(self, *args, **options):
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_baseline, args=(queue,))
        child.start()
        baseline = queue.get(timeout=60)
        child.join()
        self.stdout.write(f"Процесс до чтения (Django, библиотеки): {baseline / MB:.0f} МБ RSS")
        self.stdout.write(f"{'случай':<42} {'упак., КБ':>9} {'время, с':>9} {'RSS, МБ':>8} {'+RSS, МБ':>8} "
                          f"{'tracemalloc, МБ':>15}  ответ")
        missed = []
        for name, build in CASES.items():
            content = build()
            child = context.Process(target=_measure, args=(content, queue))
            child.start()
            result = queue.get(timeout=600)
            child.join()
            grown = max(0, result["rss"] - baseline)
            refused = bool(result["errors"])
            ok = refused and result["seconds"] < GOAL_SECONDS and grown < GOAL_MB * MB and result["traced"] < GOAL_MB * MB
            if not ok:
                missed.append(name)
            answer = result["errors"][0][:70] if refused else "НЕ ОТКЛОНЁН"
            self.stdout.write(f"{name:<42} {len(content) / 1024:>9.0f} {result['seconds']:>9.2f} "
                              f"{result['rss'] / MB:>8.0f} {grown / MB:>8.0f} {result['traced'] / MB:>15.1f}  "
                              f"{'' if ok else '[ЦЕЛЬ НЕ ДОСТИГНУТА] '}{answer}")
        if missed:
            raise CommandError(f"Цель не достигнута: {', '.join(missed)}")
