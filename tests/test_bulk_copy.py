"""``registry.bulk_copy.insert_objects`` (``load_demo``'s inserts; ``COPY`` on PostgreSQL, ``bulk_create``
elsewhere) stores what ``bulk_create`` stores: plain values, a lazy translation, JSON, a float, a file name,
``auto_now_add``, foreign keys to instances saved after they were assigned; the instances get their keys,
in their order, as saved instances."""

import datetime

from django.db import connection
from django.utils.translation import gettext_lazy

from mentoring.models import Meeting, MentorLink, Pair
from registry.bulk_copy import insert_objects
from registry.models import MentorProfile
from tests import factories


def _pairs(programme, n, tag):
    return [Pair(programme=programme, status=Pair.Status.ACTIVE, started_on=datetime.date(2026, 10, i + 1),
                 match_score=0.5 + i, match_reasons=[{"code": tag, "label": "«кавычки»\t\\ и\nстрока", "points": i}],
                 planned_end_on=programme.ends_on)
            for i in range(n)]


def _stored(queryset, *fields):
    return list(queryset.order_by("pk").values_list(*fields))


def test_the_same_rows_as_bulk_create(district):
    programme = factories.ProgrammeFactory(organisation=district.school1)
    mentor = factories.MentorProfileFactory(participant=factories.TeacherFactory(organisation=district.school1))

    ours, theirs = _pairs(programme, 3, "ours"), _pairs(programme, 3, "theirs")
    links = [MentorLink(pair=pair, mentor=mentor, started_on=pair.started_on) for pair in ours]  # pairs unsaved yet
    meetings = [Meeting(programme=programme, pair=pair, held_on=pair.started_on, kind=Meeting.Kind.REGULAR,
                        topic=gettext_lazy("Встреча"), note="") for pair in ours]
    assert all(a is b for a, b in zip(insert_objects(Pair, ours), ours, strict=True))
    Pair.objects.bulk_create(theirs)
    insert_objects(MentorLink, links)
    insert_objects(Meeting, meetings)

    assert [p.pk for p in ours] == sorted(p.pk for p in ours) and not any(p._state.adding for p in ours)
    assert max(p.pk for p in ours) < min(p.pk for p in theirs)  # drawn from the same sequence, in order
    fields = ("status", "started_on", "match_score", "match_reasons", "planned_end_on", "programme_id")
    assert [row[:3] + row[4:] for row in _stored(Pair.objects.filter(pk__in=[p.pk for p in ours]), *fields)] == [
        row[:3] + row[4:] for row in _stored(Pair.objects.filter(pk__in=[p.pk for p in theirs]), *fields)]
    assert Pair.objects.get(pk=ours[2].pk).match_reasons == [
        {"code": "ours", "label": "«кавычки»\t\\ и\nстрока", "points": 2}]
    assert all(p.created_at is not None for p in Pair.objects.filter(pk__in=[p.pk for p in ours]))
    assert _stored(MentorLink.objects.filter(mentor=mentor), "pair_id", "started_on") == [
        (p.pk, p.started_on) for p in ours]
    assert _stored(Meeting.objects.filter(programme=programme), "pair_id", "topic") == [(p.pk, "Встреча") for p in ours]


def test_file_fields_store_their_names(district):
    people = [factories.TeacherFactory(organisation=district.school1) for _ in range(2)]
    profiles = [MentorProfile(participant=person, capacity=2, certificate_date=datetime.date(2026, 9, 1),
                              certificate_file=f"certificates/{person.pk}.pdf") for person in people]
    insert_objects(MentorProfile, profiles)
    assert _stored(MentorProfile.objects.filter(participant__in=people), "certificate_file", "capacity") == [
        (f"certificates/{person.pk}.pdf", 2) for person in people]
    assert connection.vendor in ("postgresql", "sqlite")
