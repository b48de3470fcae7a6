"""Every named route is requested by the suite at least once, and answered (issue 17).

A page no test opens can break unseen: the permission walker (tests/test_permissions.py) reaches every
URL, but mostly to be refused (403, 404, 405), which says nothing about the page itself. This plugin
records the route of every request the Django test client makes that is answered below 400 (a page, a
file or a redirect) and, at the end of a run of the whole suite, fails the run listing the routes never
answered. A run of some files or of ``-k`` selects part of the suite and is not checked, so targeted
runs stay quiet.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.test import Client
from django.urls import Resolver404

#: route name → the number of answered requests; filled while the suite runs.
ANSWERED: dict[str, int] = {}

# Routes no request-level test can answer, each with the reason (none so far).
UNREACHABLE: dict[str, str] = {}

TESTS = Path(__file__).resolve().parent


def record(response) -> None:
    if response.status_code >= 400:
        return
    try:
        match = response.resolver_match
        name = match.view_name if match else None
    except Resolver404:
        return
    if name:
        ANSWERED[name] = ANSWERED.get(name, 0) + 1


def install() -> None:
    """Wrap the test client's one entry point (every get/post/follow goes through ``request``)."""
    original = Client.request
    if getattr(original, "records_routes", False):
        return

    def request(self, **kwargs):
        response = original(self, **kwargs)
        record(response)
        return response

    request.records_routes = True
    Client.request = request


def named_routes() -> set[str]:
    from tests.test_permissions import url_patterns

    return {name for name, _route, _view in url_patterns() if name}


def never_answered(answered) -> list[str]:
    return sorted(named_routes() - set(answered) - set(UNREACHABLE))


def whole_suite(config) -> bool:
    """No file, directory below tests/ or ``-k`` narrowed the run (``-m "not browser"`` still counts)."""
    if config.option.keyword or getattr(config.option, "lf", False):
        return False
    root = Path(config.rootpath)
    for arg in config.args:
        path = (root / arg.split("::")[0]).resolve()
        if path not in (TESTS, root):
            return False
    return True


def merge(node) -> None:
    """Add up the routes one xdist worker answered (``pytest_testnodedown`` on the controller)."""
    for name, count in getattr(node, "workeroutput", {}).get("answered_routes", {}).items():
        ANSWERED[name] = ANSWERED.get(name, 0) + count


def check(session) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        # An xdist worker saw only its share of the tests: it hands its routes to the controller,
        # which adds them up (merge) and checks once.
        config.workeroutput["answered_routes"] = dict(ANSWERED)
        return
    if not whole_suite(config):
        return
    if os.environ.get("ROUTE_COVERAGE_DUMP"):  # what was answered, to compare runs
        Path(os.environ["ROUTE_COVERAGE_DUMP"]).write_text(json.dumps(ANSWERED, indent=1, sort_keys=True))
    if session.exitstatus != 0:
        return  # the failures come first; a failed test may be what left a route unanswered
    missing = never_answered(ANSWERED)
    if not missing:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            "Routes no test requested with an answer below 400 (tests/route_coverage.py): " + ", ".join(missing),
            red=True)
    session.exitstatus = 1
