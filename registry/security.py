"""Sessions, the second factor and the response headers of a portal that holds children's data.

- ``SessionLimitsMiddleware``: a session lives 30 minutes without a request (``SESSION_COOKIE_AGE``; the
  session is touched, and its expiry moved on, at most once a minute of activity), ends with the browser, and ends 12 hours after the login whatever
  happens (``SESSION_ABSOLUTE_HOURS``): school computers are shared.
- ``SecondFactorMiddleware``: a user whose role sees a whole district or region (``SECOND_FACTOR_ROLES``),
  or anyone who set up a code generator, must confirm the login with a one-time code (TOTP, django-otp)
  before anything else; ``SECOND_FACTOR_REQUIRED`` switches the requirement for those roles (off in the
  embedded default so the demo logins work).
- ``SecurityHeadersMiddleware``: ``Cache-Control: no-store`` on every response to a signed-in user (each
  page may show a child's data; a shared computer's browser must not keep it), and a
  ``Permissions-Policy`` that turns off what the portal never uses. The Content-Security-Policy comes from
  django-csp (settings.CONTENT_SECURITY_POLICY); ``X-Content-Type-Options`` and ``Referrer-Policy`` from
  Django's SecurityMiddleware.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

LOGIN_AT = "nastavnik_login_at"
SEEN_AT = "nastavnik_seen_at"
TOUCH_EVERY = 60  # seconds: how stale the idle clock may get before a request moves it on
NEEDS_CODE = "nastavnik_needs_code"  # decided once, at the login, so pages pay no query for it

PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
                      "clipboard-read=(), fullscreen=(self)")


@receiver(user_logged_in, dispatch_uid="registry.security.login_at")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = request.session[SEEN_AT] = int(time.time())
        request.session[NEEDS_CODE] = needs_second_factor(user)


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(LOGIN_AT)
            if started is None:
                request.session[LOGIN_AT] = now
            elif now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                return redirect(f"{reverse('login')}?expired=1")
            if now - request.session.get(SEEN_AT, 0) > TOUCH_EVERY:
                request.session[SEEN_AT] = now  # modified: saved, and the idle expiry moves on
        return self.get_response(request)


def needs_second_factor(user) -> bool:
    """Whether this user must confirm the login with a one-time code."""
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return True
    if not settings.SECOND_FACTOR_REQUIRED:
        return False
    from registry.models import RoleAssignment

    return RoleAssignment.objects.current().filter(user=user, role__in=settings.SECOND_FACTOR_ROLES).exists()


class SecondFactorMiddleware:
    """Until the one-time code is confirmed, a user who needs it reaches only the code pages and logout."""

    OPEN_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/", "/q/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and request.session.get(NEEDS_CODE)
                and not request.path.startswith(self.OPEN_PREFIXES) and not user.is_verified()):
            return redirect(f"{reverse('otp_verify')}?next={request.get_full_path()}")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
