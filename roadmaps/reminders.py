"""Deadline reminders: the daily scan of roadmap occurrences and the one e-mail digest per user and day.

Once a day (Celery beat, 07:00 Moscow time; ``roadmaps.tasks``) every active user responsible for a
roadmap item gets an in-app reminder for each open occurrence of it that is

- due in exactly 7 days (``WEEK_BEFORE``),
- due tomorrow (``DAY_BEFORE``),
- overdue (``OVERDUE``): on the first scan after the deadline, then once a week while it stays open
  (no new overdue reminder while one from the six previous days exists). A scan that did not run on
  some day is therefore made up the next day, and a deadline moved into the past is reminded at once.

Users who got reminders today, want e-mail (``User.email_reminders``) and have an address then get ONE
digest listing the day's reminders.

Nothing is ever sent twice, whether the scan runs twice or on two workers at the same moment:

- a reminder is a row unique on (occurrence, user, kind, day), inserted with ``ON CONFLICT DO NOTHING``
  (``bulk_create(ignore_conflicts=True)``), so a second insert is a no-op;
- a digest is a row unique on (user, day) that is *claimed* before the letter goes out by
  ``INSERT … ON CONFLICT DO NOTHING RETURNING user_id``: only the worker whose insert created the row
  gets the user back and sends. The claim is committed before sending, so a worker that dies between
  claim and send leaves the day's letter unsent (at most once; the in-app reminders stay). A letter the
  mail server refused is un-claimed, so that a later run that day may try again.

After the run, reminders and digest claims older than a year (``KEEP_FOR``) are removed.

Recipients are re-checked on the day: a reminder (and a line of the digest) goes only to a user whose role
is in force today (``RoleAssignment.objects.current``) and reaches the roadmap's organisation or
municipality (``Grant.reaches`` / ``reaches_municipality``, the scoping rule). Someone who left the school
keeps being named as responsible until the roadmap is edited, but is told nothing about it.

Users are processed in chunks of ``CHUNK_SIZE`` by keyset pagination: a fixed number of queries per
chunk whatever the number of occurrences, and memory bounded by one chunk.
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
from django.db import connections, router
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from registry.models import AcademicYear, RoleAssignment
from registry.scoping import Grant
from roadmaps.models import Occurrence, Reminder, ReminderDigest

logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)
# How long reminders and digest claims are kept: the scan itself looks back a week; a year keeps the
# notification list meaningful without letting the table grow for ever.
KEEP_FOR = datetime.timedelta(days=365)
CLOSED_STATUSES = (Occurrence.Status.DONE, Occurrence.Status.CANCELLED)
OPEN_STATUSES = tuple(status for status in Occurrence.Status.values if status not in CLOSED_STATUSES)
# The order of the digest's sections: the most urgent first.
DIGEST_ORDER = (Reminder.Kind.OVERDUE, Reminder.Kind.DAY_BEFORE, Reminder.Kind.WEEK_BEFORE)


@dataclass
class Summary:
    day: datetime.date
    users: int = 0            # responsible users with something to be reminded of today
    reminders: int = 0        # reminders due today (recorded now or by an earlier run)
    emails_sent: int = 0
    emails_skipped: int = 0   # digest already claimed today, by an earlier run or another worker
    emails_failed: int = 0
    forgotten: int = 0        # reminders and digests older than KEEP_FOR, removed after the run

    def as_dict(self) -> dict:
        data = asdict(self)
        data["day"] = self.day.isoformat()
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
    """Insert the chunk's reminders for today; rows that exist already are left alone. Three queries."""
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


