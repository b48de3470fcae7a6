"""Support for mentees without a pair (issue 14, item 10; seed 003): the curator records sessions,
consultations and steps of the search for a mentor; the unpaired list shows the last support, sortable;
the notes are in the person's audit trail and destroyed with the person's data; scoping."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring import unpaired
from mentoring.models import Support
from registry import destruction
from registry.models import AuditEntry, Consent, DestructionAct
from tests import factories
from tests.lists import links, params

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
NOTE = "Тревожность перед контрольными; договорились о встрече через неделю."


def mentee(organisation, last_name, *, consent=True, class_name="7А"):
    profile = factories.MenteeProfileFactory(participant__organisation=organisation, participant__last_name=last_name,
                                             participant__class_name=class_name)
    if consent:
        factories.consent_for(profile.participant)
    return profile


@pytest.fixture
def school(district):
    org = district.school1
    programme = factories.ProgrammeFactory(organisation=org)
    teacher = factories.MentorProfileFactory(participant__organisation=org, participant__category="teacher",
                                             participant__birth_date=datetime.date(1980, 1, 1))
    paired = mentee(org, "Парный")
    factories.PairFactory(programme=programme, mentor=teacher, mentees=[paired])
    long_ago, never, recent = (mentee(org, name) for name in ("Давний", "Забытый", "Недавний"))
    without_consent = mentee(org, "Безсогласия", consent=False)
    for who, day, kind in ((long_ago, TODAY - 40 * DAY, Support.Kind.PSYCHOLOGIST),
                           (recent, TODAY - 50 * DAY, Support.Kind.CONSULTATION),
                           (recent, TODAY - 2 * DAY, Support.Kind.SEARCH)):
        Support.objects.create(mentee=who, programme=programme, kind=kind, given_on=day, given_by="Психологова А. А.")
    return {"programme": programme, "paired": paired, "long_ago": long_ago, "never": never, "recent": recent,
            "without_consent": without_consent}


def list_url(school):
    return reverse("mentoring:unpaired_list", args=[school["programme"].pk])


def support_url(school, who):
    return reverse("mentoring:support", args=[school["programme"].pk, school[who].pk])


def names(page):
    return [row.mentee.participant.last_name for row in page.context["listing"].rows]


# --- the list -------------------------------------------------------------------------------------------


def test_the_unpaired_list_shows_the_last_support_and_sorts_by_it(district, client_for, school):
    client = client_for(district.director1)  # a reader sees it too
    page = client.get(list_url(school))
    assert page.status_code == 200
    rows = {row.mentee.participant.last_name: row for row in page.context["listing"].rows}
    assert set(rows) == {"Безсогласия", "Давний", "Забытый", "Недавний"}
    assert (rows["Недавний"].last_on, rows["Недавний"].last_kind, rows["Недавний"].count) == (
        TODAY - 2 * DAY, "Поиск наставника", 2)
    assert rows["Забытый"].last_on is None and rows["Забытый"].count == 0
    html = page.content.decode()
    assert (TODAY - 40 * DAY).strftime("%d.%m.%Y") in html and "не было" in html
    # Ascending: never supported first, then the longest ago; the head's link turns it round.
    ascending = client.get(list_url(school), {"sort": "support"})
    assert names(ascending) == ["Безсогласия", "Забытый", "Давний", "Недавний"]
    head = next(href for href in links(ascending).sorts if "support" in href)
    assert params(head)["sort"] == ["-support"]
    assert names(client.get(list_url(school) + head))[:2] == ["Недавний", "Давний"]
    assert names(client.get(list_url(school), {"sort": "-count"}))[0] == "Недавний"


def test_the_programme_page_leads_to_the_list(district, client_for, school):
    page = client_for(district.curator1).get(school["programme"].get_absolute_url()).content.decode()
    assert list_url(school) in page


def test_the_list_queries_do_not_grow_with_mentees(district, client_for, school):
    client = client_for(district.curator1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(list_url(school)).status_code == 200
        return len(queries)

    before = count()
    for index in range(10):
        extra = mentee(district.school1, f"Ещёодин{index}")
        Support.objects.create(mentee=extra, kind=Support.Kind.OTHER, given_on=TODAY, given_by="Куратор")
    assert count() == before


# --- recording ------------------------------------------------------------------------------------------


def record(client, school, who="never", **fields):
    data = {"kind": Support.Kind.PSYCHOLOGIST, "given_on": TODAY.isoformat(), "given_by": "Психологова А. А.",
            "note": NOTE, **fields}
    return client.post(reverse("mentoring:support_record", args=[school["programme"].pk, school[who].pk]), data)


def test_the_curator_records_support_once_on_a_double_submit(district, client_for, school):
    client = client_for(district.curator1)
    first = record(client, school)
    assert first.status_code == 302 and first["Location"] == support_url(school, "never")
    support = Support.objects.get(mentee=school["never"])
    assert (support.programme, support.note, support.created_by) == (school["programme"], NOTE, district.curator1)
    second = record(client, school)
    assert second.status_code == 302 and Support.objects.filter(mentee=school["never"]).count() == 1
    page = client.get(support_url(school, "never"))
    assert NOTE in page.content.decode() and "повторная отправка" in page.content.decode()
    # A step of the search, another day, is a record of its own and now the last one.
    record(client, school, kind=Support.Kind.SEARCH, given_on=TODAY.isoformat(), note="Предложен наставник Петров")
    rows = {row.mentee.pk: row for row in unpaired.rows(school["programme"])}
    assert (rows[school["never"].pk].count, rows[school["never"].pk].last_kind) == (2, "Поиск наставника")


def test_no_support_is_recorded_while_processing_is_stopped_or_in_the_future(district, client_for, school):
    client = client_for(district.curator1)
    page = record(client, school, who="without_consent")
    assert page.status_code == 200 and "остановлена" in page.content.decode()
    later = record(client, school, given_on=(TODAY + DAY).isoformat())
    assert later.status_code == 200 and "дата в будущем" in later.content.decode()
    assert not Support.objects.filter(mentee__in=[school["without_consent"], school["never"]]).exists()


def test_who_may_read_and_who_may_record(district, client_for, roles, school):
    assert client_for(district.director1).get(support_url(school, "recent")).status_code == 200
    for user in (district.director1, district.observer, district.municipal):
        assert record(client_for(user), school).status_code == 403
    stranger = mentee(district.school2, "Чужой")
    other_school = reverse("mentoring:support", args=[school["programme"].pk, stranger.pk])
    roles.expect([list_url(school), support_url(school, "recent")], municipal=None)
    for role in ("neighbour", "outsider", "stranger"):
        assert record(roles.client(role), school).status_code == 404, role
    # A mentee of another school is not found through this school's programme.
    assert client_for(district.curator1).get(other_school).status_code == 404
    assert client_for(district.curator1).post(other_school + "record/", {"kind": "other"}).status_code == 404
    assert not Support.objects.filter(mentee=school["never"]).exists()


# --- personal data ----------------------------------------------------------------------------------------


def test_the_notes_are_in_the_persons_trail_and_reading_them_is_recorded(district, client_for, school):
    client = client_for(district.curator1)
    record(client, school)
    person = school["never"].participant
    created = AuditEntry.objects.get(participant=person, content_type__model="support")
    assert created.changes["note"][1] == NOTE and created.actor == district.curator1
    client_for(district.director1).get(support_url(school, "never"))
    assert AuditEntry.objects.filter(participant=person, kind=AuditEntry.Kind.VIEW, actor=district.director1).exists()
    history = client.get(reverse("registry:participant_history", args=[person.pk])).content.decode()
    assert NOTE in history


def test_destruction_erases_the_notes(district, client_for, school):
    client = client_for(district.curator1)
    record(client, school)
    person = school["never"].participant
    Consent.objects.filter(participant=person).update(revoked_on=TODAY - DAY)
    destruction.destroy([person], by=district.director1)
    support = Support.objects.get(mentee=school["never"])
    assert support.note == "" and (support.kind, support.given_on) == (Support.Kind.PSYCHOLOGIST, TODAY)
    assert not AuditEntry.objects.filter(changes__icontains="Тревожность").exists()
    act = DestructionAct.objects.get()
    assert "заметки о сопровождении без пары" in act.subjects[0]["categories"]
    # Others' notes stay.
    assert Support.objects.filter(mentee=school["recent"]).count() == 2
