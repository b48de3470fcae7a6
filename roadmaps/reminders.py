"""Deadline reminders: the daily scan records in-app reminders and queues one e-mail digest per user and
day in the outbox; ``roadmaps.outbox`` delivers the queue, at least once.

**The scan** (``scan_reminders``; Celery beat at 07:00 Moscow time, ``roadmaps.tasks``) gives every active
user responsible for a roadmap item an in-app reminder for each open occurrence of it that is

- due in exactly 7 days (``WEEK_BEFORE``),
- due tomorrow (``DAY_BEFORE``),
- overdue (``OVERDUE``): on the first scan after the deadline, then once a week while it stays open
  (no new overdue reminder while one from the six previous days exists), so a deadline moved into the
  past is reminded at once.

In the same transaction, chunk by chunk, it writes for each user who has reminders that day, wants e-mail
(``User.email_reminders``) and has an address ONE ``ReminderDigest`` row, pending, holding what the letter
says (the greeting, the lines, the reminders' ids; ``roadmaps.digests``). The scan never sends. A scan
killed half-way leaves whole chunks (reminders with their digest rows, or neither); the next run does the
rest.

An overdue occurrence also becomes a notice in the portal (``registry.notifications``: the bell and the
«Уведомления» list), once per occurrence and deadline, without a letter of its own: the digest is its letter.

Nothing is recorded twice, whether the scan runs twice or on two workers at the same moment:

- a reminder is a row unique on (occurrence, user, kind, day), inserted with ``ON CONFLICT DO NOTHING``
  (``registry.bulk_insert``, one statement per chunk), so a second insert is a no-op;
- a digest is a row unique on (user, day), inserted by ``INSERT … ON CONFLICT DO NOTHING RETURNING``: a
  second run (or the other worker) finds the row and leaves it as it is (``emails_skipped``). Reminders a
  later run of the same day adds show in the portal but are not mailed.

**Catch-up.** ``ReminderRun`` remembers the days the scan completed. A run first scans, oldest first, every
day missed since the last completed one, at most ``MAX_CATCH_UP`` days back, then its own day; a missed
day's reminders and digest rows are recorded with that day (its letter is dated so, and a user gets one
letter per missed day). The first run ever scans only its own day. The sending task, every few minutes,
also runs the scan when today's has not completed by ``LATE_SCAN_AFTER``, so a broker or worker down at
07:00 delays the reminders until it is back, and an outage of up to two weeks loses none (a longer one
loses the days beyond the two weeks). A day scanned twice (a second run that day, two workers, the
task's explicit ``day``) records and queues nothing twice: the rows are unique.

Recipients are re-checked (``roadmaps.recipients``): a reminder (and a line of the digest) goes only to a
user whose role is in force on the run's day (``RoleAssignment.objects.current``; on caught-up days too,
so whoever left since is not told of them) and reaches the roadmap's organisation or municipality
(``Grant.reaches`` / ``reaches_municipality``, the scoping rule). Someone who left the school keeps being
named as responsible until the roadmap is edited, but is told nothing about it. The sending step checks
all of it again when it sends, with the opt-out and the address.

After the run, reminders, digests and scan records older than a year (``KEEP_FOR``) are removed.

Users are processed in chunks of ``CHUNK_SIZE`` (their ids read by one query per scanned day): a fixed
number of queries per chunk and scanned day whatever the number of items and occurrences, and memory
bounded by one chunk.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation

from registry import notifications
from registry.bulk_insert import insert_rows_ignoring_conflicts
from registry.heap import settled_heap
from registry.models import AcademicYear, Notification
from registry.scoping import Grant
from roadmaps.digests import Digest, DigestLine, RoadmapUrls
from roadmaps.models import Occurrence, Period, Reminder, ReminderDigest, ReminderRun
from roadmaps.outbox import send_pending_digests
from roadmaps.recipients import CLOSED_STATUSES, OPEN_STATUSES, OWNER_FIELDS, Reach, grants_on

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)
# How long reminders, digests and scan records are kept: the scan itself looks back a week; a year keeps
# the notification list meaningful without letting the tables grow for ever.
KEEP_FOR = datetime.timedelta(days=365)
# How many missed days a run catches up at most, before its own day.
MAX_CATCH_UP = 14
# The sending task runs the scan itself when today's has not completed by then (beat runs it at 07:00,
# CELERY_BEAT_SCHEDULE in config/settings.py).
LATE_SCAN_AFTER = datetime.time(7, 30)
Status = ReminderDigest.Status


@dataclass
class Summary:
    day: datetime.date
    caught_up: list[datetime.date] = field(default_factory=list)  # missed days scanned before ``day``
    users: int = 0            # responsible users with something to be reminded of (per scanned day)
    reminders: int = 0        # reminders due on the scanned days (recorded now or by an earlier run)
    emails_queued: int = 0    # digest rows this run wrote
    emails_skipped: int = 0   # digest already queued for that day, by an earlier run or another worker
    emails_sent: int = 0      # letters the sending step that followed the scan delivered
    emails_failed: int = 0    # letters it tried and the mail server did not accept (retried or given up)
    forgotten: int = 0        # reminders and digests older than KEEP_FOR, removed after the run

    def as_dict(self) -> dict:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["caught_up"] = [day.isoformat() for day in self.caught_up]
        return data


def _due(today: datetime.date, prefix: str = "") -> Q:
    """Due dates that ask for a reminder today; ``prefix`` is the lookup path to the occurrence."""
    return Q(**{f"{prefix}due_on__in": (today + WEEK, today + DAY)}) | Q(**{f"{prefix}due_on__lt": today})


def _kind(due_on: datetime.date, today: datetime.date) -> str | None:
    if due_on == today + WEEK:
        return Reminder.Kind.WEEK_BEFORE
    if due_on == today + DAY:
        return Reminder.Kind.DAY_BEFORE
    if due_on < today:
        return Reminder.Kind.OVERDUE
    return None


def _user_chunks(today: datetime.date, size: int):
    """Ids of active users responsible for something to remind of, ``size`` at a time: all of them read
    by one query (integers: a few hundred kilobytes for a whole region), then cut into chunks."""
    User = get_user_model()
    # One filter() call: the item and occurrence conditions hold for the same joined rows.
    responsible = list(User.objects.filter(
        _due(today, "roadmap_items__occurrences__"), is_active=True, roadmap_items__is_removed=False,
        roadmap_items__occurrences__status__in=OPEN_STATUSES,
    ).order_by("pk").values_list("pk", flat=True).distinct())
    for start in range(0, len(responsible), size):
        yield responsible[start:start + size]


def _current_plans(today: datetime.date) -> Q:
    start = AcademicYear.start_year_for(today)
    return (Q(item__roadmap__academic_year__start_year__gte=start)
            | Q(item__roadmap__period=Period.CALENDAR, item__roadmap__academic_year__start_year=start - 1))


def _record_reminders(user_ids: list[int], today: datetime.date, grants: dict[int, list[Grant]]) -> int:
    """Insert the chunk's reminders for ``today``, the scanned day; rows that exist already are left alone.
    Three queries, and the overdue items' notices (``registry.notifications.record``: three more), whatever
    the number of items and occurrences."""
    # "Not closed" rather than "status IN open": SQLite would otherwise start from the status index and
    # probe every open occurrence against each of the chunk's users, instead of starting from the users.
    rows = (
        Occurrence.objects.filter(_due(today), ~Q(status__in=CLOSED_STATUSES),
                                  # Last year's unfinished items are history, not today's work; a calendar
                                  # plan belongs to the school year of its January, so it runs one more.
                                  _current_plans(today),
                                  item__is_removed=False, item__responsible_users__in=user_ids)
        .order_by().values_list("pk", "due_on", "item__responsible_users", "item__number", "item__title",
                                "item__roadmap_id", *(f"item__{f}" for f in OWNER_FIELDS))
    )
    reminded_lately = set(
        Reminder.objects.filter(user_id__in=user_ids, kind=Reminder.Kind.OVERDUE,
                                day__gte=today - datetime.timedelta(days=6), day__lt=today)
        .order_by().values_list("occurrence_id", "user_id")
    )
    reminders, notices, urls, overdue = [], [], RoadmapUrls(), {}
    reach = Reach(grants)
    notice_text = translation.gettext("Прошёл срок мероприятия дорожной карты %(number)s «%(title)s» (%(date)s), "
                                      "за которое вы отвечаете.")
    for occurrence_id, due_on, user_id, number, title, roadmap_id, *owner in rows.iterator(chunk_size=2000):
        if not reach(user_id, owner):
            continue  # no longer in a role that reaches this roadmap
        kind = _kind(due_on, today)
        if kind == Reminder.Kind.OVERDUE:
            # The text, link and key once per occurrence, whatever the number of its responsible users.
            told = overdue.get(occurrence_id)
            if told is None:
                told = overdue[occurrence_id] = (
                    notice_text % {"number": number, "title": " ".join(title.split())[:300],
                                   "date": f"{due_on.day:02d}.{due_on.month:02d}.{due_on.year}"},
                    urls(roadmap_id) + "?status=overdue", f"roadmap-overdue:{occurrence_id}:{due_on.isoformat()}")
            notices.append(notifications.Notice(user_id=user_id, kind=Notification.Kind.ROADMAP_OVERDUE, text=told[0],
                                                url=told[1], key=told[2], email=False))
        if kind is None or (kind == Reminder.Kind.OVERDUE and (occurrence_id, user_id) in reminded_lately):
            continue
        reminders.append((occurrence_id, user_id, kind, today))
    # Always the same order of the unique key: two workers inserting the same rows at once then wait
    # for each other row by row instead of deadlocking (PostgreSQL) on rows taken in opposite orders.
    reminders.sort()
    insert_rows_ignoring_conflicts(Reminder, ("occurrence_id", "user_id", "kind", "day"), reminders)
    # The overdue item in the portal's notices (the bell), once per occurrence and deadline: a deadline
    # moved makes a new one. No letter of its own: the day's digest already lists it.
    notifications.record(notices)
    return len(reminders)


def _greeting_name(user) -> str:
    """«Анна Ивановна», as one addresses a colleague; the full name or login when that is missing."""
    return " ".join(part for part in (user.first_name, user.patronymic) if part) or user.display_name


def _digests(user_ids, day: datetime.date, grants: dict[int, list[Grant]]) -> list[Digest]:
    """The letters of ``day`` for the chunk's users who want e-mail and have an address: two queries."""
    User = get_user_model()
    people = (User.objects.filter(pk__in=list(user_ids), is_active=True, email_reminders=True).exclude(email="")
              .only("email", "username", "first_name", "last_name", "patronymic"))
    digests = {user.pk: Digest(user_id=user.pk, email=user.email, name=_greeting_name(user), day=day)
               for user in people}
    if not digests:
        return []
    roadmap_url = RoadmapUrls(settings.SITE_URL.rstrip("/"))
    reach = Reach(grants)
    # Filtered on the reminder's own columns only, so that the database starts from the users' reminders
    # of the day; whether the occurrence is still open is checked here (SQLite would otherwise start
    # from every open occurrence).
    rows = (
        Reminder.objects.filter(user_id__in=list(digests), day=day)
        .order_by().values_list("pk", "user_id", "kind", "occurrence__status", "occurrence__item__is_removed",
                                "occurrence__due_on", "occurrence__item__number", "occurrence__item__title",
                                "occurrence__item__roadmap_id", "occurrence__item__roadmap__title",
                                "occurrence__item__roadmap__organisation__short_name",
                                "occurrence__item__roadmap__municipality__name",
                                *(f"occurrence__item__{f}" for f in OWNER_FIELDS))
    )
    for (reminder_id, user_id, kind, status, removed, due_on, number, title, roadmap_id, roadmap_title,
         organisation, municipality, *owner) in rows:
        if status not in OPEN_STATUSES or removed:
            continue  # done or removed since the reminder was recorded
        if not reach(user_id, owner):
            continue  # the role ended since the reminder was recorded
        digests[user_id].lines.append(DigestLine(
            kind=kind, due_on=due_on, number=number, title=" ".join(title.split()),
            owner=organisation or municipality or "", roadmap_title=roadmap_title, url=roadmap_url(roadmap_id),
            reminder=reminder_id,
        ))
        digests[user_id].reminder_ids.append(reminder_id)
    return [digest for digest in digests.values() if digest.lines]


