"""«Остановки обработки»: whose data is not processed now, for which purpose and why (a ListPage)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import ProcessingStop
from tests import factories
from tests.lists import walk

URL = reverse("registry:processing_stop_list")
TODAY = timezone.localdate()


def _stopped(organisation, count, *, by=None):
    """``count`` teachers whose consent was revoked today: one stop each, through the service."""
    stops = []
    for i in range(count):
        teacher = factories.TeacherFactory(organisation=organisation, last_name=f"Учитель{i:02d}")
        consent = factories.consent_for(teacher, signed_on=TODAY - datetime.timedelta(days=30))
        stops.append(services.revoke_consent(consent, on=TODAY, reason="заявление об отзыве", by=by))
    return stops


def test_the_stops_walk_pages_and_sorts_and_each_names_its_cause(district, client_for):
    stops = _stopped(district.school1, 30)
    assert all(stop is not None for stop in stops)
    first, sorts = walk(client_for(district.curator1), URL, {"state": "open"}, keep=lambda s: s.resumed_at is None)
    assert first.context["listing"].count == 30
    assert len(sorts) >= 2
    html = first.content.decode()
    assert "согласие отозвано" in html and "остановлена" in html


def test_a_new_consent_moves_the_stop_to_resumed(district, client_for):
    stop, = _stopped(district.school1, 1)
    services.consent_recorded(factories.consent_for(stop.participant, signed_on=TODAY))
    client = client_for(district.curator1)
    assert ProcessingStop.objects.get(pk=stop.pk).resumed_at is not None
    assert not client.get(URL, {"state": "open"}).context["listing"].rows
    resumed = client.get(URL, {"state": "resumed"})
    assert [s.pk for s in resumed.context["listing"].rows] == [stop.pk]
    assert "возобновлена" in resumed.content.decode()


def test_the_scope_decides_the_rows(district, roles):
    mine = _stopped(roles.organisation, 2)
    neighbours = _stopped(district.school2, 2)
    foreign = _stopped(district.foreign_school, 1)
    # A list: every role with a place opens it (a stranger too, and finds nothing); the rows are the scope's.
    roles.expect(URL, neighbour=200, outsider=200, stranger=200)

    def shown(role, **query):
        return {s.pk for s in roles.client(role).get(URL, query).context["listing"].rows}

    assert shown("owner") == {s.pk for s in mine}
    assert shown("neighbour") == {s.pk for s in neighbours}
    assert shown("municipal") == {s.pk for s in mine + neighbours}
    assert shown("municipal", organisation=district.foreign_school.pk) <= {s.pk for s in mine + neighbours}
    assert shown("outsider") == {s.pk for s in foreign}
    assert shown("stranger") == set()


def test_queries_do_not_grow_with_the_rows_and_hostile_queries_are_answered(district, client_for):
    client = client_for(district.municipal)
    _stopped(district.school1, 2)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"sort": "organisation"})
    _stopped(district.school2, 20)
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"sort": "organisation"})
    assert len(many) == len(few)
    for query in ({"state": "x" * 500}, {"cause": "<script>"}, {"q": "\x00"}, {"sort": "--stopped"}):
        assert client.get(URL, query).status_code == 200, query


def test_the_list_is_in_the_menu_read_only_and_needs_a_login(district, client_for, client):
    home = client_for(district.curator1).get(reverse("home")).content.decode()
    assert f'href="{URL}">Остановки обработки</a>' in home
    assert client_for(district.curator1).post(URL).status_code == 405
    assert client.get(URL).status_code == 302
