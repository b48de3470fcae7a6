"""The test clients: CSRF enforced as on the server, the token sent back as a browser sends it.

Every request-level test goes through one of these (``client``, ``client_for`` in tests/conftest.py, or
``CsrfClient()`` directly); tests/test_csrf.py fails on a ``Client(`` in tests/ that switches the check off,
so a view that loses its protection is refused by every test that posts to it without a token.
"""

from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import Resolver404

from registry import once


class CsrfClient(Client):
    """A client the CSRF check is enforced on, as on the server: a POST carries the ``csrftoken`` cookie
    and the same token back (the form field below, else the ``X-CSRFToken`` header a page's script
    sends), so a view that lost its protection or a form that lost its token is seen by every test."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "enforce_csrf_checks": True})

    def csrf_token(self) -> str:
        """The cookie's token; before the first page has set one, a fresh one, as a page would."""
        cookie = self.cookies.get(settings.CSRF_COOKIE_NAME)
        if cookie is None or not cookie.value:
            self.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
            cookie = self.cookies[settings.CSRF_COOKIE_NAME]
        return cookie.value

    def generic(self, method, path, *args, **extra):
        unsafe = method.upper() not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if unsafe:
            extra.setdefault("HTTP_X_CSRFTOKEN", self.csrf_token())
        response = super().generic(method, path, *args, **extra)
        if unsafe:
            exempt_view(response)
        return response


def exempt_view(response) -> None:
    """A write the CSRF check skipped fails the test that sent it: sending the token as a browser does
    keeps the tests passing, and this keeps them from passing on a view that no longer checks it."""
    try:
        match = response.resolver_match
        view = match.func if match else None
    except Resolver404:
        return
    if getattr(view, "csrf_exempt", False):
        raise AssertionError(f"{match.view_name or match.route}: a write the CSRF check does not protect "
                             "(@csrf_exempt)")


class FormClient(CsrfClient):
    """Posts like a browser sending a page's form: with the form's one-time token (``registry.once``), a
    fresh one for every POST unless the test passes its own. ``tests/test_double_submit.py`` tests the
    tokens themselves, with the ones the pages render, and POSTs without any (``client_for(user,
    tokens=False)``)."""

    def post(self, path, data=None, *args, **kwargs):
        data = {} if data is None else data
        if isinstance(data, dict) and once.FIELD not in data:
            data = {**data, once.FIELD: once.new_token()}
        if isinstance(data, dict):
            data = {"csrfmiddlewaretoken": self.csrf_token(), **data}
        return super().post(path, data, *args, **kwargs)
