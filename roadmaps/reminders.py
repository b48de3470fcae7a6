"""Deadline reminders as an outbox: the daily scan records in-app reminders and queues one e-mail digest
per user and day; a separate sending step delivers the queue, at least once.

**The scan** (``scan_reminders``; Celery beat at 07:00 Moscow time, ``roadmaps.tasks``) gives every active
user responsible for a roadmap item an in-app reminder for each open occurrence of it that is

- due in exactly 7 days (``WEEK_BEFORE``),
- due tomorrow (``DAY_BEFORE``),
- overdue (``OVERDUE``): on the first scan after the deadline, then once a week while it stays open
  (no new overdue reminder while one from the six previous days exists), so a deadline moved into the
  past is reminded at once.

In the same transaction, chunk by chunk, it writes for each user who has reminders that day, wants e-mail
(``User.email_reminders``) and has an address ONE ``ReminderDigest`` row, pending, holding what the letter
says (the greeting, the lines, the reminders' ids). The scan never sends. A scan killed half-way leaves
whole chunks (reminders with their digest rows, or neither); the next run does the rest.

Nothing is recorded twice, whether the scan runs twice or on two workers at the same moment:

- a reminder is a row unique on (occurrence, user, kind, day), inserted with ``ON CONFLICT DO NOTHING``
  (``bulk_create(ignore_conflicts=True)``), so a second insert is a no-op;
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

**The sending step** (``send_pending_digests``; right after the scan, and by beat every five minutes)
delivers the due pending rows one at a time:

1. claim: a conditional ``UPDATE`` sets status pending → sending, ``claimed_at`` = now and one more
   attempt, where the row is still pending, due and as this worker read it (same attempts). Of two
   workers only one changes the row (PostgreSQL re-reads the condition after waiting for the other's
   commit, SQLite serialises writers); the other skips it (``busy``);
2. send it through the e-mail backend with the row's ``Message-ID``, ``<digest-{pk}-{day}@{SITE_URL's
   host}>``, the same (with the same content) on every attempt; ``EMAIL_TIMEOUT`` bounds every wait on
   the SMTP server;
3. only after the server accepted it, mark it sent (``sent_at``), still on the condition that this
   worker's claim holds; then the listed reminders' ``emailed_at`` (shown in the portal; a worker dying
   between the two loses only that mark).

A letter the server refused, or a timeout, puts the row back to pending with ``last_error`` and a later
``next_attempt_at`` (``RETRY_AFTER``: 1, 5, 15, 60 minutes, then 3, 6 and 12 hours); after
``MAX_ATTEMPTS`` attempts it is marked failed with the reason (admin, error log). After
``STOP_AFTER_FAILURES`` failures in a row the run stops: the server seems down, and the remaining rows
wait untouched for the next run. A user who opted out, was deactivated or lost the address since the
scan gets nothing (cancelled). A row left in sending longer than ``LEASE`` belongs to a worker that died:
the next run puts it back to pending (failed once its attempts are used up) and sends it again.

**The duplicate window.** Delivery is at least once (until the attempts are used up, when the row is
failed and says why), and there is exactly one way to send a letter twice: the worker dies (or loses the
database) after the SMTP server accepted the letter and before the row is marked sent. When the lease has
expired the letter goes out again — the same content under the same ``Message-ID``, so a mail system that
deduplicates on it shows one. A worker still alive but slower than the lease is the same case (its late
mark is refused and logged); each wait on the server is bounded by ``EMAIL_TIMEOUT``, so a send lasts
far less than the lease.

Recipients are re-checked: a reminder (and a line of the digest) goes only to a user whose role is in
force on the run's day (``RoleAssignment.objects.current``; on caught-up days too, so whoever left since
is not told of them) and reaches the roadmap's organisation or municipality (``Grant.reaches`` /
``reaches_municipality``, the scoping rule). Someone who left the school keeps being named as responsible
until the roadmap is edited, but is told nothing about it. What a queued letter lists is fixed when it
is queued; the opt-out and the address are read again when it is sent.

After the run, reminders, digests and scan records older than a year (``KEEP_FOR``) are removed.

Users are processed in chunks of ``CHUNK_SIZE`` by keyset pagination: a fixed number of queries per
chunk and scanned day whatever the number of occurrences, and memory bounded by one chunk. The sending
step costs a fixed number of queries per letter.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections, router, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from registry.models import AcademicYear, RoleAssignment
from registry.scoping import Grant
from roadmaps.models import Occurrence, Reminder, ReminderDigest, ReminderRun

logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
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
# How long a sending worker holds a claimed row; a row in "sending" for longer is taken back. Far longer
# than one letter can take with EMAIL_TIMEOUT (a connection, a few SMTP commands, each bounded).
LEASE = datetime.timedelta(minutes=10)
# Wait before the next attempt after the 1st, 2nd… failed one; the attempt after the last is the final.
RETRY_AFTER = tuple(datetime.timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# Failed letters in a row after which a sending run gives up until the next one: the server is down.
STOP_AFTER_FAILURES = 3
CLOSED_STATUSES = (Occurrence.Status.DONE, Occurrence.Status.CANCELLED)
OPEN_STATUSES = tuple(status for status in Occurrence.Status.values if status not in CLOSED_STATUSES)
# The order of the digest's sections: the most urgent first.
DIGEST_ORDER = (Reminder.Kind.OVERDUE, Reminder.Kind.DAY_BEFORE, Reminder.Kind.WEEK_BEFORE)
Status = ReminderDigest.Status


@dataclass
class Delivery:
    """What one sending run did."""

    sent: int = 0
    retrying: int = 0    # refused or timed out: pending again, to be tried later
    failed: int = 0      # refused for the last allowed time: given up, the reason kept
    cancelled: int = 0   # the user no longer wants or cannot get e-mail
    busy: int = 0        # claimed by another worker first
    released: int = 0    # claims of dead workers (lease expired) taken back before the run
    stopped: bool = False  # the run gave up after STOP_AFTER_FAILURES failures in a row

    def as_dict(self) -> dict:
        return asdict(self)


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


@dataclass
class DigestLine:
    kind: str
    due_on: datetime.date
    number: str
    title: str
    owner: str
    roadmap_title: str
    url: str


@dataclass
class Digest:
    user_id: int
    email: str
    name: str
    day: datetime.date
    lines: list[DigestLine] = field(default_factory=list)
    reminder_ids: list[int] = field(default_factory=list)

    def sections(self) -> list[dict]:
        by_kind = defaultdict(list)
        for line in self.lines:
            by_kind[line.kind].append(line)
        titles = {
            Reminder.Kind.OVERDUE: translation.gettext("Срок прошёл"),
            Reminder.Kind.DAY_BEFORE: translation.gettext("Завтра срок"),
            Reminder.Kind.WEEK_BEFORE: translation.gettext("Через неделю срок"),
        }
        return [{"kind": kind, "title": titles[kind], "lines": sorted(by_kind[kind], key=_line_order)}
                for kind in DIGEST_ORDER if by_kind.get(kind)]

    def content(self) -> dict:
        """What the outbox row keeps (``ReminderDigest.content``): everything the letter shows."""
        return {
            "name": self.name,
            "lines": [{**asdict(line), "due_on": line.due_on.isoformat()} for line in self.lines],
            "reminders": sorted(self.reminder_ids),
        }

    @classmethod
    def from_row(cls, row: ReminderDigest, email: str) -> Digest:
        content = row.content or {}
        lines = [DigestLine(**{**line, "due_on": datetime.date.fromisoformat(line["due_on"])})
                 for line in content.get("lines", ())]
        return cls(user_id=row.user_id, email=email, name=content.get("name", ""), day=row.day, lines=lines,
                   reminder_ids=list(content.get("reminders", ())))


def _line_order(line: DigestLine):
    return (line.due_on, line.owner, line.roadmap_title, line.number)


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
    """Ids of active users responsible for something to remind of, ``size`` at a time (keyset paging)."""
    User = get_user_model()
    # One filter() call: the item and occurrence conditions hold for the same joined rows.
    responsible = User.objects.filter(
        _due(today, "roadmap_items__occurrences__"), is_active=True, roadmap_items__is_removed=False,
        roadmap_items__occurrences__status__in=OPEN_STATUSES,
    )
    last = 0
    while True:
        chunk = list(responsible.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True).distinct()[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def _grants(user_ids, today: datetime.date) -> dict[int, list[Grant]]:
    """Each user's roles in force today, as scoping grants: one query."""
    grants = defaultdict(list)
    rows = RoleAssignment.objects.current(today).filter(user_id__in=list(user_ids)).values_list(
        "user_id", "role", "region_id", "municipality_id", "organisation_id", "organisation__municipality_id")
    for user_id, *grant in rows:
        grants[user_id].append(Grant(*grant))
    return grants


