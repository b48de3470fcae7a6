"""The reminder outbox's recipients and senders: the recipient checked again when the letter is sent
(opt-out, address, role, the item itself), and each letter sent by one of two concurrent runs."""

import contextlib
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from registry.models import RoleAssignment
from registry.scoping import Role
from roadmaps import outbox
from roadmaps.models import Occurrence, Reminder, ReminderDigest
from roadmaps.outbox import send_pending_digests
from roadmaps.reminders import scan_reminders
from tests import factories
from tests.test_reminders import TODAY, days, occurrence

Status = ReminderDigest.Status


# --- the recipient, checked again when sending --------------------------------------------------------


def test_a_user_who_opted_out_after_the_scan_gets_nothing(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    curator.email_reminders = False
    curator.save()

    delivery = send_pending_digests()

    assert (delivery.sent, delivery.cancelled) == (0, 1)
    assert ReminderDigest.objects.get().status == Status.CANCELLED and mail.outbox == []


def test_the_letter_goes_to_the_current_address(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    curator.email = "anna.new@example.org"
    curator.save()

    send_pending_digests()

    assert [letter.to for letter in mail.outbox] == [["anna.new@example.org"]]


def test_a_role_ended_between_the_scan_and_the_send_cancels_the_letter(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)
    scan_reminders(TODAY)
    RoleAssignment.objects.filter(user=curator).update(ended_on=timezone.localdate() - days(1))

    delivery = send_pending_digests()

    assert (delivery.sent, delivery.cancelled) == (0, 1)
    row = ReminderDigest.objects.get()
    assert row.status == Status.CANCELLED and "no longer reaches" in row.last_error
    assert mail.outbox == [] and not Reminder.objects.filter(emailed_at__isnull=False).exists()


def test_the_send_leaves_out_what_no_longer_concerns_the_user(district, roadmap, curator):
    """Checked again when sending, line by line: one item done since the scan, one school left since."""
    factories.RoleFactory(user=curator, role=Role.SCHOOL_CURATOR, organisation=district.school2)
    other = factories.RoadmapFactory(organisation=district.school2, title="Дорожная карта школы № 2")
    kept = occurrence(roadmap, TODAY + days(1), curator, title="Издание приказа")
    done = occurrence(roadmap, TODAY + days(7), curator, title="Анкетирование наставников")
    left = occurrence(other, TODAY + days(1), curator, title="Совещание в школе № 2")
    scan_reminders(TODAY)
    assert len(ReminderDigest.objects.get().content["lines"]) == 3
    done.status = Occurrence.Status.DONE
    done.save()
    RoleAssignment.objects.filter(user=curator, organisation=district.school2).update(
        ended_on=timezone.localdate() - days(1))

    assert send_pending_digests().sent == 1

    [letter] = mail.outbox
    assert "Издание приказа" in letter.body
    assert "Анкетирование" not in letter.body and "школе № 2" not in letter.body
    assert set(Reminder.objects.filter(emailed_at__isnull=False).values_list("occurrence_id", flat=True)) == {
        kept.pk}
    assert Reminder.objects.filter(occurrence__in=[done, left], emailed_at__isnull=True).count() == 2


# --- two senders at once -----------------------------------------------------------------------------


def test_a_row_taken_by_another_worker_between_read_and_claim_is_not_sent_again(roadmap, curator, member):
    occurrence(roadmap, TODAY + days(1), curator, member)
    scan_reminders(TODAY)
    real_claim = outbox._claim
    other = []

    def claim_after_the_other_worker(rows):
        if not other:  # the other worker runs between this one's read of the rows and its claim
            other.append(None)
            other[0] = send_pending_digests()
        return real_claim(rows)

    with mock.patch.object(outbox, "_claim", claim_after_the_other_worker):
        mine = send_pending_digests()

    assert (other[0].sent, mine.sent, mine.busy) == (2, 0, 2)
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sending_runs_send_each_letter_once(district):
    roadmap = factories.RoadmapFactory(organisation=district.school1, title="Дорожная карта")
    people = []
    for n in range(6):
        user = factories.UserFactory(username=f"responsible{n}", email=f"responsible{n}@example.org")
        factories.RoleFactory(user=user, role=Role.WORKING_GROUP, organisation=district.school1)
        people.append(user)
    for due in (TODAY + days(7), TODAY + days(1)):
        occurrence(roadmap, due, *people)
    scan_reminders(TODAY)
    barrier = threading.Barrier(2)
    deliveries, errors = [], []
    # As in test_reminders: on PostgreSQL the two runs really race for the rows. SQLite's shared in-memory
    # test database answers "table is locked" instead of waiting, so there they take turns (the claim
    # itself is tried on every database by the interleaving test above).
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def run():
        try:
            barrier.wait(timeout=10)
            with turns:
                deliveries.append(send_pending_digests())
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(message.to[0] for message in mail.outbox) == [f"responsible{n}@example.org" for n in range(6)]
    assert sum(d.sent for d in deliveries) == 6
    assert ReminderDigest.objects.filter(status=Status.SENT).count() == 6
