"""The one role base of the scoping tests (issue 17, item 5), as healthchecks' ``BaseTestCase`` gives every
test alice (the owner), bob (on her team) and charlie (an outsider).

Here an object belongs to the first school of the ``district`` fixture (tests/conftest.py), and the people
who ask for it are:

* ``owner`` — the school curator of that organisation;
* ``neighbour`` — the curator of another organisation of the same municipality (same district, not theirs);
* ``municipal`` — the municipal curator of that municipality (same district, above the school);
* ``outsider`` — the municipal curator of another municipality;
* ``stranger`` — logged in, with no role anywhere;
* ``anonymous`` — nobody logged in (sent to the login page).

``roles.expect(urls, …)`` requests every URL as every role and compares the whole table at once, so one
failure lists every role and URL that answered otherwise. The defaults are what a school's object gets:
200 for the owner and the municipality, 404 for the neighbour, the outsider and the stranger (a 404, never a 403, so an
id says nothing about what exists outside one's scope), the login page for the anonymous; a test passes
only what differs, and ``None`` for a role not to ask (a write the owner would really do).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import resolve_url

from tests.clients import CsrfClient

#: The anonymous visitor's answer: a redirect to the login page.
LOGIN = "login"

#: The order the roles ask in: the refusals first, so that a write the owner does comes last.
ORDER = ("anonymous", "stranger", "outsider", "neighbour", "municipal", "owner")

DEFAULTS = {"owner": 200, "neighbour": 404, "municipal": 200, "outsider": 404, "stranger": 404, "anonymous": LOGIN}


@dataclass
class Roles:
    district: object
    client_for: object

    @property
    def organisation(self):
        """The organisation the objects under test belong to."""
        return self.district.school1

    @property
    def owner(self):
        return self.district.curator1

    @property
    def neighbour(self):
        return self.district.curator2

    @property
    def municipal(self):
        return self.district.municipal

    @property
    def outsider(self):
        return self.district.foreign_municipal

    @property
    def stranger(self):
        return self.district.nobody

    @property
    def same_district(self):
        return (self.neighbour, self.municipal)

    def client(self, role: str):
        if role == "anonymous":
            return CsrfClient()
        return self.client_for(getattr(self, role))

    def status(self, client, url, method="get", data=None):
        response = getattr(client, method)(url, data or {})
        if response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
            return LOGIN
        return response.status_code

    def statuses(self, urls, *, method="get", data=None, **expected) -> dict:
        """{(role, url): answer} for the roles whose expectation is not ``None``."""
        urls = [urls] if isinstance(urls, str) else list(urls.values() if isinstance(urls, dict) else urls)
        wanted = {**DEFAULTS, **expected}
        table = {}
        for role in ORDER:
            if wanted[role] is None:
                continue
            client = self.client(role)
            for url in urls:
                table[role, url] = self.status(client, url, method, data)
        return table

    def expect(self, urls, *, method="get", data=None, **expected):
        """Every URL answers every role as expected (the defaults above, overridden by ``expected``)."""
        unknown = set(expected) - set(DEFAULTS)
        assert not unknown, f"no such role: {unknown}"
        wanted = {**DEFAULTS, **expected}
        got = self.statuses(urls, method=method, data=data, **expected)
        wrong = {key: answer for key, answer in got.items() if answer != wanted[key[0]]}
        assert not wrong, "answered otherwise than " + str({role: wanted[role] for role in ORDER}) + ": " + str(wrong)
        return got