def _reaches(grants: list[Grant], org_id, org_municipality_id, org_region_id, municipality_id,
             municipality_region_id) -> bool:
    """Whether a user's current roles reach a roadmap of this organisation (or of this municipality):
    the scoping rule itself (``Grant``), applied to the owner's ids read with the occurrence."""
    if org_id:
        organisation = SimpleNamespace(pk=org_id, municipality_id=org_municipality_id,
                                       municipality=SimpleNamespace(region_id=org_region_id))
        return any(grant.reaches(organisation) for grant in grants)
    municipality = SimpleNamespace(pk=municipality_id, region_id=municipality_region_id)
    return any(grant.reaches_municipality(municipality) for grant in grants)


OWNER_FIELDS = ("roadmap__organisation_id", "roadmap__organisation__municipality_id",
                "roadmap__organisation__municipality__region_id", "roadmap__municipality_id",
                "roadmap__municipality__region_id")


def _record_reminders(user_ids: list[int], today: datetime.date, grants: dict[int, list[Grant]]) -> int:
    """Insert the chunk's reminders for ``today``, the scanned day; rows that exist already are left alone.
    Three queries."""
    # "Not closed" rather than "status IN open": SQLite would otherwise start from the status index and
    # probe every open occurrence against each of the chunk's users, instead of starting from the users.
    rows = (
        Occurrence.objects.filter(_due(today), ~Q(status__in=CLOSED_STATUSES), item__is_removed=False,
                                  item__responsible_users__in=user_ids,
                                  # Last year's unfinished items are history, not today's work.
                                  item__roadmap__academic_year__start_year__gte=AcademicYear.start_year_for(today))
        .order_by().values_list("pk", "due_on", "item__responsible_users", *(f"item__{f}" for f in OWNER_FIELDS))
    )
    reminded_lately = set(
        Reminder.objects.filter(user_id__in=user_ids, kind=Reminder.Kind.OVERDUE,
                                day__gte=today - datetime.timedelta(days=6), day__lt=today)
        .order_by().values_list("occurrence_id", "user_id")
    )
    reminders = []
    for occurrence_id, due_on, user_id, *owner in rows.iterator(chunk_size=2000):
        if not _reaches(grants[user_id], *owner):
            continue  # no longer in a role that reaches this roadmap
        kind = _kind(due_on, today)
        if kind is None or (kind == Reminder.Kind.OVERDUE and (occurrence_id, user_id) in reminded_lately):
            continue
        reminders.append(Reminder(occurrence_id=occurrence_id, user_id=user_id, kind=kind, day=today))
    # Always the same order of the unique key: two workers inserting the same rows at once then wait
    # for each other row by row instead of deadlocking (PostgreSQL) on rows taken in opposite orders.
    reminders.sort(key=lambda r: (r.occurrence_id, r.user_id, r.kind))
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
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
    roadmap_urls = {}
    site = settings.SITE_URL.rstrip("/")
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
        if not _reaches(grants[user_id], *owner):
            continue  # the role ended since the reminder was recorded
        if roadmap_id not in roadmap_urls:
            roadmap_urls[roadmap_id] = site + reverse("roadmaps:roadmap_detail", args=[roadmap_id])
        digests[user_id].lines.append(DigestLine(
            kind=kind, due_on=due_on, number=number, title=" ".join(title.split()),
            owner=organisation or municipality or "", roadmap_title=roadmap_title, url=roadmap_urls[roadmap_id],
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
    ``QUEUE_BATCH`` users, in the order of their ids (two workers then never deadlock on each other).
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
    rows = [
        [f.get_db_prep_save(value, connection) for f, value in
         zip(fields, (digest.user_id, day, Status.PENDING, digest.content(), now, now, 0, ""), strict=True)]
        for digest in sorted(digests, key=lambda d: d.user_id)
    ]
    row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    created = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), QUEUE_BATCH):
            batch = rows[start:start + QUEUE_BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_placeholder] * len(batch))} "
                f"ON CONFLICT DO NOTHING RETURNING {user_column}",
                [value for row in batch for value in row],
            )
            created.update(row[0] for row in cursor.fetchall())
    return created


