"""The reminder outbox's sending step: delivers the ``ReminderDigest`` rows the daily scan queued
(``roadmaps.reminders``), each at least once, each marked sent only after the mail server accepted it.

``send_pending_digests`` runs right after the scan and by Celery beat every five minutes
(``roadmaps.tasks``). It reads the due pending rows ``SEND_BATCH`` at a time and, for each batch:

1. checks the recipients again, as the scan did (``roadmaps.recipients``; two queries for the batch):
   the user is active, still wants e-mail and has an address, and each line's reminder is still open
   and reached by a role in force today; the lines that no longer concern the user are left out, and a
   letter left with none is cancelled. A letter can wait hours for a mail server, or a day caught up
   after an outage;
2. claims the batch: ONE ``UPDATE … RETURNING`` sets pending → sending, ``claimed_at`` = now and one more
   attempt on the rows still pending and due. Of two workers only one gets each row (PostgreSQL locks
   them in id order and skips those another worker holds, ``FOR UPDATE SKIP LOCKED``; SQLite serialises
   writers); the rows the other got are skipped (``busy``);
3. sends the letters one by one through the e-mail backend, each with its row's ``Message-ID``,
   ``<digest-{pk}-{day}@{SITE_URL's host}>``, the same (with the same content, less any line dropped by
   step 1) on every attempt; ``EMAIL_TIMEOUT`` bounds every wait on the SMTP server. Before each letter,
   once the claim is half a ``LEASE`` old (a slow server), the letters accepted so far are marked and the
   claim of the rest renewed; a row another run took back meanwhile is not sent by this one;
4. marks the letters the server accepted as sent (``sent_at``), together, on the condition that this
   worker's claim holds: at the end of the batch, and as soon as the first unmarked one is
   ``MARK_AFTER`` old; then the sent reminders' ``emailed_at`` (shown in the portal; a worker dying
   between the two loses only that mark).

A letter the server refused, or a timeout, puts the row back to pending with ``last_error`` and a later
``next_attempt_at`` (``RETRY_AFTER``: 1, 5, 15, 60 minutes, then 3, 6 and 12 hours); after
``MAX_ATTEMPTS`` attempts it is marked failed with the reason (admin, error log), where the admin can
queue it again. After ``STOP_AFTER_FAILURES`` failures in a row the run stops: the server seems down; the
batch's rows not tried yet are given back (pending, the attempt not counted) and wait, with the rest,
for the next run. A row left in sending longer than ``LEASE`` belongs to a worker that died: the next run
puts it back to pending (failed once its attempts are used up) and sends it again; so does a batch
claimed by a worker killed before it tried them (delayed by the lease, not lost).

**The duplicate window.** Delivery is at least once (until the attempts are used up, when the row is
failed and says why), and there is exactly one way to send a letter twice: the worker dies (or loses the
database) after the SMTP server accepted the letter and before the row is marked sent. When the lease has
expired the letter goes out again — the same content under the same ``Message-ID``, so a mail system that
deduplicates on it shows one. Marks are written in bulk, so the window holds the letters accepted since
the last mark: at most ``MARK_AFTER`` of sending (or the batch), not one letter. An exception that is not
a kill (the database lost for a moment) marks what was accepted before it is raised. A worker still
alive but slower than the lease is the same case (its late mark is refused and logged); each wait on the
server is bounded by ``EMAIL_TIMEOUT`` and the claim is renewed, so only one send hanging for half a
lease could get there.

The sending step costs a fixed number of queries per batch of ``SEND_BATCH`` letters (read, recipient
check, claim, marks), whatever the number of letters in it, of their lines and of organisations.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections, router
from django.db.models import Case, F, Value, When
from django.utils import timezone, translation

from roadmaps.digests import Digest, Links, digest_message
from roadmaps.emailed_marks import mark_emailed
from roadmaps.models import Reminder, ReminderDigest
from roadmaps.recipients import OPEN_STATUSES, OWNER_FIELDS, Reach, grants_on

logger = logging.getLogger(__name__)

# How long a sending worker holds a claimed row; a row in "sending" for longer is taken back. Far longer
# than one letter can take with EMAIL_TIMEOUT (a connection, a few SMTP commands, each bounded).
LEASE = datetime.timedelta(minutes=10)
# Wait before the next attempt after the 1st, 2nd… failed one; the attempt after the last is the final.
RETRY_AFTER = tuple(datetime.timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# Failed letters in a row after which a sending run gives up until the next one: the server is down.
STOP_AFTER_FAILURES = 3
# Rows read, checked and claimed per batch (a few queries each); their letters then go one by one. A
# batch's statements each read or write all its rows at once (its users' reminders, the claim, the
# marks), so their count, not the rows, made larger batches cheaper: 2,000 letters went in 120 statements
# with batches of 100, in 26 with 500. The guarantees do not depend on it: the accepted letters are
# marked within MARK_AFTER whatever the batch, the lease is renewed before half of it has passed.
SEND_BATCH = 500
# Letters the server accepted are marked sent in bulk at the end of their batch, and sooner once the
# first of them waits this long (seconds): a worker killed meanwhile sends them again (the duplicate
# window below), so the window is bounded in time, whatever the server's pace.
MARK_AFTER = 1.0
Status = ReminderDigest.Status


@dataclass
class Delivery:
    """What one sending run did."""

    sent: int = 0
    retrying: int = 0    # refused or timed out: pending again, to be tried later
    failed: int = 0      # refused for the last allowed time: given up, the reason kept
    cancelled: int = 0   # the user no longer wants or cannot get e-mail, or nothing is left to tell
    busy: int = 0        # claimed by another worker first
    released: int = 0    # claims of dead workers (lease expired) taken back before the run
    stopped: bool = False  # the run gave up after STOP_AFTER_FAILURES failures in a row

    def as_dict(self) -> dict:
        return asdict(self)


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


def _still_to_tell(rows: list[ReminderDigest], today: datetime.date) -> set[int]:
    """Of the reminders these rows list, those that still concern their user today: the occurrence is
    open and its item not removed, and a role of the user in force today reaches the roadmap (as the
    scan checks, ``roadmaps.recipients``). Two queries for the whole batch."""
    users = {row.user_id for row in rows}
    if not users:
        return set()
    grants = grants_on(users, today)
    # By user and day rather than by id: a bounded number of parameters whatever the letters list.
    reminders = (
        Reminder.objects.filter(user_id__in=users, day__in={row.day for row in rows})
        .order_by().values_list("pk", "user_id", "occurrence__status", "occurrence__item__is_removed",
                                *(f"occurrence__item__{f}" for f in OWNER_FIELDS))
    )
    reach = Reach(grants)
    return {pk for pk, user_id, status, removed, *owner in reminders
            if status in OPEN_STATUSES and not removed and reach(user_id, owner)}


def _claim(rows: list[ReminderDigest]) -> list[ReminderDigest]:
    """Take for this worker (pending → sending, ``claimed_at`` = now, one more attempt) those of the rows
    that are still pending and due: ONE ``UPDATE … RETURNING`` for the batch, so that of two workers only
    one gets each row. Returns the rows taken, in the order given.

    PostgreSQL locks the rows in id order and skips those another worker is claiming at that moment
    (``FOR UPDATE SKIP LOCKED``): no waiting, no deadlock on rows taken in opposite orders. SQLite serialises writers; there the condition alone decides."""
    if not rows:
        return []
    now = timezone.now()
    connection = connections[router.db_for_write(ReminderDigest)]
    qn = connection.ops.quote_name
    table = qn(ReminderDigest._meta.db_table)
    ids = [row.pk for row in rows]
    where = (f"{qn('id')} IN ({', '.join(['%s'] * len(ids))}) AND {qn('status')} = %s "
             f"AND {qn('next_attempt_at')} <= %s")
    update = f"UPDATE {table} SET {qn('status')} = %s, {qn('claimed_at')} = %s, {qn('attempts')} = {qn('attempts')} + 1"
    stamp = connection.ops.adapt_datetimefield_value(now)
    if connection.features.has_select_for_update_skip_locked:
        # The locked ids as an array, computed once (an InitPlan), and the rows updated by their ids: as
        # ``id IN (SELECT … FOR UPDATE)`` or as a join, the planner, which takes rows queued minutes ago
        # for a handful (no statistics on them yet), compared every row of the table with every locked
        # id, or ran the locking subquery again for each: 0.3 s per batch of 500 among 2,000 rows.
        locked = f"SELECT {qn('id')} FROM {table} WHERE {where} ORDER BY {qn('id')} FOR UPDATE SKIP LOCKED"
        where = f"{qn('id')} = ANY(ARRAY({locked}))" if connection.vendor == "postgresql" else f"{qn('id')} IN ({locked})"
    sql = f"{update} WHERE {where} RETURNING {qn('id')}, {qn('attempts')}"
    params = [Status.SENDING, stamp, *ids, Status.PENDING, stamp]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        attempts = dict(cursor.fetchall())
    taken = [row for row in rows if row.pk in attempts]
    for row in taken:
        row.status, row.claimed_at, row.attempts = Status.SENDING, now, attempts[row.pk]
    return taken


def _held(row: ReminderDigest):
    """The row as long as this worker's claim holds (a dead worker's claim may have been taken back)."""
    return ReminderDigest.objects.filter(pk=row.pk, status=Status.SENDING, claimed_at=row.claimed_at)


def _held_ids(rows: list[ReminderDigest]) -> dict[datetime.datetime, list[int]]:
    """The rows' ids by their claim: rows claimed (or renewed) together share it, so one group as a rule."""
    groups = defaultdict(list)
    for row in rows:
        groups[row.claimed_at].append(row.pk)
    return groups


