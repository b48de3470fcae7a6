"""Notices when work waits: ``notify`` records them, the bell counts them, a letter follows the commit.

Every app hands work over through here (a report returned, an order to sign, a consent about to
expire…): ``notify(users, kind, text, url, key=…)`` or, for a daily check that finds many at once,
``record([Notice(…), …])`` with a fixed number of queries. The registry imports none of the apps; they
call it.

- **Recipients** are found through roles (``holders``): only users who hold the role today
  (``RoleAssignment.objects.current``) and are active. Someone who left the school is told nothing.
- **Once per event.** ``key`` names the event («order-prepared:12», «pair-quiet:7:2026-01-15»); a row is
  unique on (user, key), so a second run of a daily check, a double click or two workers at once record
  one notice and send one letter.
- **E-mail after the commit**, never inside the request: the notice is saved with the letter PENDING
  (when the user wants letters, ``User.email_notices``, and has an address) and the ids go to the Celery
  task ``registry.tasks.send_notice_emails`` from ``transaction.on_commit``. The task claims each row
  with a conditional update (PENDING → SENT) before sending, so a redelivered message sends nothing
  twice; a broker that was down leaves the row PENDING and ``sweep_notice_emails`` sends it later. A
  letter the server refused is FAILED, not retried: at most once, the notice in the portal stays.
- **No personal data in a notice**: texts name organisations, orders, reports and dates, never a
  participant; the link leads to the page (scoped, audited). A person's data destroyed later then leaves
  no copy behind in notices or in anybody's mailbox.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from registry.bulk_insert import insert_rows_ignoring_conflicts
from registry.models import Notification, RoleAssignment, User

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Mail = Notification.Mail
KEY_CHUNK = 500
# A letter still PENDING this long after its notice was made lost its message (a broker down): the
# sweep sends it. Older than MAIL_GIVE_UP it is no news any more, and stays unsent.
MAIL_GRACE = datetime.timedelta(minutes=2)
MAIL_GIVE_UP = datetime.timedelta(days=2)

_without_email = contextvars.ContextVar("notices_without_email", default=False)


@contextlib.contextmanager
def without_email():
    """Record notices without letters (the demo loader: its addresses are not people's)."""
    token = _without_email.set(True)
    try:
        yield
    finally:
        _without_email.reset(token)


@dataclass(frozen=True)
class Notice:
    user_id: int
    kind: str
    text: str
    url: str
    key: str
    email: bool = True  # False for a kind whose letter goes another way (roadmap deadlines: the digest)


# --- recipients ----------------------------------------------------------------------------------


def holders(role: str, *, organisation=None, municipality=None, day: datetime.date | None = None):
    """Active users who hold ``role`` today at the organisation (or the municipality)."""
    assignments = RoleAssignment.objects.current(day).filter(role=role)
    if organisation is not None:
        assignments = assignments.filter(organisation=organisation)
    if municipality is not None:
        assignments = assignments.filter(municipality=municipality)
    return User.objects.filter(is_active=True, pk__in=assignments.values("user_id")).order_by("pk")


def holders_by_organisation(role: str, organisation_ids, day: datetime.date | None = None) -> dict[int, list[int]]:
    """User ids holding ``role`` today, per organisation: one query for a daily check's many organisations."""
    rows = (RoleAssignment.objects.current(day)
            .filter(role=role, organisation_id__in=sorted(set(organisation_ids)), user__is_active=True)
            .order_by("organisation_id", "user_id").values_list("organisation_id", "user_id").distinct())
    found: dict[int, list[int]] = {}
    for organisation_id, user_id in rows:
        found.setdefault(organisation_id, []).append(user_id)
    return found


# --- recording -----------------------------------------------------------------------------------


def notify(recipients, kind: str, text: str, url: str, *, key: str, email: bool = True) -> int:
    """One event for one user or several (users or their ids); returns how many notices are new."""
    if isinstance(recipients, (User, int)):
        recipients = [recipients]
    user_ids = [r if isinstance(r, int) else r.pk for r in recipients]
    return record([Notice(user_id=pk, kind=kind, text=text, url=url, key=key, email=email) for pk in user_ids])


def _chunks(items: list, size: int = KEY_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def record(notices: Iterable[Notice]) -> int:
    """Save the notices not recorded yet and send their letters after the commit.

    Three queries whatever the number of notices: the users, the existing keys (one ``IN`` list: SQLite
    takes 32,766 parameters, psycopg's client-side binding has no limit), the insert (one statement,
    ``registry.bulk_insert``); a fourth per ``KEY_CHUNK`` letters to send, for the notices that send one.
    """
    wanted = {(n.user_id, n.key): n for n in notices}
    if not wanted:
        return 0
    users = {pk: (email, wants) for pk, email, wants in User.objects.filter(
        pk__in={user_id for user_id, _key in wanted}, is_active=True).values_list("pk", "email", "email_notices")}
    wanted = {pair: n for pair, n in wanted.items() if n.user_id in users}
    keys = sorted({key for _user, key in wanted})
    existing = set(Notification.objects.filter(key__in=keys, user_id__in=list(users)).values_list("user_id", "key"))
    quiet = _without_email.get()
    rows = []
    for (user_id, key), notice in sorted(wanted.items()):  # one order of the unique key: no deadlock
        if (user_id, key) in existing:
            continue
        address, wants_letters = users[user_id]
        mail = Mail.PENDING if notice.email and wants_letters and address and not quiet else Mail.NONE
        rows.append((user_id, notice.kind, notice.text, notice.url[:500], key, mail))
    # Plain rows, not Notification instances: a daily check records thousands.
    insert_rows_ignoring_conflicts(Notification, ("user_id", "kind", "text", "url", "key", "mail"), rows)
    to_send = sorted({(user_id, key) for user_id, _kind, _text, _url, key, mail in rows if mail == Mail.PENDING})
    if to_send:
        ids = []
        for chunk in _chunks(to_send):
            ids += Notification.objects.filter(
                key__in={key for _user, key in chunk}, user_id__in={user for user, _key in chunk},
                mail=Mail.PENDING).values_list("pk", flat=True)
        transaction.on_commit(lambda: dispatch(ids))
    return len(rows)


def settle(key_prefix: str) -> int:
    """The matter is dealt with (the order signed, the report reviewed): its unread notices, whoever
    holds them, are marked read so that the bell stops counting them."""
    return Notification.objects.filter(key__startswith=key_prefix, read_at__isnull=True).update(
        read_at=timezone.now())


# --- letters -------------------------------------------------------------------------------------


def dispatch(ids: list[int]) -> bool:
    """Hand the letters to the broker; False (logged) if it is unreachable: the sweep sends them later."""
    from registry.tasks import send_notice_emails

    if not ids:
        return True
    try:
        send_notice_emails.apply_async(args=[list(ids)], retry=False)
    except Exception:  # a broker that is down must not break the page that made the notice
        logger.warning("Notice letters %s could not be sent to the broker; the sweep will retry", ids,
                       exc_info=True)
        return False
    return True


def notice_message(notice: Notification, *, connection=None) -> EmailMultiAlternatives:
    site = settings.SITE_URL.rstrip("/")
    context = {
        "notice": notice,
        "name": " ".join(p for p in (notice.user.first_name, notice.user.patronymic) if p)
        or notice.user.display_name,
        "open_url": site + notice.get_absolute_url(),
        "notifications_url": site + reverse("registry:notification_list"),
        "settings_url": site + reverse("registry:notification_settings"),
        "site_url": site,
    }
    subject = " ".join(render_to_string("registry/email/notice_subject.txt", context).split())
    message = EmailMultiAlternatives(subject=subject, body=render_to_string("registry/email/notice.txt", context),
                                     to=[notice.user.email], connection=connection)
    message.attach_alternative(render_to_string("registry/email/notice.html", context), "text/html")
    return message


def send_emails(ids: Iterable[int]) -> dict:
    """Send the letters of these notices that are still PENDING; each is claimed before it goes out."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    notices = list(Notification.objects.filter(pk__in=list(ids), mail=Mail.PENDING).select_related("user"))
    if not notices:
        return counts
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        try:
            connection.open()
            for notice in notices:
                user = notice.user
                if not (user.is_active and user.email_notices and user.email):
                    # Opted out (or lost the address) since the notice was made.
                    Notification.objects.filter(pk=notice.pk, mail=Mail.PENDING).update(mail=Mail.NONE)
                    counts["skipped"] += 1
                    continue
                if not Notification.objects.filter(pk=notice.pk, mail=Mail.PENDING).update(
                        mail=Mail.SENT, emailed_at=timezone.now()):
                    counts["skipped"] += 1  # another worker has it
                    continue
                try:
                    notice_message(notice, connection=connection).send()
                except Exception:  # one refused address must not stop the other letters
                    logger.exception("Notice letter %s to user %s failed", notice.pk, user.pk)
                    Notification.objects.filter(pk=notice.pk).update(mail=Mail.FAILED, emailed_at=None)
                    counts["failed"] += 1
                else:
                    counts["sent"] += 1
        finally:
            connection.close()
    return counts


def sweep(now: datetime.datetime | None = None) -> int:
    """Send the letters whose message never reached a worker; returns how many were handed over."""
    now = now or timezone.now()
    ids = list(Notification.objects.filter(mail=Mail.PENDING, created_at__lt=now - MAIL_GRACE,
                                           created_at__gte=now - MAIL_GIVE_UP).values_list("pk", flat=True)[:1000])
    return len(ids) if ids and dispatch(ids) else 0
