"""The reminder outbox's sending step: delivers the ``ReminderDigest`` rows the daily scan queued
(``roadmaps.reminders``), each at least once, each marked sent only after the mail server accepted it.

``send_pending_digests`` runs right after the scan and by Celery beat every five minutes
(``roadmaps.tasks``). It delivers the due pending rows one at a time:

1. claim: a conditional ``UPDATE`` sets status pending → sending, ``claimed_at`` = now and one more
   attempt, where the row is still pending, due and as this worker read it (same attempts). Of two
   workers only one changes the row (PostgreSQL re-reads the condition after waiting for the other's
   commit, SQLite serialises writers); the other skips it (``busy``);
2. check the recipient again, as the scan did (``roadmaps.recipients``): the user is active, still wants
   e-mail and has an address, and each line's reminder is still open and reached by a role in force
   today; the lines that no longer concern the user are left out, and a letter left with none is
   cancelled. A letter can wait hours for a mail server, or a day caught up after an outage;
3. send it through the e-mail backend with the row's ``Message-ID``, ``<digest-{pk}-{day}@{SITE_URL's
   host}>``, the same (with the same content, less any line dropped by step 2) on every attempt;
   ``EMAIL_TIMEOUT`` bounds every wait on the SMTP server;
4. only after the server accepted it, mark it sent (``sent_at``), still on the condition that this
   worker's claim holds; then the sent reminders' ``emailed_at`` (shown in the portal; a worker dying
   between the two loses only that mark).

A letter the server refused, or a timeout, puts the row back to pending with ``last_error`` and a later
``next_attempt_at`` (``RETRY_AFTER``: 1, 5, 15, 60 minutes, then 3, 6 and 12 hours); after
``MAX_ATTEMPTS`` attempts it is marked failed with the reason (admin, error log), where the admin can
queue it again. After ``STOP_AFTER_FAILURES`` failures in a row the run stops: the server seems down, and
the remaining rows wait untouched for the next run. A row left in sending longer than ``LEASE`` belongs
to a worker that died: the next run puts it back to pending (failed once its attempts are used up) and
sends it again.

**The duplicate window.** Delivery is at least once (until the attempts are used up, when the row is
failed and says why), and there is exactly one way to send a letter twice: the worker dies (or loses the
database) after the SMTP server accepted the letter and before the row is marked sent. When the lease has
expired the letter goes out again — the same content under the same ``Message-ID``, so a mail system that
deduplicates on it shows one. A worker still alive but slower than the lease is the same case (its late
mark is refused and logged); each wait on the server is bounded by ``EMAIL_TIMEOUT``, so a send lasts
far less than the lease.

The sending step costs a fixed number of queries per letter, and two per ``SEND_BATCH`` rows for the
recipient check.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Case, F, Value, When
from django.utils import timezone, translation

from roadmaps.digests import Digest, digest_message
from roadmaps.models import Reminder, ReminderDigest
from roadmaps.recipients import OPEN_STATUSES, OWNER_FIELDS, grants_on, reaches

logger = logging.getLogger(__name__)

# How long a sending worker holds a claimed row; a row in "sending" for longer is taken back. Far longer
# than one letter can take with EMAIL_TIMEOUT (a connection, a few SMTP commands, each bounded).
LEASE = datetime.timedelta(minutes=10)
# Wait before the next attempt after the 1st, 2nd… failed one; the attempt after the last is the final.
RETRY_AFTER = tuple(datetime.timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# Failed letters in a row after which a sending run gives up until the next one: the server is down.
STOP_AFTER_FAILURES = 3
# Rows read per query of the due ones; each is then claimed on its own.
SEND_BATCH = 100
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
    return {pk for pk, user_id, status, removed, *owner in reminders
            if status in OPEN_STATUSES and not removed and reaches(grants[user_id], *owner)}


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


def _mark_sent(row: ReminderDigest, reminder_ids: list[int]) -> None:
    """The row first, the sent reminders' ``emailed_at`` (shown in the portal) after it: two queries."""
    now = timezone.now()
    marked = _held(row).update(status=Status.SENT, sent_at=now)
    Reminder.objects.filter(pk__in=reminder_ids, emailed_at__isnull=True).update(emailed_at=now)
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


def _cancel(row: ReminderDigest, reason: str, delivery: Delivery) -> bool:
    _held(row).update(status=Status.CANCELLED, last_error=reason)
    delivery.cancelled += 1
    return True


def _deliver(row: ReminderDigest, to_tell: set[int], mailer: _Mailer, delivery: Delivery) -> bool:
    """Send one claimed row; False when the mail server did not accept it."""
    user = row.user
    if not (user.is_active and user.email_reminders and user.email):
        return _cancel(row, "The user no longer wants or cannot get e-mail.", delivery)
    digest = Digest.from_row(row, user.email)
    digest.without(set(digest.reminder_ids) - to_tell)
    if not digest.lines:
        return _cancel(row, "Nothing left to tell: the items are done or removed, or the user's role no "
                            "longer reaches them.", delivery)
    try:
        accepted = mailer.send(digest_message(digest, message_id=row.message_id))
    except Exception as error:  # refused, timed out, connection lost: the row is retried later
        mailer.close()
        reason = f"{type(error).__name__}: {error}"[:2000]
    else:
        if accepted:
            _mark_sent(row, digest.reminder_ids)
            delivery.sent += 1
            return True
        reason = "The mail backend accepted nothing."
    if _mark_failed(row, reason) == Status.FAILED:
        delivery.failed += 1
    else:
        delivery.retrying += 1
    return False


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
                to_tell = _still_to_tell(due, timezone.localdate(started))
                for row in due:
                    last = row.pk
                    if not _claim(row):
                        delivery.busy += 1
                        continue
                    if _deliver(row, to_tell, mailer, delivery):
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