def _update_held(rows: list[ReminderDigest], values: dict, *, check: dict | None = None) -> set[int]:
    """Set ``values`` on the rows whose claim this worker still holds (a row in sending longer than
    ``LEASE`` may have been taken back by another run): one query per claim. With ``check`` (what the
    updated rows look like now), returns the ids of the rows it did not update, read only when some."""
    lost = set()
    for claimed_at, ids in _held_ids(rows).items():
        held = ReminderDigest.objects.filter(pk__in=ids, status=Status.SENDING, claimed_at=claimed_at)
        if held.update(**values) < len(ids) and check is not None:
            lost.update(set(ids) - set(ReminderDigest.objects.filter(pk__in=ids, **check)
                                        .values_list("pk", flat=True)))
    return lost


def _renew(rows: list[ReminderDigest]) -> list[ReminderDigest]:
    """Extend the lease of claimed rows not sent yet (a slow mail server, a large batch): ``claimed_at``
    moves to now where the claim still holds. Returns the rows still held."""
    now = timezone.now()
    lost = _update_held(rows, {"claimed_at": now}, check={"status": Status.SENDING, "claimed_at": now})
    held = [row for row in rows if row.pk not in lost]
    for row in held:
        row.claimed_at = now
    return held


def _mark_sent(sent: list[tuple[ReminderDigest, list[int]]]) -> None:
    """The sent rows first, then the sent reminders' ``emailed_at`` (shown in the portal): one query per
    claim (one as a rule) and one or a few for the sent reminders (``roadmaps.emailed_marks``)."""
    if not sent:
        return
    now = timezone.now()
    values = {"status": Status.SENT, "sent_at": now}
    lost = _update_held([row for row, _reminders in sent], values, check=values)
    reminder_ids = sorted({pk for _row, reminders in sent for pk in reminders})
    mark_emailed(reminder_ids, now)
    for row, _reminders in sent:
        if row.pk in lost:
            logger.warning("Reminder digest %s was sent after its claim had expired: it may go out twice "
                           "(Message-ID %s)", row.pk, row.message_id)


