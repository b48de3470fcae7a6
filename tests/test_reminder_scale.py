"""The daily reminder run costs the same number of queries for a roadmap of 10 items as for one of 60, and
for one organisation as for several: per chunk of users and per batch of letters, not per item, letter or
organisation (``roadmaps.reminders``, ``roadmaps.outbox``; the batch inserts of ``registry.bulk_insert``)."""

import datetime
from unittest import mock

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import AcademicYear, Notification
from registry.scoping import Role
from roadmaps import outbox
from roadmaps.models import Occurrence, Reminder, ReminderDigest, ReminderRun, Roadmap, RoadmapItem
from roadmaps.outbox import SEND_BATCH
from roadmaps.reminders import CHUNK_SIZE, scan_reminders, send_daily_reminders
from tests import factories

TODAY = datetime.date(2026, 3, 16)


def _scan_with(roadmap, people, items: int) -> tuple[int, int]:
    """A fresh roadmap of ``items`` items, every person responsible for each, due this week, tomorrow or
    overdue in turn; the scan's query count and how many reminders it recorded."""
    for model in (Reminder, ReminderDigest, ReminderRun, Notification, RoadmapItem):
        model.objects.all().delete()
    created = RoadmapItem.objects.bulk_create(
        [RoadmapItem(roadmap=roadmap, stage_number=1, stage_title="Этап", number=f"1.{n}", title=f"Мероприятие {n}",
                     deadline={"kind": "year", "text": "в течение года"}, position=n) for n in range(1, items + 1)])
    for item in created:
        item.responsible_users.set(people)
    offsets = (7, 1, -1, -3, -10)
    Occurrence.objects.bulk_create(
        [Occurrence(item=item, starts_on=TODAY - datetime.timedelta(days=40),
                    due_on=TODAY + datetime.timedelta(days=offsets[n % len(offsets)])) for n, item in enumerate(created)])
    with CaptureQueriesContext(connection) as queries:
        summary = scan_reminders(TODAY, catch_up=0)
    return len(queries), summary.reminders


def test_the_scan_costs_the_same_queries_for_10_and_60_items(roadmap, curator, member, district):
    people = [curator, member, district.director1]
    small, reminded_small = _scan_with(roadmap, people, 10)
    large, reminded_large = _scan_with(roadmap, people, 60)
    assert (reminded_small, reminded_large) == (30, 180)
    assert Notification.objects.filter(kind=Notification.Kind.ROADMAP_OVERDUE).count() == 3 * 36
    assert ReminderDigest.objects.count() == 2  # the director has no address: no letter
    assert large == small


def _daily_run_with(district, organisations: int, items: int, chunk_size: int = CHUNK_SIZE) -> tuple[int, int]:
    """``organisations`` schools (fresh ones), each with a roadmap of ``items`` items and two people with
    addresses responsible for every item, due in a week, tomorrow or overdue in turn; the query count
    of the whole daily run (scan and sending) and how many letters it sent."""
    for model in (Reminder, ReminderDigest, ReminderRun, Notification, RoadmapItem):
        model.objects.all().delete()
    year = AcademicYear.objects.current()
    offsets = (7, 1, -1, -3, -10)
    for _ in range(organisations):
        school = factories.OrganisationFactory(municipality=district.municipality)
        people = [factories.UserFactory(email=f"person{n}-{school.pk}@example.org") for n in range(2)]
        for person in people:
            factories.RoleFactory(user=person, role=Role.WORKING_GROUP, organisation=school)
        roadmap = Roadmap.objects.create(organisation=school, academic_year=year, title="Дорожная карта")
        created = RoadmapItem.objects.bulk_create(
            [RoadmapItem(roadmap=roadmap, stage_number=1, stage_title="Этап", number=f"1.{n}", title=f"Мероприятие {n}",
                         deadline={"kind": "year", "text": "в течение года"}, position=n) for n in range(1, items + 1)])
        through = RoadmapItem.responsible_users.through
        through.objects.bulk_create([through(roadmapitem_id=item.pk, user_id=person.pk)
                                     for item in created for person in people])
        Occurrence.objects.bulk_create(
            [Occurrence(item=item, starts_on=TODAY - datetime.timedelta(days=40),
                        due_on=TODAY + datetime.timedelta(days=offsets[n % len(offsets)]))
             for n, item in enumerate(created)])
    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        summary = send_daily_reminders(TODAY, catch_up=0, chunk_size=chunk_size)
    assert summary.emails_failed == 0
    return len(queries), len(mail.outbox)


def test_the_daily_run_costs_the_same_queries_for_few_and_many_items_and_organisations(district):
    """Scan and sending together: not per item, not per letter, not per organisation (up to a chunk of
    ``CHUNK_SIZE`` users and a batch of ``SEND_BATCH`` letters, a few more queries each)."""
    assert 8 * 2 <= min(CHUNK_SIZE, SEND_BATCH)
    one_small, letters = _daily_run_with(district, 1, 5)
    assert letters == 2
    one_large, letters = _daily_run_with(district, 1, 60)
    assert letters == 2
    many_large, letters = _daily_run_with(district, 8, 60)
    assert letters == 16
    assert one_small == one_large == many_large


def test_a_second_chunk_and_batch_cost_a_fixed_number_of_queries(district):
    """Past a chunk of users and a batch of letters the count grows by chunk and by batch, the same
    for each: 2, 4 and 6 schools (4, 8 and 12 people) in chunks and batches of 4."""
    with mock.patch.object(outbox, "SEND_BATCH", 4):
        counts = [_daily_run_with(district, organisations, 3, chunk_size=4)[0] for organisations in (2, 4, 6)]
    assert counts[2] - counts[1] == counts[1] - counts[0] > 0
