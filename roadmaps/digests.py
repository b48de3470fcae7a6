"""The reminder letter: one per user and day, what its outbox row keeps (``ReminderDigest.content``) and
how it is rendered. Written by the daily scan (``roadmaps.reminders``), sent by ``roadmaps.outbox``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from roadmaps.models import Reminder, ReminderDigest

# The order of the digest's sections: the most urgent first.
DIGEST_ORDER = (Reminder.Kind.OVERDUE, Reminder.Kind.DAY_BEFORE, Reminder.Kind.WEEK_BEFORE)


@dataclass
class DigestLine:
    kind: str
    due_on: datetime.date
    number: str
    title: str
    owner: str
    roadmap_title: str
    url: str
    # The reminder the line tells of: the sending step checks it again (``roadmaps.outbox``).
    reminder: int | None = None


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

    def without(self, stale: set[int]) -> Digest:
        """The same letter less the lines of the ``stale`` reminders."""
        self.lines = [line for line in self.lines if line.reminder not in stale]
        self.reminder_ids = [pk for pk in self.reminder_ids if pk not in stale]
        return self


def _line_order(line: DigestLine):
    return (line.due_on, line.owner, line.roadmap_title, line.number)


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