def _release(rows: list[ReminderDigest]) -> None:
    """Give back claimed rows this run will not try after all (the mail server is down): pending as they
    were, the attempt not counted. One query per claim."""
    if rows:
        _update_held(rows, {"status": Status.PENDING, "claimed_at": None, "attempts": F("attempts") - 1})


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


def _to_cancel(row: ReminderDigest, to_tell: set[int]) -> tuple[Digest | None, str]:
    """The letter to send, or None and the reason to cancel the row instead."""
    user = row.user
    if not (user.is_active and user.email_reminders and user.email):
        return None, "The user no longer wants or cannot get e-mail."
    digest = Digest.from_row(row, user.email)
    digest.without(set(digest.reminder_ids) - to_tell)
    if not digest.lines:
        return None, ("Nothing left to tell: the items are done or removed, or the user's role no longer "
                      "reaches them.")
    return digest, ""


def _send(row: ReminderDigest, digest: Digest, mailer: _Mailer, links: Links) -> str:
    """Hand one claimed letter to the mail server; the reason it was not accepted, or "" when it was."""
    try:
        accepted = mailer.send(digest_message(digest, message_id=row.message_id, links=links))
    except Exception as error:  # refused, timed out, connection lost: the row is retried later
        mailer.close()
        return f"{type(error).__name__}: {error}"[:2000]
    return "" if accepted else "The mail backend accepted nothing."


