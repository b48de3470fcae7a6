"""CSRF is enforced in every request-level test (issue 17, item 5).

The clients of tests/clients.py enforce the check and send the token back as a browser does (the
``csrftoken`` cookie, ``X-CSRFToken`` / ``csrfmiddlewaretoken``), so tests pass; a write to a view the
check skips (``@csrf_exempt``) fails the test that sent it. A plain ``Client(`` would switch the check off
again: the walk below refuses one anywhere in tests/ unless it says ``enforce_csrf_checks=True``.
"""

import ast
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt

from config import urls as project_urls
from tests.clients import CsrfClient, FormClient
from tests.test_permissions import url_patterns

TESTS = Path(__file__).resolve().parent


def unenforced_clients(source: str) -> list[int]:
    """Lines of ``Client(…)`` / ``….Client(…)`` calls that do not pass ``enforce_csrf_checks=True``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in ("Client", "AsyncClient"):
            continue
        enforced = any(keyword.arg == "enforce_csrf_checks" and isinstance(keyword.value, ast.Constant)
                       and keyword.value.value is True for keyword in node.keywords)
        if not enforced:
            lines.append(node.lineno)
    return lines


def test_no_test_builds_a_client_without_the_csrf_check():
    found = {f"{file.relative_to(TESTS)}:{line}" for file in TESTS.rglob("*.py")
             for line in unenforced_clients(file.read_text())}
    assert not found, f"use tests.clients.CsrfClient (or the client / client_for fixtures): {sorted(found)}"


@pytest.mark.parametrize(("source", "lines"), [
    ("from django.test import Client\nc = Client()\n", [2]),
    ("import django.test\nc = django.test.Client(enforce_csrf_checks=False)\n", [2]),
    ("c = Client(raise_request_exception=False)\n", [1]),
    ("c = Client(enforce_csrf_checks=True)\nd = CsrfClient()\n", []),
])
def test_the_walk_finds_a_client_without_the_check(source, lines):
    assert unenforced_clients(source) == lines


def test_the_client_fixture_enforces_the_check_and_sends_the_token(client, district):
    assert isinstance(client, CsrfClient)
    form = {"username": "curator1", "password": "неверный"}
    assert client.post(reverse("login"), form, HTTP_X_CSRFTOKEN="x" * 32).status_code == 403
    assert client.post(reverse("login"), form).status_code == 200  # the form again, with its error


def test_the_logged_in_clients_enforce_it_too(client_for, district):
    client = client_for(district.curator1)
    assert isinstance(client, FormClient)
    url = reverse("registry:notifications_read")
    assert client.post(url, {"all": "1", "csrfmiddlewaretoken": "x" * 32},
                       HTTP_X_CSRFTOKEN="x" * 32).status_code == 403
    assert client.post(url, {"all": "1"}).status_code == 302


@csrf_exempt
def exempt(request):
    return HttpResponse("written")


# The project's routes (the login page the middleware sends to among them) and one that skips the check.
urlpatterns = [path("exempt/", exempt, name="exempt"), *project_urls.urlpatterns]


@pytest.mark.urls("tests.test_csrf")
def test_a_write_to_a_view_without_the_check_fails_the_test(client_for, district):
    client = client_for(district.curator1)
    with pytest.raises(AssertionError, match="exempt"):
        client.post("/exempt/", {})
    assert client.get("/exempt/").status_code == 200  # reading is no write


def test_no_view_of_the_project_skips_the_check():
    assert [name for name, _route, view in url_patterns() if getattr(view, "csrf_exempt", False)] == []
