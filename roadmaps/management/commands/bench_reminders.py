"""``python manage.py bench_reminders``: times the daily deadline scan on a large synthetic district.

A benchmark, not a test. Inside one transaction that is rolled back at the end, it writes a
municipality with ``--organisations`` organisations (1,000), each with two responsible people (who share
every item: the worst case), one roadmap and ``--items`` items (60) with one occurrence each. Due dates
are spread from 60 days ago to 120 days ahead, so that some are due in 7 days, some tomorrow and many
are overdue; a share of the past ones are done or cancelled. Then it runs
``roadmaps.reminders.send_daily_reminders`` (the scan of that day alone, no catch-up, then the sending
of the outbox letter by letter) with the in-memory e-mail backend and prints its time and
query count, its peak traced memory (separate runs, tracemalloc slows it down; once with the locmem
outbox keeping every letter, once with the dummy backend) and a second run of the same day, which must
send nothing. Works on the database of DATABASE_URL (SQLite by default); the
written rows are ANALYZEd first, as autovacuum would have done on a live database, and the URLconf is
loaded before the clock starts, as in a worker that has run a task before.

The last line is the verdict against issue 16's goal (``GOAL_SECONDS`` for 1,000 organisations × 60
items; the query count independent of the number of items, which tests/test_reminder_scale.py asserts):
``bench_reminders … — OK`` or ``— цель не достигнута``. On a machine shared with other work the wall time
says little: the line also gives the CPU time of this process and, on a local PostgreSQL, of its server
process, which the load does not inflate.
"""

import datetime
import os
import random
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings
from django.urls import get_resolver
from django.utils import timezone

from registry.models import AcademicYear, Municipality, Organisation, Region, RoleAssignment
from registry.scoping import Role
from roadmaps.models import Occurrence, Reminder, Roadmap, RoadmapItem
from roadmaps.reminders import CHUNK_SIZE, send_daily_reminders
from registry.commands import QueryCounter, positive

BATCH = 2000
GOAL_SECONDS = 5.0


class Rollback(Exception):
    pass




