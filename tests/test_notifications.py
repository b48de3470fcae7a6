"""Notices when work waits (registry.notifications): once per event, letters after the commit and only to
those who want them, recipients through roles, the bell, the «Уведомления» list and its actions."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import notifications
from registry.models import Notification, RoleAssignment
from registry.scoping import Role
from tests import factories
from tests.lists import walk

Kind = Notification.Kind
Mail = Notification.Mail


@pytest.fixture
def curator(district):
    user = district.curator1
    user.email = "curator1@example.org"
    user.save()
    return user


def note(user, key="event:1", kind=Kind.ORDER_PREPARED, text="Приказ № 1 ждёт вашей подписи.", url="/mentoring/",
         **extra):
    return notifications.notify(user, kind, text, url, key=key, **extra)


# --- recording, once per event ------------------------------------------------------------------------


def test_the_same_event_is_recorded_once(curator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        assert note(curator) == 1
        assert note(curator) == 0  # a double click, a second run of the daily check
    with django_capture_on_commit_callbacks(execute=True):
        assert note(curator) == 0
    assert Notification.objects.filter(user=curator).count() == 1
    assert len(mailoutbox) == 1


def test_the_same_key_for_two_users_is_two_notices(curator, district):
    assert notifications.notify([curator, district.director1], Kind.ORDER_PREPARED, "Текст", "/", key="k") == 2
    assert Notification.objects.filter(key="k").count() == 2


def test_an_inactive_user_is_told_nothing(curator):
    curator.is_active = False
    curator.save()
    assert note(curator) == 0 and not Notification.objects.exists()


def test_holders_are_those_whose_role_is_in_force(district):
    today = timezone.localdate()
    assert list(notifications.holders(Role.SCHOOL_CURATOR, organisation=district.school1)) == [district.curator1]
    RoleAssignment.objects.filter(user=district.curator1).update(ended_on=today - datetime.timedelta(days=1))
    assert not notifications.holders(Role.SCHOOL_CURATOR, organisation=district.school1).exists()
    assert notifications.holders_by_organisation(Role.SCHOOL_CURATOR, [district.school1.pk, district.school2.pk]) == {
        district.school2.pk: [district.curator2.pk]}


# --- letters ----------------------------------------------------------------------------------------


def test_the_letter_goes_after_the_commit_not_before(curator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note(curator)
    assert mailoutbox == [] and len(callbacks) == 1  # nothing sent inside the transaction
    notice = Notification.objects.get()
    assert notice.mail == Mail.PENDING
    callbacks[0]()
    assert len(mailoutbox) == 1
    letter = mailoutbox[0]
    assert letter.to == ["curator1@example.org"]
    assert "Приказ № 1 ждёт вашей подписи." in letter.body
    assert f"/registry/notifications/{notice.pk}/" in letter.body  # opening marks it read
    assert "/registry/notifications/settings/" in letter.body
    notice.refresh_from_db()
    assert notice.mail == Mail.SENT and notice.emailed_at is not None


def test_a_redelivered_message_sends_nothing_twice(curator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        note(curator)
    notifications.send_emails([Notification.objects.get().pk])
    assert len(mailoutbox) == 1


def test_opted_out_users_get_the_notice_but_no_letter(curator, django_capture_on_commit_callbacks, mailoutbox):
    curator.email_notices = False
    curator.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note(curator)
    assert callbacks == [] and mailoutbox == []
    assert Notification.objects.get(user=curator).mail == Mail.NONE


def test_no_address_no_letter(district, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        note(district.director1)  # no e-mail address
    assert mailoutbox == [] and Notification.objects.get().mail == Mail.NONE


def test_opting_out_before_the_letter_left_stops_it(curator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note(curator)
    curator.email_notices = False
    curator.save()
    callbacks[0]()
    assert mailoutbox == [] and Notification.objects.get().mail == Mail.NONE


def test_a_kind_with_its_own_letter_sends_none(curator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        note(curator, email=False)
    assert mailoutbox == [] and Notification.objects.get().mail == Mail.NONE


def test_without_email_records_notices_only(curator, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True), notifications.without_email():
        note(curator)
    assert mailoutbox == [] and Notification.objects.get().mail == Mail.NONE


def test_a_broker_down_leaves_the_letter_to_the_sweep(curator, django_capture_on_commit_callbacks, mailoutbox):
    with mock.patch("registry.tasks.send_notice_emails.apply_async", side_effect=OSError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            note(curator)
    assert mailoutbox == []
    notice = Notification.objects.get()
    assert notice.mail == Mail.PENDING
    assert notifications.sweep(now=notice.created_at + datetime.timedelta(seconds=10)) == 0  # not yet lost
    assert notifications.sweep(now=notice.created_at + datetime.timedelta(minutes=5)) == 1
    assert len(mailoutbox) == 1
    assert notifications.sweep(now=notice.created_at + datetime.timedelta(minutes=10)) == 0


def test_a_refused_letter_is_failed_and_not_retried(curator, django_capture_on_commit_callbacks, mailoutbox):
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("refused")):
        with django_capture_on_commit_callbacks(execute=True):
            note(curator)
    notice = Notification.objects.get()
    assert notice.mail == Mail.FAILED
    notifications.sweep(now=notice.created_at + datetime.timedelta(minutes=5))
    assert mailoutbox == []


# --- the bell -------------------------------------------------------------------------------------


def test_the_bell_counts_unread_notices(curator, client_for):
    client = client_for(curator)
    html = client.get(reverse("home")).content.decode()
    assert 'id="notice-bell"' in html and 'id="notice-count"' not in html
    for number in range(3):
        note(curator, key=f"event:{number}")
    Notification.objects.filter(key="event:0").update(read_at=timezone.now())
    html = client.get(reverse("home")).content.decode()
    assert '<span class="visually-hidden">непрочитанных: </span>2</span>' in html
    note(factories.UserFactory(username="someone"), key="event:9")  # another user's notice is not counted
    assert '<span class="visually-hidden">непрочитанных: </span>2</span>' in client.get(reverse("home")).content.decode()


def test_the_bell_costs_one_query(curator, client_for):
    client = client_for(curator)
    url = reverse("registry:topic_list")
    with CaptureQueriesContext(connection) as none:
        client.get(url)
    for number in range(30):
        note(curator, key=f"event:{number}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "30</span>" in response.content.decode()
    assert len(many) == len(none)  # the count is one query whatever it counts
    counts = [q["sql"] for q in many.captured_queries if "registry_notification" in q["sql"]]
    assert len(counts) == 1


def test_more_than_99_shows_99_plus(curator, client_for):
    notifications.record([notifications.Notice(curator.pk, Kind.PAIR_QUIET, "Пара", "/", f"k:{n}")
                          for n in range(120)])
    assert "99+" in client_for(curator).get(reverse("home")).content.decode()


# --- the list and its actions ----------------------------------------------------------------------


def test_the_list_shows_own_notices_newest_first(curator, district, client_for):
    note(curator, key="a", text="Первое")
    note(curator, key="b", text="Второе", kind=Kind.REPORT_RETURNED)
    note(district.curator2, key="c", text="Чужое")
    response = client_for(curator).get(reverse("registry:notification_list"))
    assert response.status_code == 200
    assert [n.text for n in response.context["listing"].rows] == ["Второе", "Первое"]
    assert response.context["unread_count"] == 2
    html = response.content.decode()
    assert "Чужое" not in html and "Отметить все прочитанными" in html
    only = client_for(curator).get(reverse("registry:notification_list"), {"kind": Kind.REPORT_RETURNED})
    assert [n.text for n in only.context["listing"].rows] == ["Второе"]


def test_the_list_pages_filters_and_sorts(curator, client_for):
    notifications.record([notifications.Notice(curator.pk, Kind.PAIR_QUIET if n % 2 else Kind.CONSENT_EXPIRING,
                                                f"Уведомление {n}", "/", f"k:{n}") for n in range(70)])
    walk(client_for(curator), reverse("registry:notification_list"), {"kind": Kind.PAIR_QUIET},
         keep=lambda n: n.kind == Kind.PAIR_QUIET)
    Notification.objects.filter(key__in=[f"k:{n}" for n in range(0, 70, 3)]).update(read_at=timezone.now())
    walk(client_for(curator), reverse("registry:notification_list"), {"unread": 1}, keep=lambda n: n.read_at is None)


def test_the_list_costs_the_same_queries_for_few_and_many(curator, client_for):
    client = client_for(curator)
    note(curator, key="first")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("registry:notification_list"))
    notifications.record([notifications.Notice(curator.pk, Kind.PAIR_QUIET, f"Пара {n}", "/", f"k:{n}")
                          for n in range(40)])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry:notification_list"))
    assert len(response.context["listing"].rows) == 41
    assert len(few) == len(many)


def test_opening_a_notice_marks_it_read_and_goes_on(curator, client_for):
    note(curator, url="/mentoring/orders/")
    notice = Notification.objects.get()
    response = client_for(curator).get(notice.get_absolute_url())
    assert response.status_code == 302 and response.url == "/mentoring/orders/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_notice_never_leads_off_the_site(curator, client_for):
    note(curator, url="https://evil.example/")
    response = client_for(curator).get(Notification.objects.get().get_absolute_url())
    assert response.url == reverse("registry:notification_list")


def test_another_users_notice_answers_404_and_stays_unread(curator, district, client_for):
    note(district.curator2)
    theirs = Notification.objects.get()
    assert client_for(curator).get(theirs.get_absolute_url()).status_code == 404
    client_for(curator).post(reverse("registry:notifications_read"), {"notice": [theirs.pk]})
    client_for(curator).post(reverse("registry:notifications_read"), {"all": "1"})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_and_all_read(curator, client_for):
    note(curator, key="a")
    note(curator, key="b")
    a = Notification.objects.get(key="a")
    client = client_for(curator)
    response = client.post(reverse("registry:notifications_read"), {"notice": [a.pk, "abc", "9" * 30],
                                                                     "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("registry:notification_list")
    assert set(Notification.objects.unread().values_list("key", flat=True)) == {"b"}
    client.post(reverse("registry:notifications_read"), {"all": "1", "next": "/registry/notifications/?unread=1"})
    assert not Notification.objects.unread().exists()
    assert client.get(reverse("registry:notifications_read")).status_code == 405


def test_mark_read_is_csrf_protected(curator):
    note(curator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.post(reverse("registry:notifications_read"), {"all": "1"}).status_code == 403
    assert Notification.objects.unread().exists()


def test_the_pages_need_a_login(client, curator):
    note(curator)
    for url in (reverse("registry:notification_list"), reverse("registry:notification_settings"),
                Notification.objects.get().get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_settings_turn_both_letters_off_and_on(curator, client_for):
    client = client_for(curator)
    page = client.get(reverse("registry:notification_settings"))
    assert "curator1@example.org" in page.content.decode()
    client.post(reverse("registry:notification_settings"), {})  # both boxes unticked
    curator.refresh_from_db()
    assert curator.email_notices is False and curator.email_reminders is False
    client.post(reverse("registry:notification_settings"), {"email_notices": "on"})
    curator.refresh_from_db()
    assert curator.email_notices is True and curator.email_reminders is False
