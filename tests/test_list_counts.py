"""«Найдено N» of the district's lists is read from the cache while their tables are unchanged, and is
right after every kind of write (issue 16): through the services, ``bulk_create``, ``QuerySet.update()``,
deletes. ``registry.list_counts`` caches only outside a transaction that wrote, so these tests commit
(``transaction=True``); the versions are set by database triggers (``registry.table_versions``).
"""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring import services as mentoring_services
from mentoring.models import Meeting, Pair
from registry import list_counts, services, table_versions
from registry.models import Participant, TableVersion, Topic
from registry.scoping import Scope
from tests import factories
from tests.reference_data import seed_reference_data
from tests.test_list_scale import add_rows

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The migrations' rows (the forms of mentoring) again: an earlier transactional test's flush took them,
    and the suite's database is not serialized for ``serialized_rollback`` to bring them back."""
    seed_reference_data()


def shown(client, url, table, query=None):
    """(the number the page shows, whether it counted the table's rows, the response)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r"Найден[оа] ([\d\s\xa0]+) запис", html)
    assert found, "no «найдено N» under the list"
    number = int(re.sub(r"\D", "", found.group(1)))
    assert number == response.context["listing"].count
    counted = any(q["sql"].startswith("SELECT COUNT(*)") and f'FROM "{table}"' in q["sql"]
                  for q in captured.captured_queries)
    return number, counted, response


def current_people(district):
    return Participant.objects.filter(organisation__municipality=district.municipality, is_archived=False).count()


def test_participants_count_is_cached_and_right_after_every_write(transactional_db, district, client_for):
    add_rows(district, 60)  # 120 people: three pages of 50
    client = client_for(district.municipal)
    url = reverse("registry:participant_list")
    table = "registry_participant"

    number, counted, _ = shown(client, url, table)
    assert (number, counted) == (current_people(district), True)
    number, counted, _ = shown(client, url, table, {"sort": "-name"})  # another sort: the same count
    assert (number, counted) == (current_people(district), False)

    services.create_participant(Participant(organisation=district.school1, last_name="Новикова", first_name="Анна",
                                            category="student", birth_date=datetime.date(2012, 1, 1)),
                                by=district.curator1)
    number, counted, _ = shown(client, url, table)
    assert (number, counted) == (current_people(district), True) and number == 121

    Participant.objects.bulk_create([Participant(organisation=district.school2, last_name=f"Пакетов{i}",
                                                 first_name="Пётр", category="student") for i in range(5)])
    assert shown(client, url, table)[0] == current_people(district) == 126

    person = Participant.objects.get(last_name="Новикова")
    services.archive_participant(person, reason="Выбыла", by=district.curator1)
    assert shown(client, url, table)[0] == current_people(district) == 125

    Participant.objects.filter(last_name__startswith="Пакетов").update(is_archived=True)  # no signal at all
    assert shown(client, url, table)[0] == current_people(district) == 120

    with connection.cursor() as cursor:  # raw SQL: no model, no signal (a deleted person is audited, so not .delete())
        cursor.execute("DELETE FROM registry_participant WHERE last_name LIKE %s", ["Пакетов%"])
    services.restore_participant(person, by=district.curator1)
    assert shown(client, url, table)[0] == current_people(district) == 121

    # The pages the count promises are there: page 3 holds the last 21 of 121.
    number, _, response = shown(client, url, table, {"page": 3})
    assert response.context["listing"].page.number == 3 and len(response.context["listing"].rows) == 21
    assert 'href="?page=2"' in response.content.decode()


def test_pairs_and_meetings_counts_follow_the_services_and_bulk_writes(transactional_db, district, client_for):
    add_rows(district, 60)
    client = client_for(district.municipal)
    pairs_url, meetings_url = reverse("mentoring:pair_list"), reverse("mentoring:meeting_list")

    scope = Scope.for_user(district.municipal)

    def visible(model):
        rows = model.objects.visible_to(scope)
        return (rows.exclude(status=Pair.Status.REJECTED) if model is Pair else rows).count()

    assert shown(client, pairs_url, "mentoring_pair")[:2] == (visible(Pair), True)
    assert shown(client, pairs_url, "mentoring_pair")[:2] == (visible(Pair), False)
    assert shown(client, meetings_url, "mentoring_meeting")[:2] == (visible(Meeting), True)
    assert shown(client, meetings_url, "mentoring_meeting")[:2] == (visible(Meeting), False)

    pair = Pair.objects.filter(programme__organisation=district.school1).first()
    mentoring_services.log_meeting(
        programme=pair.programme, pair=pair, by=district.curator1,
        data=mentoring_services.MeetingInput(kind=Meeting.Kind.REGULAR, held_on=TODAY, format=Meeting.Format.IN_PERSON,
                                             topic="Ещё встреча", attendee_ids=[], note="", mentor_feedback="",
                                             mentee_feedback=""))
    number, counted, _ = shown(client, meetings_url, "mentoring_meeting")
    assert (number, counted) == (visible(Meeting), True) and number == 61

    Meeting.objects.filter(pk__in=Meeting.objects.filter(pair__programme__organisation=district.school2)
                           .values("pk")[:10]).delete()
    assert shown(client, meetings_url, "mentoring_meeting")[0] == visible(Meeting) == 51

    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.REJECTED)  # leaves the list
    assert shown(client, pairs_url, "mentoring_pair")[0] == visible(Pair) == 59
    # A write to a table the count only joins (the programme moved to a school of another district).
    pair.programme.organisation = district.foreign_school
    pair.programme.save()
    assert shown(client, pairs_url, "mentoring_pair")[0] == visible(Pair)
    assert shown(client, meetings_url, "mentoring_meeting")[0] == visible(Meeting)


def test_a_transaction_that_wrote_counts_its_own_rows_and_caches_nothing(transactional_db, district):
    add_rows(district, 3)
    rows = Participant.objects.filter(organisation__municipality=district.municipality)
    before = list_counts.count(rows)
    with transaction.atomic():
        Participant.objects.create(organisation=district.school1, last_name="Откатов", first_name="Олег")
        assert list_counts.count(rows) == before + 1
        transaction.set_rollback(True)
    assert list_counts.count(rows) == before


def test_a_count_over_an_untracked_table_is_counted_every_time(transactional_db, district):
    add_rows(district, 3)
    # registry_municipality has no version trigger
    rows = Participant.objects.filter(organisation__municipality__name=district.municipality.name)
    expected = Participant.objects.filter(organisation__municipality=district.municipality).count()
    assert expected
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert list_counts.count(rows) == expected
        assert [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
        assert not [q for q in captured.captured_queries if "registry_tableversion" in q["sql"]]


def test_every_tracked_table_has_its_trigger(transactional_db):
    """``track()`` in the apps and the migrations' triggers name the same tables: a tracked table without a
    trigger would serve a count after a write as if nothing had changed."""
    assert {"registry_participant", "mentoring_pair", "mentoring_meeting"} <= table_versions.TRACKED
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'registry_table_version'")
        else:
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE "
                           "'registry_table_version_%_INSERT'")
        triggered = {row[0].strip('"') for row in cursor.fetchall()}
    assert table_versions.TRACKED <= triggered
    before = dict(TableVersion.objects.values_list("table", "version"))
    Participant.objects.bulk_create([Participant(last_name="Триггеров", first_name="Тимур",
                                                 organisation=factories.OrganisationFactory())])
    after = dict(TableVersion.objects.values_list("table", "version"))
    assert after["registry_participant"] != before.get("registry_participant")


def options(response, name) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def queries_of(client, url, query=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def test_the_dropdowns_come_from_the_cache_and_follow_writes(transactional_db, district, client_for):
    """The organisation, form, year and topic dropdowns of a district's lists cost no query while their
    tables are unchanged, and show a new organisation or topic at once."""
    add_rows(district, 3)
    client = client_for(district.municipal)
    people_url, pairs_url, meetings_url = (reverse("registry:participant_list"), reverse("mentoring:pair_list"),
                                           reverse("mentoring:meeting_list"))
    for url in (people_url, pairs_url, meetings_url):
        queries_of(client, url)  # the cache filled
    warm = {url: queries_of(client, url)[1] for url in (people_url, pairs_url, meetings_url)}
    for url, queries in warm.items():
        assert not [sql for sql in queries if 'FROM "registry_organisation"' in sql.split("WHERE")[0]
                    and "short_name" in sql.split("FROM")[0]], f"{url}: the organisations read again"
        assert not [sql for sql in queries if sql.startswith("SELECT COUNT(*)") and "registry_notification" not in sql]
        assert len([sql for sql in queries if "registry_tableversion" in sql]) == 1, url  # once a request
    assert not [sql for sql in warm[pairs_url] if 'FROM "mentoring_mentoringform"' in sql]
    assert not [sql for sql in warm[people_url] if 'FROM "registry_topic"' in sql]

    assert "МБОУ СОШ № 77" not in options(client.get(people_url), "organisation")
    factories.OrganisationFactory(municipality=district.municipality, short_name="МБОУ СОШ № 77")
    for url in (people_url, pairs_url, meetings_url):
        assert "МБОУ СОШ № 77" in options(client.get(url), "organisation"), url

    topic = Topic.objects.create(name="Робототехника")
    assert "Робототехника" in options(client.get(people_url), "topic")
    topic.name = "Робототехника и ИИ"
    topic.save()
    assert "Робототехника и ИИ" in options(client.get(people_url), "topic")
