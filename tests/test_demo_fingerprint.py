"""``load_demo`` builds the same district for the same seed, however it builds it: the rows per model and
checksums of what they say (people, consents, pairs, meetings, stops, notices, orders, roadmaps), by
natural keys, never by ids or timestamps, on a frozen day. The golden file was written by the loader as it
was before it was made faster (``DEMO_FINGERPRINT_WRITE=1`` writes it again, on purpose only)."""

import datetime
import hashlib
import io
import json
import os
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from registry import demo

GOLDEN = Path(__file__).parent / "golden" / "demo_3x40.json"
# A Monday in the middle of the school year, 10:00 in Moscow.
NOW = datetime.datetime(2026, 3, 16, 7, 0, tzinfo=datetime.UTC)
APPS = ("registry", "mentoring", "roadmaps", "monitoring", "auth")


def _digest(rows) -> str:
    text = json.dumps(sorted(rows), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _person(p) -> tuple:
    return (p.organisation.short_name, p.last_name, p.first_name, p.patronymic, str(p.birth_date))


def fingerprint() -> dict:
    from mentoring.models import Meeting, Membership, MentorLink, Order, PlanItem
    from registry.models import Consent, Notification, Participant, ProcessingStop, User
    from roadmaps.models import Occurrence, Reminder, RoadmapItem

    # Not the demo's data: the versions the database's triggers keep of the tables (registry.table_versions).
    counts = {model._meta.label: model.objects.count()
              for app in APPS for model in apps.get_app_config(app).get_models()
              if model._meta.label != "registry.TableVersion"}
    people = Participant.objects.select_related("organisation")
    links = MentorLink.objects.select_related("pair__programme__form", "mentor__participant__organisation")
    members = Membership.objects.select_related("pair__programme__form", "mentee__participant__organisation")
    return {
        "counts": counts,
        "users": _digest((u.username, u.last_name, u.first_name, u.email, u.is_active) for u in User.objects.all()),
        "participants": _digest((*_person(p), p.category, p.class_name, p.gender, p.position, p.is_archived, str(p.archived_on), p.phone, p.email)
                                for p in people),
        "consents": _digest((*_person(c.participant), c.purpose, str(c.signed_on), str(c.revoked_on),
                             str(c.valid_until), c.signed_by, c.representative_name)
                            for c in Consent.objects.select_related("participant__organisation")),
        "mentor_links": _digest((l.pair.programme.form.name, l.pair.status, str(l.pair.started_on),
                                 *_person(l.mentor.participant), str(l.started_on), str(l.ended_on)) for l in links),
        "memberships": _digest((m.pair.programme.form.name, m.pair.status, *_person(m.mentee.participant),
                                str(m.joined_on), str(m.left_on)) for m in members),
        "meetings": _digest((m.programme.form.name, m.programme.organisation.short_name, str(m.held_on), m.kind,
                             m.topic, m.format, m.attendees.count())
                            for m in Meeting.objects.select_related("programme__form", "programme__organisation")),
        "plan_items": _digest((*_person(i.membership.mentee.participant), i.goal, str(i.due_on), i.status)
                              for i in PlanItem.objects.select_related("membership__mentee__participant__organisation")),
        "stops": _digest((*_person(s.participant), s.purpose, s.cause, s.mode, str(s.stopped_on))
                         for s in ProcessingStop.objects.select_related("participant__organisation")),
        "notifications": _digest((n.user.username, n.kind, n.key, n.text) for n in
                                 Notification.objects.select_related("user")),
        "orders": _digest((o.organisation.short_name if o.organisation else o.municipality.name, o.kind, o.number,
                           o.status, str(o.issued_on))
                          for o in Order.objects.select_related("organisation", "municipality")),
        "roadmap_items": _digest((i.roadmap.title, i.number, i.title, i.is_removed)
                                 for i in RoadmapItem.objects.select_related("roadmap")),
        "occurrences": _digest((o.item.roadmap.title, o.item.number, str(o.due_on), o.status)
                               for o in Occurrence.objects.select_related("item__roadmap")),
        "reminders": _digest((r.user.username, r.kind, str(r.day), r.occurrence.item.number)
                             for r in Reminder.objects.select_related("user", "occurrence__item")),
    }


# The golden file was written on SQLite. PostgreSQL hands back rows of unordered querysets in another
# order, so the seeded draws fall on other people: the demo is the same for the same seed on one database,
# not across databases (tests/test_load_demo.py::test_same_seed_gives_same_people runs on both).
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the golden file is SQLite's (see the comment)")
@pytest.mark.django_db(transaction=False)
def test_the_demo_district_is_the_same_for_the_same_seed(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with mock.patch.object(timezone, "now", return_value=NOW):
        demo.load_demo(organisations=3, participants=40, seed=demo.DEFAULT_SEED, stdout=io.StringIO())
        found = fingerprint()
    if os.environ.get("DEMO_FINGERPRINT_WRITE") == "1":
        GOLDEN.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert found["counts"] == expected["counts"]
    assert found == expected
