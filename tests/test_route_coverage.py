"""The route-coverage check itself (tests/route_coverage.py), and the requests for the routes no other
test opened with an answer: the list of mentoring forms, the page after a password change, logging out."""

import types

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from mentoring.models import MentoringForm
from tests import route_coverage
from tests.clients import CsrfClient


def test_the_check_lists_exactly_the_routes_never_answered():
    routes = route_coverage.named_routes()
    assert {"mentoring:form_list", "registry:participant_list", "logout", "healthz"} <= routes
    assert route_coverage.never_answered(routes) == []
    assert route_coverage.never_answered(routes - {"mentoring:form_list"}) == ["mentoring:form_list"]


def test_only_an_answer_below_400_counts(monkeypatch):
    monkeypatch.setattr(route_coverage, "ANSWERED", {})
    for status in (200, 302, 403, 404, 405):
        response = HttpResponse(status=status)
        response.resolver_match = types.SimpleNamespace(view_name=f"page_{status}")
        route_coverage.record(response)
    assert route_coverage.ANSWERED == {"page_200": 1, "page_302": 1}


def test_the_test_client_reports_what_it_requested(db):
    assert getattr(Client.request, "records_routes", False)
    before = route_coverage.ANSWERED.get("healthz", 0)
    assert CsrfClient().get(reverse("healthz")).status_code == 200
    assert route_coverage.ANSWERED["healthz"] == before + 1


def test_a_worker_hands_its_routes_over_and_the_controller_adds_them_up(monkeypatch):
    """Under pytest-xdist (``make test`` runs two workers) each worker answers part of the routes; the
    controller checks the sum, and a worker never checks its share alone."""
    monkeypatch.setattr(route_coverage, "ANSWERED", {"healthz": 2, "login": 1})
    worker = types.SimpleNamespace(config=types.SimpleNamespace(workerinput={}, workeroutput={}), exitstatus=0)
    route_coverage.check(worker)
    assert worker.config.workeroutput["answered_routes"] == {"healthz": 2, "login": 1}
    assert worker.exitstatus == 0

    monkeypatch.setattr(route_coverage, "ANSWERED", {"healthz": 1})
    route_coverage.merge(types.SimpleNamespace(workeroutput=worker.config.workeroutput))
    route_coverage.merge(types.SimpleNamespace(workeroutput={"answered_routes": {"logout": 3}}))
    route_coverage.merge(types.SimpleNamespace())  # a worker that crashed before handing anything over
    assert route_coverage.ANSWERED == {"healthz": 3, "login": 1, "logout": 3}


@pytest.mark.parametrize(("args", "keyword", "whole"), [
    ([], "", True), (["tests"], "", True), (["."], "", True),
    (["tests/test_pairs.py"], "", False), (["tests/test_pairs.py::test_x"], "", False),
    (["tests"], "pairs", False),
])
def test_only_a_run_of_the_whole_suite_is_checked(pytestconfig, args, keyword, whole):
    config = types.SimpleNamespace(args=args, rootpath=pytestconfig.rootpath,
                                   option=types.SimpleNamespace(keyword=keyword, lf=False))
    assert route_coverage.whole_suite(config) is whole


# --- the routes no other test opened ------------------------------------------------------------------


def test_the_list_of_mentoring_forms(district, client_for):
    response = client_for(district.curator1).get(reverse("mentoring:form_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for form in MentoringForm.objects.all():
        assert form.name in html


def test_the_page_after_a_password_change(district, client_for):
    assert client_for(district.curator1).get(reverse("password_change_done")).status_code == 200


def test_logging_out_ends_the_session(district, client_for):
    client = client_for(district.curator1)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    again = client.get(reverse("registry:participant_list"))
    assert again.status_code == 302 and again["Location"].startswith(reverse("login"))


def test_the_pair_actions_answer_the_curator_with_a_redirect(district, client_for):
    """The POST actions on a pair, so far only refused in tests (404/403): here the curator's POST is
    answered. The pair is already working, so confirm/reject/activate refuse with a message and come
    back to the pair; proposing and the long-term base do their work."""
    from tests.test_pairs import make_pair

    pair = make_pair(district.school1)
    membership = pair.memberships.get()
    client = client_for(district.curator1)
    for name in ("pair_confirm", "pair_reject", "pair_activate"):
        response = client.post(reverse(f"mentoring:{name}", args=[pair.pk]))
        assert response.status_code == 302, name
        assert response["Location"] in (pair.get_absolute_url(), pair.programme.get_absolute_url()), name
    pair.refresh_from_db()
    assert pair.status == pair.Status.ACTIVE or pair.status == pair.Status.FORMING
    response = client.post(reverse("mentoring:propose", args=[pair.programme.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:proposals", args=[pair.programme.pk])
    response = client.post(reverse("mentoring:long_term_base", args=[membership.pk]))
    assert response.status_code == 302
    membership.mentee.refresh_from_db()
    assert membership.mentee.participant.mentor_profile.in_long_term_base