# The columns the scan writes into a new digest row, in this order (``_queue_digests``).
QUEUED_FIELDS = ("user", "day", "status", "content", "queued_at", "next_attempt_at", "attempts", "last_error")
# Rows per INSERT statement: well within SQLite's limit on parameters.
QUEUE_BATCH = 500


def _queue_digests(digests: list[Digest], day: datetime.date) -> set[int]:
    """Write the digest rows (pending); return the users whose row THIS call created.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite ≥ 3.35) is one atomic statement:
    of two workers inserting the same row, exactly one gets it back; the other waits for the first
    to commit (PostgreSQL) or for the write lock (SQLite) and then inserts nothing. One statement per
    ``QUEUE_BATCH`` users (on PostgreSQL one for all, from arrays), in the order of their ids (two workers
    then never deadlock on each other).
    """
    if not digests:
        return set()
    connection = connections[router.db_for_write(ReminderDigest)]
    qn = connection.ops.quote_name
    fields = [ReminderDigest._meta.get_field(name) for name in QUEUED_FIELDS]
    table = qn(ReminderDigest._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    user_column = qn(fields[0].column)
    now = timezone.now()
    digests = sorted(digests, key=lambda d: d.user_id)
    created = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the chunk: the users as an array and the contents as ONE JSON array,
            # side by side (ROWS FROM), the rest the same for every row; no thousands of parameters for
            # the driver to quote (nor a text array, whose every quotation mark it would escape).
            constants = [fields[i].get_db_prep_save(value, connection)
                         for i, value in ((1, day), (2, Status.PENDING), (4, now), (5, now), (6, 0), (7, ""))]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT batch.user_id, %s::date, %s, batch.content, %s, %s, %s, %s "
                f"FROM ROWS FROM (unnest(%s::bigint[]), jsonb_array_elements(%s::jsonb)) AS batch(user_id, content) "
                f"ON CONFLICT DO NOTHING RETURNING {user_column}",
                [*constants, [d.user_id for d in digests],
                 json.dumps([d.content() for d in digests], ensure_ascii=False)],
            )
            return {row[0] for row in cursor.fetchall()}
        rows = [
            [f.get_db_prep_save(value, connection) for f, value in
             zip(fields, (digest.user_id, day, Status.PENDING, digest.content(), now, now, 0, ""), strict=True)]
            for digest in digests
        ]
        row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), QUEUE_BATCH):
            batch = rows[start:start + QUEUE_BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_placeholder] * len(batch))} "
                f"ON CONFLICT DO NOTHING RETURNING {user_column}",
                [value for row in batch for value in row],
            )
            created.update(row[0] for row in cursor.fetchall())
    return created


