"""ListPage (registry.list_pages), with its first page: the consents of the scope and where each stands."""

import datetime
import types

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import list_pages
from registry.models import Consent
from tests import factories
from tests.lists import walk

URL = reverse("registry:consent_list")


def _consents(organisation, count, **fields):
    return [factories.consent_for(factories.TeacherFactory(organisation=organisation, last_name=f"Учитель{i:02d}"),
                                  **fields) for i in range(count)]


def test_consents_filtered_by_term_walk_pages_and_sorts(district, client_for):
    today = timezone.localdate()
    _consents(district.school1, 30, valid_until=today + datetime.timedelta(days=10))
    _consents(district.school1, 5, valid_until=today + datetime.timedelta(days=300))
    first, sorts = walk(client_for(district.curator1), URL, {"term": "expiring"},
                        keep=lambda c: c.valid_until <= today + datetime.timedelta(days=30))
    assert first.context["listing"].count == 30
    assert len(sorts) >= 3
    assert "истекает" in first.content.decode()


def test_each_term_finds_its_consents(district, client_for):
    today = timezone.localdate()
    valid, = _consents(district.school1, 1, valid_until=None)
    soon, = _consents(district.school1, 1, valid_until=today + datetime.timedelta(days=5))
    ended, = _consents(district.school1, 1, signed_on=today - datetime.timedelta(days=60),
                       valid_until=today - datetime.timedelta(days=1))
    revoked, = _consents(district.school1, 1)
    Consent.objects.filter(pk=revoked.pk).update(revoked_on=today)
    client = client_for(district.curator1)

    def found(term):
        return {c.pk for c in client.get(URL, {"term": term}).context["listing"].rows}

    assert found("valid") == {valid.pk, soon.pk}
    assert found("expiring") == {soon.pk}
    assert found("expired") == {ended.pk}
    assert found("revoked") == {revoked.pk}
    assert found("") == {valid.pk, soon.pk, ended.pk, revoked.pk}


def test_the_scope_decides_the_rows_and_the_organisation_column(district, client_for):
    mine = _consents(district.school1, 2)
    neighbours = _consents(district.school2, 2)
    foreign = _consents(district.foreign_school, 2)
    own = client_for(district.curator1).get(URL)
    assert {c.pk for c in own.context["listing"].rows} == {c.pk for c in mine}
    assert "Организация" not in [column.label for column in own.context["columns"]]
    municipal = client_for(district.municipal).get(URL)
    assert {c.pk for c in municipal.context["listing"].rows} == {c.pk for c in mine + neighbours}
    assert "Организация" in [str(column.label) for column in municipal.context["columns"]]
    # A school outside the municipality cannot be chosen in the filter: the form refuses it, nothing leaks.
    hostile = client_for(district.municipal).get(URL, {"organisation": district.foreign_school.pk})
    assert hostile.status_code == 200
    assert all(c.participant.organisation.municipality_id == district.municipality.pk
               for c in hostile.context["listing"].rows)
    other = client_for(district.foreign_municipal).get(URL)
    assert {c.pk for c in other.context["listing"].rows} == {c.pk for c in foreign}


def test_search_finds_by_name_whatever_the_case_and_yo(district, client_for):
    person = factories.TeacherFactory(organisation=district.school1, last_name="Семёнова")
    factories.consent_for(person)
    _consents(district.school1, 3)
    rows = client_for(district.curator1).get(URL, {"q": "СЕМЕН"}).context["listing"].rows
    assert [c.participant_id for c in rows] == [person.pk]


def test_queries_do_not_grow_with_the_rows(district, client_for):
    client = client_for(district.municipal)
    _consents(district.school1, 3)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"sort": "organisation"})
    _consents(district.school2, 40)
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"sort": "organisation"})
    assert len(many) == len(few)


def test_hostile_query_strings_are_not_errors(district, client_for):
    client = client_for(district.curator1)
    for query in ({"term": "x" * 500}, {"purpose": "<script>"}, {"organisation": "99999999999999999999"},
                  {"q": "\x00"}, {"sort": "--valid_until"}, {"page": "-1"}):
        assert client.get(URL, query).status_code == 200, query


def test_the_list_is_read_only_and_needs_a_login(district, client_for, client):
    assert client_for(district.curator1).post(URL).status_code == 405
    assert client.get(URL).status_code == 302


def test_a_page_routes_itself_and_draws_its_menu_line(district, client_for):
    """A list page is one class: its declaration gives the route, the URL name and the menu line."""
    module = types.ModuleType("tests.fake_pages")

    class Unrouted(list_pages.ListPage):
        pass

    class Routed(list_pages.ListPage):
        route, url_name, menu = "fake/", "fake_list", "Поддельный список"

    Unrouted.__module__ = Routed.__module__ = module.__name__
    module.Unrouted, module.Routed, module.Imported = Unrouted, Routed, list_pages.ListPage
    before = list(list_pages.MENU)
    try:
        routes = list_pages.urlpatterns(module, namespace="registry")
        assert [(str(route.pattern), route.name) for route in routes] == [("fake/", "fake_list")]
        assert list_pages.MENU[len(before):] == [("registry", "fake_list", "Поддельный список")]
    finally:
        list_pages.MENU[:] = before
    # The real pages: routed where they say and drawn in the menu of every page.
    html = client_for(district.curator1).get(reverse("home")).content.decode()
    for name, label in (("mentoring:mentor_load", "Загрузка наставников"), ("registry:consent_list", "Согласия")):
        assert f'href="{reverse(name)}">{label}</a>' in html
