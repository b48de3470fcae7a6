"""Reminders as an outbox: the scan queues, the sending step delivers at least once — retries with
back-off, a dead worker's claim taken back, missed days caught up, never a day twice, one Message-ID per
letter. Who gets the letter and who sends it: tests/test_outbox_senders.py."""

import contextlib
import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends import locmem
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from registry.scoping import Role
from roadmaps import outbox, reminders
from roadmaps.models import Reminder, ReminderDigest, ReminderRun
from roadmaps.outbox import LEASE, MAX_ATTEMPTS, RETRY_AFTER, STOP_AFTER_FAILURES, send_pending_digests
from roadmaps.reminders import scan_reminders, send_daily_reminders
from roadmaps.tasks import send_daily_reminders_task, send_reminder_digests_task
from tests import factories
from tests.test_reminders import TODAY, days, occurrence

Status = ReminderDigest.Status
FLAKY = "tests.test_outbox.FlakyBackend"


class FlakyBackend(locmem.EmailBackend):
    """The locmem outbox, behind a server that refuses the next ``refuse`` letters with ``error``; it
    notes the Message-ID of every letter it was handed, accepted or not."""

    refuse = 0
    error: Exception = smtplib.SMTPDataError(451, b"4.3.0 Try again later")
    handed: list[str] = []

    def send_messages(self, messages):
        for message in messages:
            FlakyBackend.handed.append(message.message()["Message-ID"])
        if FlakyBackend.refuse:
            FlakyBackend.refuse -= 1
            raise FlakyBackend.error
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = FLAKY
    settings.SITE_URL = "https://nastavnik.example.org/"
    FlakyBackend.refuse = 0
    FlakyBackend.error = smtplib.SMTPDataError(451, b"4.3.0 Try again later")
    FlakyBackend.handed = []
    return FlakyBackend


@contextlib.contextmanager
def at(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def later(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes)


def at_moscow(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def dated(letters) -> list[str]:
    """The days the letters are for, from their subjects."""
    return sorted(letter.subject[-10:] for letter in letters)


# --- the scan queues, it does not send ---------------------------------------------------------------


def test_the_scan_queues_one_row_per_user_and_day_and_sends_nothing(roadmap, curator, member):
    occurrence(roadmap, TODAY + days(1), curator, member, title="Издание приказа")
    occurrence(roadmap, TODAY - days(3), curator)

    summary = scan_reminders(TODAY)

    assert mail.outbox == []
    assert (summary.emails_queued, summary.emails_sent) == (2, 0)
    row = ReminderDigest.objects.get(user=curator, day=TODAY)
    assert (row.status, row.attempts, row.sent_at) == (Status.PENDING, 0, None)
    assert row.content["name"] == "Анна"
    assert sorted(line["kind"] for line in row.content["lines"]) == ["day", "overdue"]
    assert sorted(row.content["reminders"]) == sorted(Reminder.objects.filter(user=curator).values_list("pk", flat=True))

    delivery = send_pending_digests()

    assert delivery.sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == ["curator1@example.org", "member1@example.org"]
    row.refresh_from_db()
    assert row.status == Status.SENT and row.sent_at is not None
    assert all(r.emailed_at for r in Reminder.objects.all())


def test_a_chunk_is_one_transaction_reminders_and_digests_together(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)

    with mock.patch.object(reminders, "_queue_digests", side_effect=RuntimeError("killed")), \
            pytest.raises(RuntimeError):
        scan_reminders(TODAY)

    assert not Reminder.objects.exists() and not ReminderDigest.objects.exists()
    assert not ReminderRun.objects.exists()  # the day is not done: the next run does it again
    send_daily_reminders(TODAY)
    assert Reminder.objects.count() == 1 and len(mail.outbox) == 1


# --- retries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [
    smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    smtplib.SMTPRecipientsRefused({"curator1@example.org": (450, b"4.2.1 Mailbox busy")}),
    TimeoutError("timed out"),
    smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
], ids=["data-refused", "recipient-refused", "timeout", "disconnected"])
def test_a_refused_send_stays_pending_with_the_error_and_is_sent_once_later(flaky, roadmap, curator, error):
    occurrence(roadmap, TODAY + days(1), curator)
    flaky.refuse, flaky.error = 1, error

    first = send_daily_reminders(TODAY)

    assert (first.emails_sent, first.emails_failed) == (0, 1)
    assert mail.outbox == []
    row = ReminderDigest.objects.get()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error.startswith(type(error).__name__ + ": ")
    assert row.next_attempt_at > timezone.now() + RETRY_AFTER[0] - datetime.timedelta(seconds=5)
    assert not Reminder.objects.filter(emailed_at__isnull=False).exists()

    assert send_pending_digests().sent == 0  # not before its time
    with at(later(2)):
        delivery = send_pending_digests()
    with at(later(30)):
        again = send_pending_digests()

    assert (delivery.sent, again.sent) == (1, 0)
    assert [message.to for message in mail.outbox] == [["curator1@example.org"]]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert Reminder.objects.get().emailed_at is not None