def _claim_digests(user_ids: list[int], today: datetime.date) -> set[int]:
    """Create the (user, day) digest rows; return the users whose row THIS call created.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite ≥ 3.35) is one atomic statement:
    of two workers inserting the same row, exactly one gets it back; the other waits for the first
    to commit (PostgreSQL) or for the write lock (SQLite) and then inserts nothing.
    """
    if not user_ids:
        return set()
    alias = router.db_for_write(ReminderDigest)
    connection = connections[alias]
    qn = connection.ops.quote_name
    day = connection.ops.adapt_datefield_value(today)
    table = qn(ReminderDigest._meta.db_table)
    user_column = qn(ReminderDigest._meta.get_field("user").column)
    day_column = qn(ReminderDigest._meta.get_field("day").column)
    values = ", ".join(["(%s, %s)"] * len(user_ids))
    params = [value for user_id in user_ids for value in (user_id, day)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({user_column}, {day_column}) VALUES {values} "
            f"ON CONFLICT DO NOTHING RETURNING {user_column}",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _greeting_name(user) -> str:
    """«Анна Ивановна», as one addresses a colleague; the full name or login when that is missing."""
    return " ".join(part for part in (user.first_name, user.patronymic) if part) or user.display_name


def _digests(user_ids: set[int], today: datetime.date, grants: dict[int, list[Grant]]) -> list[Digest]:
    """The claimed users' reminders of today with what the letter shows: one query."""
    User = get_user_model()
    people = {
        user.pk: user
        for user in User.objects.filter(pk__in=user_ids).only("email", "username", "first_name", "last_name",
                                                                "patronymic")
    }
    digests = {pk: Digest(user_id=pk, email=user.email, name=_greeting_name(user), day=today)
               for pk, user in people.items()}
    roadmap_urls = {}
    site = settings.SITE_URL.rstrip("/")
    # Filtered on the reminder's own columns only, so that the database starts from the users' reminders
    # of the day; whether the occurrence is still open is checked here (SQLite would otherwise start
    # from every open occurrence).
    rows = (
        Reminder.objects.filter(user_id__in=user_ids, day=today)
        .order_by().values_list("user_id", "kind", "occurrence__status", "occurrence__item__is_removed",
                                "occurrence__due_on", "occurrence__item__number", "occurrence__item__title",
                                "occurrence__item__roadmap_id", "occurrence__item__roadmap__title",
                                "occurrence__item__roadmap__organisation__short_name",
                                "occurrence__item__roadmap__municipality__name",
                                *(f"occurrence__item__{f}" for f in OWNER_FIELDS))
    )
    for (user_id, kind, status, removed, due_on, number, title, roadmap_id, roadmap_title, organisation,
         municipality, *owner) in rows:
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
    return [digest for digest in digests.values() if digest.lines]


def digest_message(digest: Digest, *, connection=None) -> EmailMultiAlternatives:
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
    )
    message.attach_alternative(render_to_string("roadmaps/email/digest.html", context), "text/html")
    return message


def _send_digests(user_ids: list[int], today: datetime.date, summary: Summary,
                  grants: dict[int, list[Grant]]) -> None:
    """Claim and send the day's digest of the chunk's users who want one. At most seven queries."""
    User = get_user_model()
    wanting = list(
        User.objects.filter(pk__in=user_ids, is_active=True, email_reminders=True, reminders__day=today)
        .exclude(email="").order_by("pk").values_list("pk", flat=True).distinct()
    )
    claimed = _claim_digests(wanting, today)
    summary.emails_skipped += len(wanting) - len(claimed)
    if not claimed:
        return
    sent, failed = [], []
    connection = get_connection()
    try:
        connection.open()
        for digest in _digests(claimed, today, grants):
            try:
                if digest_message(digest, connection=connection).send():
                    sent.append(digest.user_id)
            except Exception:  # one refused address must not stop the others' letters
                logger.exception("Reminder digest to user %s failed", digest.user_id)
                failed.append(digest.user_id)
    finally:
        connection.close()
    now = timezone.now()
    if sent:
        Reminder.objects.filter(user_id__in=sent, day=today, emailed_at__isnull=True).update(emailed_at=now)
        ReminderDigest.objects.filter(user_id__in=sent, day=today).update(sent_at=now)
    if failed:
        # Not sent: give the claim back so that a later run today may try again.
        ReminderDigest.objects.filter(user_id__in=failed, day=today, sent_at__isnull=True).delete()
    summary.emails_sent += len(sent)
    summary.emails_failed += len(failed)


def send_daily_reminders(today: datetime.date | None = None, *, chunk_size: int = CHUNK_SIZE) -> Summary:
    """Record today's in-app reminders and send each user's digest; safe to run twice or concurrently."""
    today = today or timezone.localdate()
    summary = Summary(day=today)
    with translation.override(settings.LANGUAGE_CODE):
        for user_ids in _user_chunks(today, chunk_size):
            summary.users += len(user_ids)
            grants = _grants(user_ids, today)  # recipients re-checked: roles in force today
            summary.reminders += _record_reminders(user_ids, today, grants)
            _send_digests(user_ids, today, summary, grants)
    summary.forgotten = forget_old(today)
    logger.info("Roadmap reminders for %s: %s", today, summary.as_dict())
    return summary


def forget_old(today: datetime.date) -> int:
    """Remove reminders and digest claims older than ``KEEP_FOR``; returns how many rows went."""
    before = today - KEEP_FOR
    reminders, _by_model = Reminder.objects.filter(day__lt=before).delete()
    digests, _by_model = ReminderDigest.objects.filter(day__lt=before).delete()
    return reminders + digests