def digest_message(digest: Digest, *, connection=None, message_id: str | None = None) -> EmailMultiAlternatives:
    """The letter: plain text with an HTML alternative, in Russian."""
    site = settings.SITE_URL.rstrip("/")
    context = {
        "digest": digest,
        "sections": digest.sections(),
        "notifications_url": site + reverse("roadmaps:notification_list"),
        "settings_url": site + reverse("roadmaps:reminder_settings"),
        "site_url": site,
    }
    subject = " ".join(render_to_string("roadmaps/email/digest_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("roadmaps/email/digest.txt", context),
        to=[digest.email], connection=connection,
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"} if message_id else None,
    )
    message.attach_alternative(render_to_string("roadmaps/email/digest.html", context), "text/html")
    return message


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
            grants = _grants(user_ids, today)  # recipients re-checked: roles in force on the run's day
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
    summary = scan_reminders(today, chunk_size=chunk_size, catch_up=catch_up)
    delivery = send_pending_digests()
    summary.emails_sent = delivery.sent
    summary.emails_failed = delivery.retrying + delivery.failed
    logger.info("Roadmap reminders for %s: %s; delivery %s", summary.day, summary.as_dict(), delivery.as_dict())
    return summary


def forget_old(today: datetime.date) -> int:
    """Remove reminders, digests and scan records older than ``KEEP_FOR``; returns how many reminders and
    digests went."""
    before = today - KEEP_FOR
    reminders, _by_model = Reminder.objects.filter(day__lt=before).delete()
    digests, _by_model = ReminderDigest.objects.filter(day__lt=before).delete()
    ReminderRun.objects.filter(day__lt=before).delete()
    return reminders + digests


# --- the sending step --------------------------------------------------------------------------------


class _Mailer:
    """One connection to the mail server for a run, opened at the first letter (an idle run connects to
    nothing) and opened again after a failure (the old one may be broken)."""

    def __init__(self):
        self.connection = None

    def send(self, message: EmailMultiAlternatives) -> int:
        if self.connection is None:
            connection = get_connection()
            connection.open()
            self.connection = connection
        message.connection = self.connection
        return message.send()

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            try:
                connection.close()
            except Exception:  # a broken connection may fail to say goodbye; it is dropped either way
                logger.debug("Closing the mail connection failed", exc_info=True)


def release_expired(now: datetime.datetime | None = None) -> int:
    """Put back the rows whose sending worker died (claimed longer than ``LEASE`` ago): pending again,
    or failed when their attempts are used up. One query; returns how many."""
    now = now or timezone.now()
    released = ReminderDigest.objects.filter(status=Status.SENDING, claimed_at__lt=now - LEASE).update(
        status=Case(When(attempts__gte=MAX_ATTEMPTS, then=Value(Status.FAILED)), default=Value(Status.PENDING)),
        next_attempt_at=now,
        last_error="The worker sending it stopped before recording the result (lease expired); "
                   "the letter may have gone out.",
    )
    if released:
        logger.warning("Reminder digests: %s claim(s) of a stopped worker taken back", released)
    return released


def _claim(row: ReminderDigest) -> bool:
    """Take the row for this worker (pending → sending) if it is still pending, due and as it was read:
    one conditional UPDATE, so that of two workers only one gets it."""
    now = timezone.now()
    taken = ReminderDigest.objects.filter(
        pk=row.pk, status=Status.PENDING, attempts=row.attempts, next_attempt_at__lte=now,
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if taken:
        row.status, row.claimed_at, row.attempts = Status.SENDING, now, row.attempts + 1
    return bool(taken)


def _held(row: ReminderDigest):
    """The row as long as this worker's claim holds (a dead worker's claim may have been taken back)."""
    return ReminderDigest.objects.filter(pk=row.pk, status=Status.SENDING, claimed_at=row.claimed_at)


def _mark_sent(row: ReminderDigest) -> None:
    """The row first, the reminders' ``emailed_at`` (shown in the portal) after it: two queries."""
    now = timezone.now()
    marked = _held(row).update(status=Status.SENT, sent_at=now)
    Reminder.objects.filter(pk__in=row.content.get("reminders", ()), emailed_at__isnull=True).update(
        emailed_at=now)
    if not marked:
        logger.warning("Reminder digest %s was sent after its claim had expired: it may go out twice "
                       "(Message-ID %s)", row.pk, row.message_id)


def _mark_failed(row: ReminderDigest, error: str) -> str:
    """Record a failed attempt: pending again after the back-off, or failed for good. Returns the status."""
    if row.attempts >= MAX_ATTEMPTS:
        _held(row).update(status=Status.FAILED, last_error=error)
        logger.error("Reminder digest %s to user %s not sent after %s attempts, given up: %s",
                     row.pk, row.user_id, row.attempts, error)
        return Status.FAILED
    retry_at = timezone.now() + RETRY_AFTER[max(row.attempts, 1) - 1]
    _held(row).update(status=Status.PENDING, last_error=error, next_attempt_at=retry_at)
    logger.warning("Reminder digest %s to user %s not sent (attempt %s), retried at %s: %s",
                   row.pk, row.user_id, row.attempts, retry_at.isoformat(), error)
    return Status.PENDING


def _deliver(row: ReminderDigest, mailer: _Mailer, delivery: Delivery) -> bool:
    """Send one claimed row; False when the mail server did not accept it."""
    user = row.user
    if not (user.is_active and user.email_reminders and user.email):
        _held(row).update(status=Status.CANCELLED, last_error="The user no longer wants or cannot get e-mail.")
        delivery.cancelled += 1
        return True
    message = digest_message(Digest.from_row(row, user.email), message_id=row.message_id)
    try:
        accepted = mailer.send(message)
    except Exception as error:  # refused, timed out, connection lost: the row is retried later
        mailer.close()
        reason = f"{type(error).__name__}: {error}"[:2000]
    else:
        if accepted:
            _mark_sent(row)
            delivery.sent += 1
            return True
        reason = "The mail backend accepted nothing."
    if _mark_failed(row, reason) == Status.FAILED:
        delivery.failed += 1
    else:
        delivery.retrying += 1
    return False


# Rows read per query of the due ones; each is then claimed on its own.
SEND_BATCH = 100


def send_pending_digests() -> Delivery:
    """Deliver the outbox's due pending digests one by one, each marked sent only after the mail server
    accepted it. Safe to run concurrently: each row is claimed by one run."""
    delivery = Delivery()
    started = timezone.now()
    delivery.released = release_expired(started)
    mailer = _Mailer()
    failures_in_a_row = 0
    last = 0
    try:
        with translation.override(settings.LANGUAGE_CODE):
            while not delivery.stopped:
                # Read with their users (whose opt-out is checked again) and claimed one by one.
                due = list(ReminderDigest.objects.filter(status=Status.PENDING, next_attempt_at__lte=started,
                                                         pk__gt=last)
                           .select_related("user").order_by("pk")[:SEND_BATCH])
                for row in due:
                    last = row.pk
                    if not _claim(row):
                        delivery.busy += 1
                        continue
                    if _deliver(row, mailer, delivery):
                        failures_in_a_row = 0
                        continue
                    failures_in_a_row += 1
                    if failures_in_a_row >= STOP_AFTER_FAILURES:
                        logger.error("Reminder digests: %s letters in a row not sent, the mail server seems "
                                     "down; the rest wait for the next run", failures_in_a_row)
                        delivery.stopped = True
                        break
                if len(due) < SEND_BATCH:
                    break
    finally:
        mailer.close()
    return delivery