def test_the_back_off_grows_and_the_row_fails_with_its_reason_after_the_last_attempt(flaky, roadmap, curator,
                                                                                  caplog):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    flaky.refuse = MAX_ATTEMPTS + 5
    waits = []
    moment = timezone.now()
    for _attempt in range(MAX_ATTEMPTS):
        with at(moment):
            assert send_pending_digests().sent == 0
        row = ReminderDigest.objects.get()
        if row.status == Status.PENDING:
            waits.append(row.next_attempt_at - moment)
            moment = row.next_attempt_at
    row = ReminderDigest.objects.get()

    assert waits == list(RETRY_AFTER)
    assert (row.status, row.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert "451" in row.last_error and "Try again later" in row.last_error
    assert any(record.levelname == "ERROR" and "given up" in record.getMessage() for record in caplog.records)
    with at(moment + datetime.timedelta(days=1)):
        assert send_pending_digests().sent == 0  # failed is final
    assert mail.outbox == []


def test_a_dead_server_stops_the_run_and_leaves_the_rest_untouched(flaky, district, roadmap):
    people = [factories.UserFactory(username=f"person{n}", email=f"person{n}@example.org") for n in range(5)]
    for person in people:
        factories.RoleFactory(user=person, role=Role.WORKING_GROUP, organisation=district.school1)
    occurrence(roadmap, TODAY + days(1), *people)
    scan_reminders(TODAY)
    flaky.refuse, flaky.error = 99, ConnectionRefusedError(111, "Connection refused")

    delivery = send_pending_digests()

    assert delivery.stopped and delivery.retrying == STOP_AFTER_FAILURES
    assert sorted(ReminderDigest.objects.values_list("attempts", flat=True)) == [0, 0, 1, 1, 1]
    flaky.refuse = 0
    with at(later(2)):
        assert send_pending_digests().sent == 5


def test_the_message_id_is_the_rows_and_stays_the_same_across_retries(flaky, roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    flaky.refuse = 2
    send_daily_reminders(TODAY)
    for minutes in (2, 10):
        with at(later(minutes)):
            send_pending_digests()

    row = ReminderDigest.objects.get()
    expected = f"<digest-{row.pk}-2026-03-16@nastavnik.example.org>"
    assert row.message_id == expected
    assert flaky.handed == [expected] * 3
    [letter] = mail.outbox
    assert letter.message()["Message-ID"] == expected
    assert letter.message()["Auto-Submitted"] == "auto-generated"


def test_email_timeout_is_set_so_a_hanging_server_cannot_hang_a_worker(settings):
    assert settings.EMAIL_TIMEOUT == 30
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 30


# --- a worker that died ------------------------------------------------------------------------------


def test_a_row_claimed_by_a_worker_that_died_is_sent_by_the_next_run_exactly_once(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    # The worker claimed the row and was killed: it stays "sending", with its lease running out.
    ReminderDigest.objects.update(status=Status.SENDING, attempts=1, claimed_at=timezone.now())

    assert send_pending_digests().sent == 0  # its lease holds: someone may be sending it
    assert mail.outbox == []
    with at(later(LEASE.total_seconds() / 60 + 1)):
        delivery = send_pending_digests()
        again = send_pending_digests()

    assert (delivery.released, delivery.sent, again.sent) == (1, 1, 0)
    assert len(mail.outbox) == 1
    row = ReminderDigest.objects.get()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert "lease expired" in row.last_error


def test_a_dead_claim_with_no_attempt_left_is_failed_not_sent(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    ReminderDigest.objects.update(status=Status.SENDING, attempts=MAX_ATTEMPTS,
                                  claimed_at=timezone.now() - LEASE - datetime.timedelta(minutes=1))

    delivery = send_pending_digests()

    assert (delivery.released, delivery.sent) == (1, 0)
    assert ReminderDigest.objects.get().status == Status.FAILED and mail.outbox == []


def test_the_duplicate_window_sends_the_same_letter_under_the_same_message_id(flaky, roadmap, curator):
    """The one way to send twice: the worker dies after the server accepted, before the mark."""
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)

    with mock.patch.object(outbox, "_mark_sent", side_effect=SystemExit("killed")), pytest.raises(SystemExit):
        send_pending_digests()
    with at(later(LEASE.total_seconds() / 60 + 1)):
        send_pending_digests()

    first, second = mail.outbox
    assert first.message()["Message-ID"] == second.message()["Message-ID"]
    assert (first.subject, first.body) == (second.subject, second.body)
    assert ReminderDigest.objects.get().status == Status.SENT


# --- catching up missed days -------------------------------------------------------------------------


def test_the_catch_up_after_two_missed_days_sends_both_days_then_nothing(roadmap, curator):
    ReminderRun.objects.create(day=TODAY - days(3))  # the scans of the 14th and 15th never ran
    week_on_14th = occurrence(roadmap, TODAY - days(2) + days(7), curator)
    tomorrow_on_15th = occurrence(roadmap, TODAY - days(1) + days(1), curator)
    tomorrow_on_16th = occurrence(roadmap, TODAY + days(1), curator)

    summary = send_daily_reminders(TODAY)

    assert summary.caught_up == [TODAY - days(2), TODAY - days(1)]
    assert {(r.occurrence_id, r.kind, r.day) for r in Reminder.objects.all()} == {
        (week_on_14th.pk, Reminder.Kind.WEEK_BEFORE, TODAY - days(2)),
        (tomorrow_on_15th.pk, Reminder.Kind.DAY_BEFORE, TODAY - days(1)),
        (tomorrow_on_16th.pk, Reminder.Kind.DAY_BEFORE, TODAY),
    }
    assert sorted(letter.subject[-10:] for letter in mail.outbox) == ["14.03.2026", "15.03.2026", "16.03.2026"]
    assert summary.emails_sent == 3
    assert set(ReminderRun.objects.values_list("day", flat=True)) >= {TODAY - days(2), TODAY - days(1), TODAY}

    again = send_daily_reminders(TODAY)

    assert (again.caught_up, again.emails_queued, again.emails_sent) == ([], 0, 0)
    assert len(mail.outbox) == 3 and Reminder.objects.count() == 3


def test_the_catch_up_goes_back_two_weeks_at_most_and_the_first_run_scans_its_day(roadmap, curator):
    assert send_daily_reminders(TODAY).caught_up == []  # nothing remembered: only today
    ReminderRun.objects.all().delete()
    ReminderRun.objects.create(day=TODAY - days(40))

    summary = send_daily_reminders(TODAY)

    assert summary.caught_up == [TODAY - days(n) for n in range(14, 0, -1)]


def test_the_sending_task_runs_a_missed_morning_scan(roadmap, curator):
    today = timezone.localdate()
    occurrence(roadmap, today + days(1), curator)
    morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(6, 30)))

    with at(morning):
        early = send_reminder_digests_task.delay().get()
    with at(morning + datetime.timedelta(hours=1, minutes=15)):  # 07:45, and no scan today
        late = send_reminder_digests_task.delay().get()
    with at(morning + datetime.timedelta(hours=1, minutes=20)):
        next_one = send_reminder_digests_task.delay().get()

    assert "scan" not in early and early["delivery"]["sent"] == 0
    assert late["scan"]["day"] == today.isoformat() and late["delivery"]["sent"] == 1
    assert "scan" not in next_one and len(mail.outbox) == 1


def test_after_two_days_without_a_worker_the_next_morning_run_catches_both_up(roadmap, curator):
    """The clock moves: the 16th's 07:00 run, no worker on the 17th and 18th, then the 19th's run."""
    due = {day: occurrence(roadmap, day + days(1), curator) for day in (TODAY + days(n) for n in range(4))}

    with at(at_moscow(TODAY, 7)):
        first = send_daily_reminders_task.delay().get()
    assert (first["day"], first["caught_up"], first["emails_sent"]) == ("2026-03-16", [], 1)

    with at(at_moscow(TODAY + days(3), 7)):  # the 17th's and 18th's runs never happened
        back = send_daily_reminders_task.delay().get()
    with at(at_moscow(TODAY + days(3), 7, 5)):  # the five-minute task right after: nothing left
        after = send_reminder_digests_task.delay().get()

    assert back["caught_up"] == ["2026-03-17", "2026-03-18"] and back["emails_sent"] == 3
    assert "scan" not in after and after["delivery"]["sent"] == 0
    assert dated(mail.outbox) == ["16.03.2026", "17.03.2026", "18.03.2026", "19.03.2026"]
    # Each day's "tomorrow" reminder was recorded with its own day, late or not.
    assert {(r.occurrence_id, r.day) for r in Reminder.objects.filter(kind=Reminder.Kind.DAY_BEFORE)} == {
        (occurrence.pk, day) for day, occurrence in due.items()}
    assert set(ReminderRun.objects.values_list("day", flat=True)) == {TODAY + days(n) for n in range(4)}


def test_a_day_is_never_queued_or_sent_twice(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    send_daily_reminders(TODAY)
    # The scan records lost: the catch-up scans the 15th and the 16th again; then the day by name.
    ReminderRun.objects.all().delete()
    ReminderRun.objects.create(day=TODAY - days(2))

    again = send_daily_reminders(TODAY)
    by_name = send_daily_reminders_task.delay(day=TODAY.isoformat()).get()

    assert (again.caught_up, again.emails_queued, again.emails_skipped, again.emails_sent) == ([TODAY - days(1)],
                                                                                               0, 1, 0)
    assert (by_name["emails_queued"], by_name["emails_sent"]) == (0, 0)
    assert ReminderDigest.objects.filter(user=curator, day=TODAY).count() == 1
    assert dated(mail.outbox) == ["16.03.2026"]
    # And the database itself refuses a second row for the user and day.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDigest.objects.create(user=curator, day=TODAY)


# --- the admin ---------------------------------------------------------------------------------------


def test_the_admin_lists_the_outbox_and_puts_a_failed_letter_back(client, roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    ReminderDigest.objects.update(status=Status.FAILED, attempts=MAX_ATTEMPTS, last_error="SMTPDataError: (554, x)")
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:roadmaps_reminderdigest_changelist")

    page = client.get(url)
    assert page.status_code == 200 and "SMTPDataError" in page.content.decode()
    row = ReminderDigest.objects.get()
    assert client.get(reverse("admin:roadmaps_reminderdigest_change", args=[row.pk])).status_code == 200
    assert client.get(reverse("admin:roadmaps_reminderrun_changelist")).status_code == 200

    client.post(url, {"action": "send_again", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 0)
    assert send_pending_digests().sent == 1
