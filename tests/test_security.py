"""Logins, sessions, the second factor and the headers (issue «Hardening for a school's data»)."""

import datetime
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from tests.clients import CsrfClient
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.security import LOGIN_AT, SEEN_AT
from tests import factories

PASSWORD = "Надёжный-пароль-2026"


def login(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def curator(district):
    district.curator1.set_password(PASSWORD)
    district.curator1.save()
    return district.curator1


def test_ten_failures_lock_the_username_from_that_address_for_fifteen_minutes(curator):
    client = CsrfClient()
    for _attempt in range(9):
        assert login(client, "curator1", "неверный").status_code == 200
    assert login(client, "curator1", "неверный").status_code == 429  # the tenth locks
    locked = login(client, "curator1")  # the right password, but locked
    assert locked.status_code == 429 and "Вход временно заблокирован" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked (the pair is), and a success there is logged.
    assert login(CsrfClient(), "curator1", address="10.0.0.2").status_code == 302
    assert AccessFailureLog.objects.filter(username="curator1").count() >= 10
    assert AccessLog.objects.filter(username="curator1").exists()
    # Fifteen minutes later the pair may try again.
    AccessAttempt.objects.filter(username="curator1").update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert login(CsrfClient(), "curator1").status_code == 302


def test_passwords_are_long_uncommon_and_unlike_the_user(district):
    for weak in ("короткий1", "password123456", "curator1-2026"):
        with pytest.raises(ValidationError):
            validate_password(weak, user=district.curator1)
    validate_password(PASSWORD, user=district.curator1)


def test_a_session_ends_after_thirty_idle_minutes_and_at_browser_close(curator, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client = CsrfClient()
    login(client, "curator1")
    assert client.get(reverse("home")).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # no lifetime: gone when the browser closes
    # Activity a minute later moves the expiry on by another 30 minutes.
    session = client.session
    session[SEEN_AT] -= 120
    session.save()
    Session.objects.filter(session_key=cookie.value).update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    assert client.get(reverse("home")).status_code == 200
    expiry = Session.objects.get(session_key=cookie.value).expire_date
    assert expiry > timezone.now() + datetime.timedelta(minutes=29)
    # Thirty idle minutes: the session is gone.
    Session.objects.filter(session_key=cookie.value).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_twelve_hours_after_the_login_however_busy(curator):
    client = CsrfClient()
    login(client, "curator1")
    session = client.session
    session[LOGIN_AT] = int(time.time()) - 12 * 3600 - 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get(reverse("home")).status_code == 302


def test_the_municipal_role_must_confirm_the_login_with_a_code(district, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    municipal = district.municipal
    municipal.set_password(PASSWORD)
    municipal.save()
    client = CsrfClient()
    assert login(client, "municipal").status_code == 302
    page = client.get(reverse("registry:participant_list"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("otp_verify"))
    setup = client.get(page["Location"], follow=True)
    assert "Вход с кодом подтверждения" in setup.content.decode()
    device = TOTPDevice.objects.get(user=municipal, confirmed=False)
    wrong = client.post(reverse("otp_setup"), {"token": "000000"})
    assert "Код не подошёл" in wrong.content.decode()
    # django-otp throttles after a failure (1 s, doubling): a script cannot guess codes; the test waits it out.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    done = client.post(reverse("otp_setup"), {"token": f"{totp(device.bin_key):06d}",
                                              "next": reverse("registry:participant_list")})
    assert done.status_code == 302 and client.get(reverse("registry:participant_list")).status_code == 200
    # The next login asks for a code again.
    client = CsrfClient()
    login(client, "municipal")
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    assert client.post(reverse("otp_verify"), {"token": f"{totp(device.bin_key):06d}"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_school_role_is_not_asked_for_a_code_unless_it_chose_one(curator, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    client = CsrfClient()
    login(client, "curator1")
    assert client.get(reverse("home")).status_code == 200


def test_a_persons_page_and_a_scan_are_not_cached_and_run_under_the_policy(district, client_for):
    consent = factories.consent_for(factories.ParticipantFactory(organisation=district.school1))
    consent.scan.save("scan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    client = client_for(district.curator1)
    for url in (consent.participant.get_absolute_url(), reverse("registry:consent_scan", args=[consent.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
    scan = client.get(reverse("registry:consent_scan", args=[consent.pk]))
    assert scan["Content-Disposition"].startswith("attachment;")