# --- the scan ----------------------------------------------------------------------------------------


def days_to_scan(today: datetime.date, catch_up: int = MAX_CATCH_UP) -> list[datetime.date]:
    """The missed days since the last completed scan (at most ``catch_up`` of them), then ``today``."""
    last = ReminderRun.objects.aggregate(last=Max("day"))["last"]
    if last is None or last >= today - DAY:
        return [today]
    first = max(last + DAY, today - catch_up * DAY)
    return [first + n * DAY for n in range((today - first).days + 1)]


def _scan_day(day: datetime.date, today: datetime.date, chunk_size: int, summary: Summary) -> None:
    """Record ``day``'s reminders and queue its digests, one transaction per chunk of users."""
    for user_ids in _user_chunks(day, chunk_size):
        with transaction.atomic():
            grants = grants_on(user_ids, today)  # recipients re-checked: roles in force on the run's day
            summary.users += len(user_ids)
            summary.reminders += _record_reminders(user_ids, day, grants)
            digests = _digests(user_ids, day, grants)
            queued = _queue_digests(digests, day)
            summary.emails_queued += len(queued)
            summary.emails_skipped += len(digests) - len(queued)
    # Remembered only once the whole day is done: a scan killed half-way is done again (idempotently).
    ReminderRun.objects.bulk_create([ReminderRun(day=day, completed_at=timezone.now())], update_conflicts=True,
                                    unique_fields=["day"], update_fields=["completed_at"])


