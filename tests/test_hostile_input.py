"""Hostile query strings never answer 500: every page without arguments, as every role, with values a
person (or a script) may type into the address bar."""

import pytest
from tests.clients import CsrfClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories

HUGE = "9" * 20  # beyond a 64-bit integer: SQLite refuses it, PostgreSQL too
FILTER_NAMES = ("year", "organisation", "programme", "form", "status", "kind", "type", "pair", "q", "role",
                "category", "consent", "topic", "class_name", "stage", "responsible", "owner", "half",
                "municipality", "date_from", "date_to", "late", "view", "unread", "roadmap", "purpose",
                "published", "source", "archived", "show", "quarter")
HOSTILE = [
    {"page": "abc"}, {"page": "-1"}, {"page": HUGE}, {"sort": "password"}, {"sort": "--name"},
    {"per_page": "0"}, {"per_page": HUGE}, {"next": "abc"}, {"next": "https://evil.example/"},
    {name: HUGE for name in FILTER_NAMES}, {name: "abc" for name in FILTER_NAMES},
    {name: "-1" for name in FILTER_NAMES}, {name: "<script>alert(1)</script>" for name in FILTER_NAMES},
    {name: "2026-13-45" for name in FILTER_NAMES}, {name: "\u0000" for name in FILTER_NAMES},
    {"year": "0"}, {"year": "20250"}, {"organisation": ["1", "2"]},
]


def _names(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _names(entry.url_patterns, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
            yield prefix + entry.name


PAGES = sorted(set(_names(get_resolver().url_patterns)) - {"logout", "login"})


def test_the_pages_to_try_are_many():
    assert len(PAGES) >= 30 and "monitoring:case_list" in PAGES and "registry:participant_list" in PAGES


@pytest.mark.parametrize("role", ["observer", "municipal", "curator1", "director1", "member1"])
def test_no_page_answers_500_to_hostile_query_strings(district, role):
    person = factories.MentorProfileFactory(participant__organisation=district.school1).participant
    factories.consent_for(person)
    user = getattr(district, role)
    client = CsrfClient(raise_request_exception=False)
    client.force_login(user)
    failures = []
    for name in PAGES:
        url = reverse(name)
        for query in HOSTILE:
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append(f"{url}?{query} → {response.status_code}")
    assert not failures, "\n".join(failures[:40])


def test_marking_notifications_read_with_a_hostile_next(district, client_for):
    client = CsrfClient(raise_request_exception=False)
    client.force_login(district.curator1)
    for next_url in ("abc", "https://evil.example/", "//evil.example", "\u0000", HUGE):
        response = client.post(reverse("roadmaps:notifications_read"), {"all": "1", "next": next_url})
        assert response.status_code in (302, 303), (next_url, response.status_code)
        assert "evil.example" not in response.get("Location", "")
    response = client.post(reverse("roadmaps:notifications_read"), {"reminder": [HUGE, "abc", "-1"]})
    assert response.status_code < 500


def _object_patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _object_patterns(entry.url_patterns,
                                        f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name and entry.pattern.converters:
            yield prefix + entry.name, entry.pattern.converters


def test_an_id_beyond_any_integer_is_404_not_500(district):
    client = CsrfClient(raise_request_exception=False)
    client.force_login(district.curator1)
    failures = []
    for name, converters in _object_patterns(get_resolver().url_patterns):
        kwargs = {key: (HUGE if type(converter).__name__ == "IntConverter" else "x")
                  for key, converter in converters.items()}
        url = reverse(name, kwargs=kwargs)
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code >= 500:
                failures.append(f"{method.__name__.upper()} {url} → {response.status_code}")
    assert not failures, "\n".join(failures)
