"""The daily reminder scan costs the same number of queries for a roadmap of 10 items as for one of 60: per
chunk of users, not per item (``roadmaps.reminders``; the batch inserts of ``registry.bulk_insert``)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Notification
from roadmaps.models import Occurrence, Reminder, ReminderDigest, ReminderRun, RoadmapItem
from roadmaps.reminders import scan_reminders

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