class _Run:
    """One sending run over the outbox, batch by batch."""

    def __init__(self):
        self.delivery = Delivery()
        self.mailer = _Mailer()
        self.links = Links.now()
        self.failures_in_a_row = 0
        self.unmarked: list[tuple[ReminderDigest, list[int]]] = []  # accepted by the server, not marked yet
        self.unmarked_since = 0.0

    def mark(self) -> None:
        sent, self.unmarked = self.unmarked, []
        _mark_sent(sent)

    def batch(self, due: list[ReminderDigest], today: datetime.date) -> None:
        delivery = self.delivery
        to_tell = _still_to_tell(due, today)
        claimed = _claim(due)
        delivery.busy += len(due) - len(claimed)
        letters, cancel = [], defaultdict(list)
        for row in claimed:
            digest, reason = _to_cancel(row, to_tell)
            if digest is None:
                cancel[reason].append(row)
            else:
                letters.append((row, digest))
        for reason, rows in cancel.items():
            _update_held(rows, {"status": Status.CANCELLED, "last_error": reason})
            delivery.cancelled += len(rows)
        for index, (row, digest) in enumerate(letters):
            if timezone.now() - row.claimed_at > LEASE / 2:
                # A slow server: what it accepted is marked, the rest of the batch kept, long before
                # the lease runs out and another run could take the rows back.
                self.mark()
                held = {r.pk for r in _renew([r for r, _digest in letters[index:]])}
                if row.pk not in held:
                    continue  # taken back by another run meanwhile: it is that run's now
            reason = _send(row, digest, self.mailer, self.links)
            if not reason:
                if not self.unmarked:
                    self.unmarked_since = time.monotonic()
                self.unmarked.append((row, digest.reminder_ids))
                delivery.sent += 1
                self.failures_in_a_row = 0
                if time.monotonic() - self.unmarked_since >= MARK_AFTER:
                    self.mark()
                continue
            if _mark_failed(row, reason) == Status.FAILED:
                delivery.failed += 1
            else:
                delivery.retrying += 1
            self.failures_in_a_row += 1
            if self.failures_in_a_row >= STOP_AFTER_FAILURES:
                logger.error("Reminder digests: %s letters in a row not sent, the mail server seems down; "
                             "the rest wait for the next run", self.failures_in_a_row)
                delivery.stopped = True
                _release([r for r, _digest in letters[index + 1:]])
                break
        self.mark()


def send_pending_digests() -> Delivery:
    """Deliver the outbox's due pending digests, ``SEND_BATCH`` at a time: each batch claimed at once, its
    letters sent one by one, each marked sent only after the mail server accepted it (in bulk, within
    ``MARK_AFTER`` of the first unmarked one and at the end of the batch). Safe to run concurrently: each
    row is claimed by one run."""
    run = _Run()
    started = timezone.now()
    run.delivery.released = release_expired(started)
    last = 0
    try:
        with translation.override(settings.LANGUAGE_CODE):
            while not run.delivery.stopped:
                # Read with their users, whose opt-out is checked again.
                due = list(ReminderDigest.objects.filter(status=Status.PENDING, next_attempt_at__lte=started,
                                                         pk__gt=last)
                           .select_related("user").order_by("pk")[:SEND_BATCH])
                if not due:
                    break
                last = due[-1].pk
                try:
                    run.batch(due, timezone.localdate(started))
                except Exception:
                    # A letter that could not be built, a lost database: what the server accepted is
                    # marked if the database lets us, so that it does not go out again.
                    with contextlib.suppress(Exception):
                        run.mark()
                    raise
                if len(due) < SEND_BATCH:
                    break
    finally:
        run.mailer.close()
    return run.delivery