def scan_reminders(today: datetime.date | None = None, *, chunk_size: int = CHUNK_SIZE,
                   catch_up: int = MAX_CATCH_UP) -> Summary:
    """Record the in-app reminders and queue the digests of ``today`` (Moscow date) and of the days missed
    before it; sends nothing. Safe to run twice or concurrently."""
    today = today or timezone.localdate()
    days = days_to_scan(today, catch_up)
    summary = Summary(day=today, caught_up=days[:-1])
    if summary.caught_up:
        logger.warning("Roadmap reminders: catching up the missed days %s",
                       ", ".join(day.isoformat() for day in summary.caught_up))
    with translation.override(settings.LANGUAGE_CODE):
        for day in days:
            _scan_day(day, today, chunk_size, summary)
    summary.forgotten = forget_old(today)
    return summary


def scan_is_late(now: datetime.datetime | None = None) -> bool:
    """Whether today's scan should have completed by now and has not (the beat run at 07:00 was missed)."""
    local = timezone.localtime(now)
    return local.time() >= LATE_SCAN_AFTER and not ReminderRun.objects.filter(day=local.date()).exists()


def send_daily_reminders(today: datetime.date | None = None, *, chunk_size: int = CHUNK_SIZE,
                         catch_up: int = MAX_CATCH_UP) -> Summary:
    """The daily run: the scan (with the missed days), then the sending step over the whole outbox."""
    with settled_heap():  # thousands of rows and letters: the collector leaves the loaded app alone
        summary = scan_reminders(today, chunk_size=chunk_size, catch_up=catch_up)
        delivery = send_pending_digests()
    summary.emails_sent = delivery.sent
    summary.emails_failed = delivery.retrying + delivery.failed
    logger.info("Roadmap reminders for %s: %s; delivery %s", summary.day, summary.as_dict(), delivery.as_dict())
    return summary


def record_in_app(today: datetime.date) -> int:
    """Only the in-app part of a day's scan: reminders and overdue notices, no digests (the demo loader).
    Returns how many reminders are new."""
    before = Reminder.objects.count()
    with translation.override(settings.LANGUAGE_CODE):
        for user_ids in _user_chunks(today, CHUNK_SIZE):
            _record_reminders(user_ids, today, grants_on(user_ids, today))
    return Reminder.objects.count() - before


def forget_old(today: datetime.date) -> int:
    """Remove reminders, digests and scan records older than ``KEEP_FOR``; returns how many reminders and
    digests went."""
    before = today - KEEP_FOR
    reminders, _by_model = Reminder.objects.filter(day__lt=before).delete()
    digests, _by_model = ReminderDigest.objects.filter(day__lt=before).delete()
    ReminderRun.objects.filter(day__lt=before).delete()
    return reminders + digests
