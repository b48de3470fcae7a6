"""The sending step works by batches (``roadmaps.outbox``): one UPDATE claims a batch, the letters go one by
one, the accepted ones are marked sent together. What that must not change: a slow server keeps its rows
(the lease is renewed), a row taken back meanwhile is not sent by the slow run, a letter the server
accepted is marked even when a later one breaks the run, and the window in which a killed worker's
letters go out again is bounded in time (``MARK_AFTER``)."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from registry.scoping import Role
from roadmaps import outbox
from roadmaps.models import ReminderDigest
from roadmaps.outbox import LEASE, release_expired, send_pending_digests
from roadmaps.reminders import scan_reminders
from tests import factories
from tests.test_reminders import TODAY, days, occurrence

Status = ReminderDigest.Status


class SlowBackend(locmem.EmailBackend):
    """The locmem outbox behind a server that takes ``takes`` of the mocked clock per letter; ``during``
    runs while a letter is being sent (another worker, meanwhile)."""

    clock: list[datetime.datetime] = []
    takes = datetime.timedelta(0)
    during = None

    def send_messages(self, messages):
        SlowBackend.clock[0] += SlowBackend.takes
        if SlowBackend.during:
            SlowBackend.during()
        return super().send_messages(messages)


@pytest.fixture
def three_letters(district, roadmap, settings):
    settings.EMAIL_BACKEND = "tests.test_outbox_batches.SlowBackend"
    people = [factories.UserFactory(username=f"person{n}", email=f"person{n}@example.org") for n in range(3)]
    for person in people:
        factories.RoleFactory(user=person, role=Role.WORKING_GROUP, organisation=district.school1)
    occurrence(roadmap, TODAY + days(1), *people)
    scan_reminders(TODAY)
    SlowBackend.clock = [timezone.now()]
    SlowBackend.takes, SlowBackend.during = datetime.timedelta(0), None
    with mock.patch("django.utils.timezone.now", side_effect=lambda: SlowBackend.clock[0]):
        yield SlowBackend


def statuses() -> list[str]:
    return list(ReminderDigest.objects.order_by("pk").values_list("status", flat=True))


def test_a_slow_server_keeps_its_batch_the_lease_renewed_before_it_runs_out(three_letters):
    three_letters.takes = LEASE * 0.6  # the batch's last letter goes out 1.2 leases after the claim
    released = []
    three_letters.during = lambda: released.append(release_expired())  # another run, meanwhile

    delivery = send_pending_digests()

    assert delivery.sent == 3 and released == [0, 0, 0]
    assert statuses() == [Status.SENT] * 3 and len(mail.outbox) == 3


def test_rows_taken_back_while_one_letter_hung_are_left_to_the_next_run(three_letters, caplog):
    three_letters.takes = LEASE * 1.1  # one letter outlasts the lease: another run takes the batch back
    three_letters.during = lambda: release_expired() if not mail.outbox else None

    delivery = send_pending_digests()

    assert delivery.sent == 1 and len(mail.outbox) == 1  # the two others were not this run's any more
    assert statuses() == [Status.PENDING] * 3
    assert "sent after its claim had expired" in caplog.text  # the one documented duplicate
    three_letters.takes, three_letters.during = datetime.timedelta(0), None
    assert send_pending_digests().sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["person0@example.org", "person0@example.org",
                                                   "person1@example.org", "person2@example.org"]


def test_letters_accepted_before_the_run_breaks_are_marked_sent(three_letters):
    refused = []

    def second_refused(self, messages):
        refused.append(None)
        if len(refused) == 2:
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return locmem.EmailBackend.send_messages(self, messages)

    with mock.patch.object(SlowBackend, "send_messages", second_refused), \
            mock.patch.object(outbox, "_mark_failed", side_effect=RuntimeError("the database went away")), \
            pytest.raises(RuntimeError):
        send_pending_digests()

    assert statuses() == [Status.SENT, Status.SENDING, Status.SENDING] and len(mail.outbox) == 1
    three_letters.clock[0] += LEASE + datetime.timedelta(minutes=1)  # the lease ran out: sent, not twice
    assert send_pending_digests().sent == 2
    assert len(mail.outbox) == 3 and statuses() == [Status.SENT] * 3


@pytest.mark.parametrize(("mark_after", "sent_again"), [(0.0, 2), (3600.0, 3)], ids=["marked-at-once", "batch-end"])
def test_a_worker_killed_mid_batch_resends_only_what_was_not_marked(three_letters, mark_after, sent_again):
    """Killed after its first letter: with ``MARK_AFTER`` past, that letter was marked and is not sent
    again; within it, it goes out again after the lease (the duplicate window, under its Message-ID)."""
    real = locmem.EmailBackend.send_messages
    calls = []

    def killed_at_the_second(self, messages):
        calls.append(None)
        if len(calls) == 2:
            raise SystemExit("killed")
        return real(self, messages)

    with mock.patch.object(outbox, "MARK_AFTER", mark_after), \
            mock.patch.object(locmem.EmailBackend, "send_messages", killed_at_the_second), pytest.raises(SystemExit):
        send_pending_digests()
    three_letters.clock[0] += LEASE + datetime.timedelta(minutes=1)

    assert send_pending_digests().sent == sent_again
    assert statuses() == [Status.SENT] * 3 and len(mail.outbox) == 1 + sent_again
