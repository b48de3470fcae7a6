"""``python manage.py bench_bases``: the registry bases of a whole region, as the export worker builds them.

A benchmark, not a test (issue: «Registry bases through export jobs»). On the configured database, which
should be a throwaway one, it creates once a bench region of ``--organisations`` schools with ``--people``
participants each (a quarter mentors, the rest mentees; bulk inserts, kept for the next run), then for each
base (mentors, mentees):

1. builds it with the base's exporter (``registry.export_bases``) — the very call the export job makes, with a
   superuser's scope and no filters — and prints the time, the rows, the peak of Python allocations
   (``tracemalloc``, a second run) and the process's max RSS;
2. writes the same number of rows with raw openpyxl (write-only workbook, the people's plain columns read
   with one ``values_list`` query, no pairs, no representatives, no safe cells): the floor for any XLSX
   writer in Python;
3. prints the ratio. The goals: the whole region within 60 s and 200 MB, and at most 1.5× raw openpyxl.

    db=$(mktemp /tmp/bench-XXXX.sqlite3); export DATABASE_URL=sqlite:///$db
    python manage.py migrate -v 0 && python manage.py bench_bases --organisations 1000 --people 400
"""

import datetime
import os
import sys
import tempfile
import time
import tracemalloc

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from openpyxl import Workbook
from registry.commands import max_rss_mib

GOAL_S = 60
GOAL_MB = 200
GOAL_RATIO = 1.5
REGION = "Бенчмарк: регион выгрузки баз"



class Command(BaseCommand):
    help = ("Замеряет выгрузку баз наставников и наставляемых целого региона (время, пик памяти) рядом с "
            "записью тех же строк голым openpyxl. Запускать на временной базе.")

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=1000)
        parser.add_argument("--people", type=int, default=400, help="Участников в каждой организации.")

    def handle(self, *args, organisations, people, **options):
        from registry.models import User
        from registry.scoping import Scope

        settings.DEBUG = False  # no query log growing in memory: a worker runs with DEBUG off
        if self.ensure_region(organisations, people):
            # Measure in a fresh process: the bulk inserts' memory would otherwise count in the max RSS.
            self.stdout.flush()
            os.execv(sys.executable, [sys.executable, *sys.argv])
        self.stdout.write(f"bench_bases: max RSS до выгрузок {max_rss_mib():.0f} MiB")
        user, _created = User.objects.get_or_create(username="bench-bases", defaults={"is_superuser": True})
        scope = Scope.for_user(user)
        verdicts = []
        for base in ("mentors", "mentees"):
            verdicts.append(self.bench(scope, base))
        self.stdout.write("bench_bases: " + ("OK" if all(verdicts) else "цель не достигнута"))

    # --- data ---------------------------------------------------------------------------------------------

    def ensure_region(self, organisations: int, people: int) -> bool:
        """Creates what is missing of the bench region; True when it created anything."""
        from registry.models import (MenteeProfile, MentorProfile, Municipality, Organisation, Participant,
                                     Region)

        region, _created = Region.objects.get_or_create(name=REGION)
        municipality, _created = Municipality.objects.get_or_create(region=region, name="Бенчмарк-район")
        have = Organisation.objects.filter(municipality=municipality).count()
        if have >= organisations:
            return False
        started = time.perf_counter()
        self.stdout.write(f"bench_bases: создаю {organisations - have} организаций по {people} участников…")
        mentors_per = max(1, people // 4)
        for number in range(have, organisations):
            with transaction.atomic():
                organisation = Organisation.objects.create(
                    municipality=municipality, full_name=f"Муниципальная школа № {number + 1}",
                    short_name=f"Школа № {number + 1}", director_name="Иванова Анна Петровна")
                created = Participant.objects.bulk_create([
                    Participant(
                        organisation=organisation, last_name=f"Фамилия{n:03d}", first_name="Имя",
                        patronymic="Отчество", search_name=f"фамилия{n:03d} имя отчество",
                        birth_date=datetime.date(1980 if n < mentors_per else 2011, 1 + n % 12, 1 + n % 28),
                        category=(Participant.Category.TEACHER if n < mentors_per else Participant.Category.STUDENT),
                        class_name="" if n < mentors_per else f"{5 + n % 6}А",
                        phone="+7 900 000-00-00", email=f"p{n}@school{number}.example")
                    for n in range(people)])
                MentorProfile.objects.bulk_create(
                    [MentorProfile(participant=p, capacity=2) for p in created[:mentors_per]])
                MenteeProfile.objects.bulk_create([MenteeProfile(participant=p) for p in created[mentors_per:]])
        self.stdout.write(f"bench_bases: данные готовы за {time.perf_counter() - started:.0f} с")
        return True

    # --- measuring ----------------------------------------------------------------------------------------

    def bench(self, scope, base: str) -> bool:
        from registry import exporters

        def ours():
            handle = exporters.get(base)(scope, {"filters": {}}).build()
            handle.seek(0, 2)
            size = handle.tell()
            handle.close()
            return size

        elapsed, size = self.timed(ours)
        peak = self.traced(ours)
        rss = max_rss_mib()
        raw_elapsed, rows = self.timed(lambda: self.raw(base))
        raw_peak = self.traced(lambda: self.raw(base))
        ratio = elapsed / raw_elapsed if raw_elapsed else float("inf")
        ok = elapsed < GOAL_S and rss < GOAL_MB and ratio <= GOAL_RATIO
        self.stdout.write(
            f"bench_bases {base}: {rows} строк, {elapsed:.1f} с, файл {size / 2**20:.1f} MiB, пик {peak:.1f} MiB, "
            f"max RSS {rss:.0f} MiB | голый openpyxl: {raw_elapsed:.1f} с, пик {raw_peak:.1f} MiB | "
            f"{ratio:.2f}× — " + ("OK" if ok else f"цель: до {GOAL_S} с, {GOAL_MB} МБ и {GOAL_RATIO}×"))
        return ok

    @staticmethod
    def timed(function):
        started = time.perf_counter()
        result = function()
        return time.perf_counter() - started, result

    @staticmethod
    def traced(function) -> float:
        tracemalloc.start()
        try:
            function()
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()

    @staticmethod
    def raw(base: str) -> int:
        """The floor: the same number of rows, plain columns, one query, openpyxl's write-only workbook."""
        from registry.models import Participant

        profile = "mentor_profile" if base == "mentors" else "mentee_profile"
        people = (Participant.objects.filter(**{f"{profile}__isnull": False}, organisation__municipality__region__name=REGION)
                  .order_by("organisation__short_name", "last_name", "pk")
                  .values_list("organisation__short_name", "last_name", "first_name", "patronymic", "birth_date",
                               "class_name", "position", "phone", "email"))
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(base)
        rows = 0
        for row in people.iterator(chunk_size=2000):
            sheet.append(row)
            rows += 1
        with tempfile.TemporaryFile(suffix=".xlsx") as handle:
            workbook.save(handle)
        return rows
