"""The daily reminders through a real Redis broker and a real Celery worker in another process.

Run by the CI stage ``scripts/with-postgres scripts/with-redis --worker --test-database …``: the worker
reads the rows these tests commit (``transaction=True``) in pytest-django's test database and writes its
e-mail to files in ``EMAIL_FILE_PATH``, which the tests read. Skipped without ``CELERY_BROKER_URL``;
with ``CI=true`` and ``REQUIRE_REDIS=1`` a missing broker or worker is a failure, not a skip.
"""

import datetime
import email
import email.policy
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from roadmaps.models import Reminder, ReminderDigest
from roadmaps.tasks import send_daily_reminders_task
from registry.scoping import Role
from tests import factories

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REQUIRED = os.environ.get("CI") == "true" and os.environ.get("REQUIRE_REDIS") == "1"
SEPARATOR = b"-" * 79
TIMEOUT = 60


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"REQUIRE_REDIS=1: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def worker():
    """Checks that a broker, a worker and file e-mail are there, before any data is written."""
    if not settings.CELERY_BROKER_URL:
        _unavailable("needs CELERY_BROKER_URL and a Celery worker: scripts/with-redis --worker …")
    if os.environ.get("DJANGO_EMAIL_BACKEND") != "django.core.mail.backends.filebased.EmailBackend" \
            or not settings.EMAIL_FILE_PATH:
        _unavailable("the worker must write e-mail to files: DJANGO_EMAIL_BACKEND=filebased and EMAIL_FILE_PATH")
    if not app.control.ping(timeout=5):
        _unavailable(f"no Celery worker answers on {settings.CELERY_BROKER_URL}")
    return Path(settings.EMAIL_FILE_PATH)


def letters(directory: Path) -> list[email.message.EmailMessage]:
    """Every letter the file-based backend wrote: one file per connection, letters separated by dashes."""
    found = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + SEPARATOR + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


@pytest.fixture
def mail_dir(worker):
    for path in worker.glob("*"):
        path.unlink()
    return worker


def test_the_worker_sends_one_digest_and_a_second_run_sends_nothing(mail_dir):
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(short_name="МБОУ СОШ № 7")
    curator = factories.UserFactory(username="celery-curator", email="curator7@example.org")
    # Reminders go only to a role in force that reaches the roadmap (roadmaps.reminders).
    factories.RoleFactory(user=curator, role=Role.SCHOOL_CURATOR, organisation=organisation)
    occurrence = factories.OccurrenceFactory(
        item__roadmap__organisation=organisation,
        item__roadmap__title="Дорожная карта реализации целевой модели наставничества",
        item__stage_title="Подготовка условий", item__number="1.2",
        item__title="Издание приказа о внедрении целевой модели", item__people=[curator],
        due_on=today + datetime.timedelta(days=1))
    roadmap = occurrence.item.roadmap
    first = send_daily_reminders_task.delay(day=today.isoformat()).get(timeout=TIMEOUT)

    assert first["emails_sent"] == 1
    sent = letters(mail_dir)
    assert len(sent) == 1
    letter = sent[0]
    assert letter["To"] == "curator7@example.org"
    assert "сроки мероприятий дорожной карты" in letter["Subject"]
    text = letter.get_body(preferencelist=("plain",)).get_content()
    assert "ЗАВТРА СРОК" in text and "1.2 Издание приказа о внедрении целевой модели" in text
    assert f"/roadmaps/{roadmap.pk}/" in text
    assert letter.get_body(preferencelist=("html",)) is not None
    reminder = Reminder.objects.get()
    assert (reminder.occurrence, reminder.user, reminder.kind, reminder.day) == (
        occurrence, curator, Reminder.Kind.DAY_BEFORE, today)
    assert reminder.emailed_at is not None
    assert ReminderDigest.objects.get(user=curator, day=today).sent_at is not None

    second = send_daily_reminders_task.delay(day=today.isoformat()).get(timeout=TIMEOUT)

    assert second["emails_sent"] == 0
    assert second["emails_skipped"] == 1
    assert len(letters(mail_dir)) == 1
    assert Reminder.objects.count() == 1


def test_the_worker_delivers_the_outbox_once_under_the_rows_message_id(mail_dir):
    """The scan queues in this process; the five-minute sending task, in the worker, delivers."""
    from roadmaps.reminders import scan_reminders
    from roadmaps.tasks import send_reminder_digests_task

    today = timezone.localdate()
    organisation = factories.OrganisationFactory(short_name="МБОУ СОШ № 8")
    curator = factories.UserFactory(username="outbox-curator", email="curator8@example.org")
    factories.RoleFactory(user=curator, role=Role.SCHOOL_CURATOR, organisation=organisation)
    factories.OccurrenceFactory(item__roadmap__organisation=organisation, item__roadmap__title="Дорожная карта",
                                item__stage_title="Подготовка условий", item__number="1.3",
                                item__title="Анкетирование наставников", item__people=[curator],
                                due_on=today + datetime.timedelta(days=7))
    scan_reminders(today)
    row = ReminderDigest.objects.get(user=curator, day=today)
    assert row.status == ReminderDigest.Status.PENDING and letters(mail_dir) == []

    first = send_reminder_digests_task.delay().get(timeout=TIMEOUT)
    second = send_reminder_digests_task.delay().get(timeout=TIMEOUT)

    assert (first["delivery"]["sent"], second["delivery"]["sent"]) == (1, 0)
    [letter] = letters(mail_dir)
    assert letter["To"] == "curator8@example.org"
    assert letter["Message-ID"].startswith(f"<digest-{row.pk}-{today.isoformat()}@")
    row.refresh_from_db()
    assert row.status == ReminderDigest.Status.SENT and row.attempts == 1