class Command(BaseCommand):
    help = ("Замеряет ежедневную рассылку напоминаний о сроках дорожных карт на синтетическом районе: время, "
            "число запросов и пик памяти (tracemalloc). Данные пишутся в транзакции и откатываются.")

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=positive, default=1000, help="Сколько организаций.")
        parser.add_argument("--items", type=positive, default=60, help="Сколько мероприятий в дорожной карте.")
        parser.add_argument("--chunk-size", type=positive, default=CHUNK_SIZE, help="Пользователей за проход.")
        parser.add_argument("--seed", type=int, default=1, help="Начальное значение генератора.")

    def handle(self, *args, organisations, items, chunk_size, seed, **options):
        today = timezone.localdate()
        results = {}
        try:
            with transaction.atomic(), override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                started = time.perf_counter()
                counts = build(organisations=organisations, items=items, today=today, seed=seed)
                # A live database has planner statistics (autovacuum, or sqlite's optimize); rows just
                # written in this transaction have none, and the planner would guess from empty tables.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                results["build"] = time.perf_counter() - started

                get_resolver().url_patterns  # noqa: B018 -- imports the views once, as a worker has
                mail.outbox = []
                counter = QueryCounter()
                with transaction.atomic():
                    server = server_cpu()
                    cpu = time.process_time()
                    started = time.perf_counter()
                    with connection.execute_wrapper(counter):
                        summary = send_daily_reminders(today, chunk_size=chunk_size, catch_up=0)
                    results["time"] = time.perf_counter() - started
                    results["cpu"] = time.process_time() - cpu
                    results["server_cpu"] = server_cpu() - server if server is not None else None
                    results["queries"] = counter.count
                    results["summary"] = summary
                    results["letters"] = len(mail.outbox)
                    results["rows"] = Reminder.objects.filter(day=today).count()
                    mail.outbox = []

                    again = QueryCounter()
                    started = time.perf_counter()
                    with connection.execute_wrapper(again):
                        second = send_daily_reminders(today, chunk_size=chunk_size, catch_up=0)
                    results["second_time"] = time.perf_counter() - started
                    results["second_queries"] = again.count
                    results["second"] = second
                    results["second_letters"] = len(mail.outbox)
                    mail.outbox = []
                    transaction.set_rollback(True)

                # Peak memory twice: with the locmem backend, whose outbox keeps every letter, and with
                # the dummy backend, which keeps none: the scan's own memory.
                for key, backend in (("peak", "locmem"), ("peak_own", "dummy")):
                    with transaction.atomic(), override_settings(
                            EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend"):
                        tracemalloc.start()
                        send_daily_reminders(today, chunk_size=chunk_size, catch_up=0)
                        _, results[key] = tracemalloc.get_traced_memory()
                        tracemalloc.stop()
                        mail.outbox = []
                        transaction.set_rollback(True)
                raise Rollback
        except Rollback:
            pass

        summary, second = results["summary"], results["second"]
        self.stdout.write(
            f"Данные ({connection.vendor}) за {results['build']:.1f} с: {organisations} организаций, "
            f"{counts['users']} ответственных, {counts['items']} мероприятий, {counts['occurrences']} сроков "
            f"(открытых: через неделю {counts['week']}, завтра {counts['day']}, просрочено {counts['overdue']})."
        )
        self.stdout.write(
            f"Сканирование и отправка: {results['time']:.2f} с, запросов {results['queries']}, "
            f"пик tracemalloc {results['peak'] / 2**20:.1f} MiB ({results['peak_own'] / 2**20:.1f} MiB без "
            f"locmem-ящика), ответственных {summary.users}, напоминаний {results['rows']}, писем "
            f"{results['letters']}; повторный запуск {results['second_time']:.2f} с, запросов "
            f"{results['second_queries']}, писем {results['second_letters']} (пропущено {second.emails_skipped})."
        )
        cpu = f"процессор: Python {results['cpu']:.2f} с"
        if results["server_cpu"] is not None:
            cpu += f", сервер БД {results['server_cpu']:.2f} с"
        ok = results["time"] <= GOAL_SECONDS and results["second_letters"] == 0
        self.stdout.write(
            f"bench_reminders ({connection.vendor}) {organisations} организаций × {items} мероприятий, "
            f"пачка {chunk_size}: {results['time']:.2f} с (цель ≤ {GOAL_SECONDS:.0f} с; {cpu}), запросов "
            f"{results['queries']} (не зависит от числа мероприятий), писем {results['letters']}, повторно "
            f"{results['second_letters']} — " + ("OK" if ok else "цель не достигнута")
        )


def server_cpu() -> float | None:
    """CPU seconds the database server process of this connection has used: PostgreSQL on this machine
    (``/proc``), else None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # another machine, or no /proc
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build(*, organisations: int, items: int, today: datetime.date, seed: int) -> dict:
    """The synthetic district, written with bulk_create."""
    rng = random.Random(seed)
    stamp = time.time_ns()
    year = AcademicYear.objects.current()
    region, _ = Region.objects.get_or_create(name="Регион для замера")
    municipality = Municipality.objects.create(region=region, name=f"Район для замера {stamp}")
    orgs = Organisation.objects.bulk_create(
        [Organisation(municipality=municipality, short_name=f"Школа № {n}", full_name=f"Школа для замера № {n}")
         for n in range(1, organisations + 1)], batch_size=BATCH)
    User = get_user_model()
    people = User.objects.bulk_create(
        [User(username=f"bench-{stamp}-{n}", password="!", email=f"bench{n}@example.org", first_name="Анна",
              last_name=f"Ответственная{n}") for n in range(1, 2 * organisations + 1)], batch_size=BATCH)
    # Reminders go only to a role in force that reaches the roadmap (roadmaps.reminders): both people work
    # in their school.
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=people[2 * index + k], role=Role.WORKING_GROUP, organisation=org)
         for index, org in enumerate(orgs) for k in (0, 1)], batch_size=BATCH)
    roadmaps = Roadmap.objects.bulk_create(
        [Roadmap(organisation=org, academic_year=year, title="Дорожная карта для замера") for org in orgs],
        batch_size=BATCH)
    deadline = {"kind": "year", "text": "в течение года"}
    created = RoadmapItem.objects.bulk_create(
        [RoadmapItem(roadmap=roadmap, stage_number=1 + n // 10, stage_title="Этап",
                     number=f"{1 + n // 10}.{n % 10 + 1}", title=f"Мероприятие {n + 1} дорожной карты",
                     deadline=deadline, position=n + 1)
         for roadmap in roadmaps for n in range(items)], batch_size=BATCH)
    through = RoadmapItem.responsible_users.through
    through.objects.bulk_create(
        [through(roadmapitem_id=item.pk, user_id=people[2 * index + k].pk)
         for index in range(organisations) for item in created[index * items:(index + 1) * items] for k in (0, 1)],
        batch_size=BATCH * 2)
    counts = {"users": len(people), "items": len(created), "occurrences": 0, "week": 0, "day": 0, "overdue": 0}
    occurrences = []
    for item in created:
        offset = rng.randint(-60, 120)
        due_on = today + datetime.timedelta(days=offset)
        status = Occurrence.Status.NOT_STARTED
        if offset < 0:
            status = rng.choices([Occurrence.Status.DONE, Occurrence.Status.IN_PROGRESS, Occurrence.Status.NOT_STARTED,
                                  Occurrence.Status.CANCELLED], weights=(5, 2, 2, 1))[0]
        occurrences.append(Occurrence(item=item, starts_on=due_on - datetime.timedelta(days=30), due_on=due_on,
                                      status=status, done_on=due_on if status == Occurrence.Status.DONE else None))
        if status in (Occurrence.Status.NOT_STARTED, Occurrence.Status.IN_PROGRESS):
            counts["week"] += offset == 7
            counts["day"] += offset == 1
            counts["overdue"] += offset < 0
    Occurrence.objects.bulk_create(occurrences, batch_size=BATCH)
    counts["occurrences"] = len(occurrences)
    return counts
