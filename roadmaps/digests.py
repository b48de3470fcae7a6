"""The reminder letter: one per user and day, what its outbox row keeps (``ReminderDigest.content``) and
how it is rendered. Written by the daily scan (``roadmaps.reminders``), sent by ``roadmaps.outbox``."""

from __future__ import annotations

import datetime
import functools
import unicodedata
# The standard library's escape: what Django's does to a str, without its lazy-string wrapper, which cost
# more than the escaping itself over a run's hundred thousand values.
from html import escape
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator

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
        titles = _words(translation.get_language())
        return [{"kind": kind, "title": titles[kind], "lines": sorted(by_kind[kind], key=_line_order)}
                for kind in DIGEST_ORDER if by_kind.get(kind)]

    def content(self) -> dict:
        """What the outbox row keeps (``ReminderDigest.content``): everything the letter shows."""
        # Field by field rather than ``asdict``, whose deep copy of every value was a third of the scan's
        # own time; the same keys (``from_row`` reads them back), which a test compares with asdict.
        return {
            "name": self.name,
            "lines": [{"kind": line.kind, "due_on": line.due_on.isoformat(), "number": line.number,
                       "title": line.title, "owner": line.owner, "roadmap_title": line.roadmap_title,
                       "url": line.url, "reminder": line.reminder} for line in self.lines],
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


def digest_message(digest: Digest, *, connection=None, message_id: str | None = None,
                   links: Links | None = None) -> EmailMultiAlternatives:
    """The letter: plain text with an HTML alternative, in Russian. ``links`` (``Links.now()``) once for a
    run's many letters."""
    links = links or Links.now()
    sections = digest.sections()
    subject = translation.gettext("«Наставник»: сроки мероприятий дорожной карты на %(day)s") % {
        "day": _date(digest.day)}
    words = _words(translation.get_language())
    message = _DigestMessage(
        subject=" ".join(subject.split()), body=digest_text(digest, sections, links, words),
        to=[digest.email], connection=connection,
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"} if message_id else None,
    )
    message.attach_alternative(digest_html(digest, sections, links, words), "text/html")
    return message


class _DigestMessage(EmailMultiAlternatives):
    """The letter, its Subject header encoded once per subject and charset: every letter of a day has the
    same subject, and its RFC 2047 encoding (the email package weighs base64 against quoted-printable,
    character by character) was a fifth of the sending step's own time. The header is the very value
    Django's ``message()`` sets (``forbid_multi_line_headers``), in the same place."""

    def message(self, *args, **kwargs):
        subject, self.subject = self.subject, ""
        try:
            msg = super().message(*args, **kwargs)
        finally:
            self.subject = subject
        msg.replace_header("Subject", _subject_header(subject, self.encoding or settings.DEFAULT_CHARSET))
        return msg


@functools.lru_cache(maxsize=64)
def _subject_header(subject: str, encoding: str) -> str:
    return forbid_multi_line_headers("Subject", subject, encoding)[1]


# --- the letter's text and HTML ------------------------------------------------------------------------
# Built in Python rather than by the template engine: the daily run renders thousands of letters, and the
# engine's per-node work was most of its time. The output is what the former templates rendered, byte for
# byte (tests/test_digest_golden.py): the same words (the same msgids), the same escaping, the same cut of
# a long title (``truncatechars:300``).


@dataclass(frozen=True)
class Links:
    site: str
    notifications: str
    settings: str

    @classmethod
    def now(cls) -> Links:
        site = settings.SITE_URL.rstrip("/")
        return cls(site=site, notifications=site + reverse("roadmaps:notification_list"),
                   settings=site + reverse("roadmaps:reminder_settings"))


class RoadmapUrls:
    """The roadmap page's path by its id, ``reverse`` once for them all (a scan names a thousand roadmaps;
    ``reverse`` costs a tenth of a millisecond each): the id put into the path reversed for a sentinel."""

    SENTINEL = 2_147_483_647

    def __init__(self, prefix: str = ""):
        self.pattern = prefix + reverse("roadmaps:roadmap_detail", args=[self.SENTINEL]).replace(
            str(self.SENTINEL), "{}")

    def __call__(self, roadmap_id: int) -> str:
        return self.pattern.format(roadmap_id)


def _date(day: datetime.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"  # strftime("%d.%m.%Y"), a third of its time


def _title(line: DigestLine) -> str:
    # ``truncatechars:300``: the NFC form, cut only when longer than 300 characters, which a string of
    # at most 300 code points never is (Truncator walks every character to find that out).
    if len(line.title) <= 300:
        return unicodedata.normalize("NFC", line.title)
    return Truncator(line.title).chars(300)


@functools.lru_cache(maxsize=8)
def _words(language: str | None) -> dict[str, str]:
    """The letter's fixed words in ``language``, the active one (the msgids the templates had), and the
    sections' titles: looked up once per language, not for each of a run's thousands of letters."""
    gettext = translation.gettext
    return {
        "title": gettext("Сроки мероприятий дорожной карты"),
        "intro": gettext("Напоминаем о сроках мероприятий дорожной карты наставничества, за которые вы отвечаете."),
        "due": gettext("Срок"),
        "all": gettext("Все напоминания"),
        "off": gettext("Отключить письма о сроках"),
        "footer": gettext("«Наставник» — портал программ наставничества"),
        Reminder.Kind.OVERDUE: gettext("Срок прошёл"),
        Reminder.Kind.DAY_BEFORE: gettext("Завтра срок"),
        Reminder.Kind.WEEK_BEFORE: gettext("Через неделю срок"),
    }


def _greeting(name: str) -> str:
    return translation.gettext("Здравствуйте, %(name)s!") % {"name": name}


def digest_text(digest: Digest, sections: list[dict], links: Links, words: dict[str, str]) -> str:
    parts = [_greeting(digest.name), "\n\n", words["intro"], "\n"]
    for section in sections:
        parts += ["\n", section["title"].upper(), "\n"]
        for line in section["lines"]:
            parts.append(f"\n— {line.number} {_title(line)}\n  {words['due']}: {_date(line.due_on)}. "
                         f"{line.owner}: {line.roadmap_title}\n  {line.url}\n")
    parts.append(f"\n{words['all']}: {links.notifications}\n{words['off']}: {links.settings}\n\n-- \n"
                 f"{words['footer']}\n{links.site}\n\n")
    return "".join(parts)


def digest_html(digest: Digest, sections: list[dict], links: Links, words: dict[str, str]) -> str:
    words = {key: escape(value) for key, value in words.items()}
    parts = [
        '<!doctype html>\n<html lang="ru">\n<head><meta charset="utf-8"><title>', words["title"],
        "</title></head>\n",
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.4; '
        'color: #212529;">\n<p>', _greeting(escape(digest.name)), "</p>\n<p>", words["intro"], "</p>\n",
    ]
    for section in sections:
        colour = " color: #b02a37;" if section["kind"] == Reminder.Kind.OVERDUE else ""
        parts.append(f'\n<h3 style="margin: 20px 0 8px; font-size: 16px;{colour}">{escape(section["title"])}</h3>\n'
                     '<ul style="margin: 0; padding-left: 20px;">\n  ')
        for line in section["lines"]:
            parts.append(
                f'\n  <li style="margin-bottom: 8px;">\n    <a href="{escape(line.url)}">{escape(line.number)} '
                f'{escape(_title(line))}</a><br>\n    <span style="color: #6c757d;">{words["due"]}: '
                f"<strong>{_date(line.due_on)}</strong>. {escape(line.owner)}: {escape(line.roadmap_title)}"
                "</span>\n  </li>\n  ")
        parts.append("\n</ul>\n")
    site = escape(links.site)
    parts.append(
        f'\n<p style="margin-top: 24px;">\n  <a href="{escape(links.notifications)}">{words["all"]}</a> ·\n'
        f'  <a href="{escape(links.settings)}">{words["off"]}</a>\n</p>\n'
        f'<p style="color: #6c757d; font-size: 13px;">{words["footer"]}<br><a href="{site}" '
        f'style="color: #6c757d;">{site}</a></p>\n</body>\n</html>\n')
    return "".join(parts)
