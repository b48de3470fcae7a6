"""Deadline reminders: which occurrences, whom, when (Moscow time), the digest e-mail, never twice;
and the user's own notification pages."""

import contextlib
import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.models import AcademicYear, RoleAssignment
from registry.scoping import Role
from roadmaps.models import Occurrence, Reminder, ReminderDigest, ReminderRun, Roadmap, RoadmapItem
from roadmaps.reminders import send_daily_reminders
from roadmaps.tasks import send_daily_reminders_task
from tests import factories

D = datetime.date
TODAY = D(2026, 3, 16)
Kind = Reminder.Kind


_numbers = iter(range(1, 10_000))


def occurrence(roadmap, due_on, *users, status=Occurrence.Status.NOT_STARTED, removed=False, title=None):
    number = f"1.{next(_numbers)}"
    item = RoadmapItem.objects.create(
        roadmap=roadmap, stage_number=1, stage_title="Подготовка условий", number=number,
        title=title or f"Мероприятие {number}", deadline={"kind": "year", "text": "в течение года"},
        is_removed=removed,
    )
    item.responsible_users.set(users)
    return Occurrence.objects.create(item=item, starts_on=due_on - datetime.timedelta(days=30), due_on=due_on,
                                     status=status)


def days(n):
    return datetime.timedelta(days=n)


def reminded(**filters):
    return {(r.occurrence_id, r.user_id, r.kind, r.day) for r in Reminder.objects.filter(**filters)}


# --- which occurrences, which kind ---------------------------------------------------------------------


def test_each_kind_is_chosen_by_the_due_date(roadmap, curator):
    week = occurrence(roadmap, TODAY + days(7), curator)
    tomorrow = occurrence(roadmap, TODAY + days(1), curator)
    yesterday = occurrence(roadmap, TODAY - days(1), curator)
    long_ago = occurrence(roadmap, TODAY - days(40), curator)
    in_progress = occurrence(roadmap, TODAY + days(1), curator, status=Occurrence.Status.IN_PROGRESS)
    for quiet in (TODAY, TODAY + days(2), TODAY + days(6), TODAY + days(8)):
        occurrence(roadmap, quiet, curator)

    summary = send_daily_reminders(TODAY)

    assert reminded() == {
        (week.pk, curator.pk, Kind.WEEK_BEFORE, TODAY),
        (tomorrow.pk, curator.pk, Kind.DAY_BEFORE, TODAY),
        (in_progress.pk, curator.pk, Kind.DAY_BEFORE, TODAY),
        (yesterday.pk, curator.pk, Kind.OVERDUE, TODAY),
        (long_ago.pk, curator.pk, Kind.OVERDUE, TODAY),
    }
    assert (summary.users, summary.reminders, summary.emails_sent) == (1, 5, 1)


def test_nothing_for_done_cancelled_or_removed_items(roadmap, curator):
    occurrence(roadmap, TODAY - days(3), curator, status=Occurrence.Status.DONE)
    occurrence(roadmap, TODAY + days(1), curator, status=Occurrence.Status.CANCELLED)
    occurrence(roadmap, TODAY + days(7), curator, removed=True)
    occurrence(roadmap, TODAY - days(1), curator, removed=True)

    summary = send_daily_reminders(TODAY)

    assert not Reminder.objects.exists()
    assert summary.emails_sent == 0
    assert mail.outbox == []


def test_every_responsible_user_but_only_them(district, roadmap, curator, member):
    shared = occurrence(roadmap, TODAY + days(1), curator, member)
    occurrence(roadmap, TODAY + days(1))  # no one responsible: nobody to remind

    send_daily_reminders(TODAY)

    assert reminded() == {(shared.pk, curator.pk, Kind.DAY_BEFORE, TODAY),
                          (shared.pk, member.pk, Kind.DAY_BEFORE, TODAY)}
    assert sorted(message.to[0] for message in mail.outbox) == ["curator1@example.org", "member1@example.org"]
    assert not Reminder.objects.filter(user=district.curator2).exists()


def test_an_inactive_user_gets_nothing(roadmap, curator, member):
    member.is_active = False
    member.save()
    occurrence(roadmap, TODAY + days(1), curator, member)

    send_daily_reminders(TODAY)

    assert not Reminder.objects.filter(user=member).exists()
    assert [message.to for message in mail.outbox] == [["curator1@example.org"]]


def test_overdue_is_reminded_the_first_day_and_then_weekly(roadmap, curator):
    late = occurrence(roadmap, TODAY - days(1), curator)

    for offset in range(0, 15):
        send_daily_reminders(TODAY + days(offset))

    assert sorted(r.day for r in Reminder.objects.filter(occurrence=late, kind=Kind.OVERDUE)) == [
        TODAY, TODAY + days(7), TODAY + days(14)]


def test_overdue_missed_scan_or_a_deadline_moved_into_the_past_is_reminded_at_once(roadmap, curator):
    moved = occurrence(roadmap, TODAY - days(10), curator)  # never reminded before: no waiting for a weekday

    send_daily_reminders(TODAY)
    send_daily_reminders(TODAY + days(1))

    assert [r.day for r in Reminder.objects.filter(occurrence=moved)] == [TODAY]


def test_overdue_reminders_stop_when_it_is_done(roadmap, curator):
    late = occurrence(roadmap, TODAY - days(1), curator)
    send_daily_reminders(TODAY)
    Occurrence.objects.filter(pk=late.pk).update(status=Occurrence.Status.DONE)

    send_daily_reminders(TODAY + days(7))

    assert Reminder.objects.filter(occurrence=late).count() == 1


# --- Moscow time -------------------------------------------------------------------------------------


def test_today_is_the_moscow_date(roadmap, curator):
    # 21:30 UTC on the 15th is 00:30 on the 16th in Moscow: an item due on the 17th is due "tomorrow".
    due = occurrence(roadmap, D(2026, 3, 17), curator)
    utc_evening = datetime.datetime(2026, 3, 15, 21, 30, tzinfo=datetime.UTC)

    with mock.patch("django.utils.timezone.now", return_value=utc_evening):
        summary = send_daily_reminders()

    assert summary.day == D(2026, 3, 16)
    assert reminded() == {(due.pk, curator.pk, Kind.DAY_BEFORE, D(2026, 3, 16))}


# --- e-mail ------------------------------------------------------------------------------------------


def test_the_digest_lists_all_three_sections_with_links(settings, roadmap, curator):
    settings.SITE_URL = "https://nastavnik.example.org/"
    occurrence(roadmap, TODAY + days(7), curator, title="Анкетирование наставников")
    occurrence(roadmap, TODAY + days(1), curator, title="Издание приказа «Об утверждении наставнических пар»")
    occurrence(roadmap, TODAY - days(5), curator, title="Формирование базы наставляемых")

    send_daily_reminders(TODAY)

    [letter] = mail.outbox
    assert letter.to == ["curator1@example.org"]
    assert letter.subject == "«Наставник»: сроки мероприятий дорожной карты на 16.03.2026"
    text = letter.body
    assert text.startswith("Здравствуйте, Анна!")
    overdue, tomorrow, week = (text.index("СРОК ПРОШЁЛ"), text.index("ЗАВТРА СРОК"),
                               text.index("ЧЕРЕЗ НЕДЕЛЮ СРОК"))
    assert overdue < tomorrow < week
    assert text.index("Формирование базы наставляемых") < tomorrow
    assert tomorrow < text.index("Издание приказа «Об утверждении наставнических пар»") < week
    assert week < text.index("Анкетирование наставников")
    assert "Срок: 11.03.2026. МБОУ СОШ № 1: Дорожная карта внедрения целевой модели наставничества" in text
    assert f"https://nastavnik.example.org/roadmaps/{roadmap.pk}/" in text
    assert "https://nastavnik.example.org/roadmaps/notifications/settings/" in text
    [(html, mimetype)] = letter.alternatives
    assert mimetype == "text/html"
    for phrase in ("Срок прошёл", "Завтра срок", "Через неделю срок", "Анкетирование наставников",
                   "Издание приказа «Об утверждении наставнических пар»",
                   f'href="https://nastavnik.example.org/roadmaps/{roadmap.pk}/"'):
        assert phrase in html
    assert all(r.emailed_at for r in Reminder.objects.all())
    assert ReminderDigest.objects.get(user=curator, day=TODAY).sent_at is not None


def test_run_twice_sends_one_email_and_records_no_new_rows(roadmap, curator, member):
    occurrence(roadmap, TODAY + days(1), curator, member)
    occurrence(roadmap, TODAY - days(2), curator)

    first = send_daily_reminders(TODAY)
    rows = reminded()
    second = send_daily_reminders(TODAY)

    assert len(mail.outbox) == 2
    assert reminded() == rows and Reminder.objects.count() == 3
    assert ReminderDigest.objects.count() == 2
    assert (first.emails_sent, first.emails_skipped) == (2, 0)
    assert (second.emails_sent, second.emails_skipped) == (0, 2)


def test_the_next_day_brings_a_new_digest(roadmap, curator):
    occurrence(roadmap, TODAY + days(7), curator)

    send_daily_reminders(TODAY)
    send_daily_reminders(TODAY + days(6))

    assert [letter.subject[-10:] for letter in mail.outbox] == ["16.03.2026", "22.03.2026"]


def test_opted_out_user_gets_in_app_reminders_but_no_email(roadmap, curator):
    curator.email_reminders = False
    curator.save()
    occurrence(roadmap, TODAY + days(1), curator)

    send_daily_reminders(TODAY)

    assert Reminder.objects.filter(user=curator).count() == 1
    assert mail.outbox == []
    assert not ReminderDigest.objects.exists()


def test_user_without_an_email_address_gets_no_email(district, roadmap):
    occurrence(roadmap, TODAY + days(1), district.director1)  # UserFactory leaves the address empty

    send_daily_reminders(TODAY)

    assert Reminder.objects.filter(user=district.director1).count() == 1
    assert mail.outbox == []


def test_a_refused_letter_is_retried_later_and_the_others_go_out(roadmap, curator, member):
    occurrence(roadmap, TODAY + days(1), curator, member)
    real_send = mail.EmailMultiAlternatives.send

    def refuse_member(message, *args, **kwargs):
        if message.to == ["member1@example.org"]:
            raise OSError("550 mailbox unavailable")
        return real_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", refuse_member):
        first = send_daily_reminders(TODAY)
    second = send_daily_reminders(TODAY)  # at once: the refused letter waits for its back-off
    later = timezone.now() + datetime.timedelta(minutes=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        third = send_daily_reminders(TODAY)

    assert (first.emails_sent, first.emails_failed, second.emails_sent, third.emails_sent) == (1, 1, 0, 1)
    assert sorted(message.to[0] for message in mail.outbox) == ["curator1@example.org", "member1@example.org"]
    digest = ReminderDigest.objects.get(user=member)
    assert (digest.status, digest.attempts, digest.last_error) == (
        ReminderDigest.Status.SENT, 2, "OSError: 550 mailbox unavailable")


def test_users_are_processed_in_chunks(district, roadmap, curator, member):
    director = district.director1
    director.email = "director1@example.org"
    director.save()
    occurrence(roadmap, TODAY + days(1), curator, member, director)

    summary = send_daily_reminders(TODAY, chunk_size=2)

    assert (summary.users, summary.emails_sent) == (3, 3)
    assert Reminder.objects.count() == 3


# --- two workers at once -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_one_email_each(district):
    roadmap = Roadmap.objects.create(organisation=district.school1, academic_year=AcademicYear.objects.current(),
                                     title="Дорожная карта")
    people = []
    for n in range(4):
        user = factories.UserFactory(username=f"responsible{n}", email=f"responsible{n}@example.org")
        factories.RoleFactory(user=user, role=Role.WORKING_GROUP, organisation=district.school1)
        people.append(user)
    for due in (TODAY + days(7), TODAY + days(1), TODAY - days(3)):
        occurrence(roadmap, due, *people)
    barrier = threading.Barrier(2)
    summaries, errors = [], []
    # On PostgreSQL the two runs really race. SQLite serialises writers; a file database makes the
    # second wait (settings' timeout), but pytest-django's shared-cache in-memory test database answers
    # "database table is locked" at once instead, so on SQLite the test lets them take turns itself.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def run():
        try:
            barrier.wait(timeout=10)
            with turns:
                summaries.append(send_daily_reminders(TODAY, chunk_size=2))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(message.to[0] for message in mail.outbox) == [f"responsible{n}@example.org" for n in range(4)]
    assert sum(s.emails_sent for s in summaries) == 4
    assert sum(s.emails_skipped for s in summaries) == 4
    assert Reminder.objects.count() == 12
    assert ReminderDigest.objects.filter(sent_at__isnull=False).count() == 4


# --- queries -----------------------------------------------------------------------------------------


def count_queries(roadmap, users, occurrences_per_kind, today):
    ReminderRun.objects.get_or_create(day=today - days(1))  # the day before was scanned: nothing to catch up
    for due in (today + days(7), today + days(1), today - days(2)):
        for _ in range(occurrences_per_kind):
            occurrence(roadmap, due, *users)
    with CaptureQueriesContext(connection) as captured:
        summary = send_daily_reminders(today)
    assert summary.emails_sent == len(users)
    return len(captured)


def test_query_count_does_not_grow_with_occurrences(district, roadmap, curator, member):
    few = count_queries(roadmap, [curator, member], 2, TODAY)  # 6 occurrences
    many = count_queries(roadmap, [curator, member], 17, TODAY + days(100))  # 51 occurrences

    assert few == many
    # 15 before the outbox (with the deletions of rows older than a year and the recipients' roles). The
    # outbox adds the last completed day and its record, the chunk's transaction (savepoint, release),
    # the deletion of old scan records, the taking back of expired claims and the read of the due rows;
    # and it sends letter by letter: per letter (two here) its claim, its mark and its reminders'
    # emailed_at, where two updates used to mark the whole chunk; and per batch of due letters the
    # recipients' roles and reminders read again at send time. Still nothing per occurrence.
    # The overdue items' notices in the portal add three: their users, the keys already recorded, the insert.
    assert few <= 15 + 12 + 3


def test_the_task_returns_the_counts(roadmap, curator):
    occurrence(roadmap, TODAY + days(1), curator)

    result = send_daily_reminders_task.delay(day=TODAY.isoformat()).get()

    assert result == {"day": "2026-03-16", "caught_up": [], "users": 1, "reminders": 1, "emails_queued": 1,
                      "emails_skipped": 0, "emails_sent": 1, "emails_failed": 0, "forgotten": 0}


def test_reminders_older_than_a_year_are_forgotten_after_the_run(roadmap, curator):
    late = occurrence(roadmap, TODAY - days(1), curator)
    send_daily_reminders(TODAY)
    send_daily_reminders(TODAY + days(7))
    assert Reminder.objects.count() == 2 and ReminderDigest.objects.count() == 2
    ReminderRun.objects.create(day=TODAY + days(365))  # the days in between were scanned (no catch-up)

    summary = send_daily_reminders(TODAY + days(366))

    assert summary.forgotten == 2  # the first day's reminder and digest claim; the second is a day younger
    assert sorted(r.day for r in Reminder.objects.filter(occurrence=late)) == [TODAY + days(7), TODAY + days(366)]
    assert not ReminderDigest.objects.filter(day=TODAY).exists()


# --- pages -------------------------------------------------------------------------------------------


@pytest.fixture
def two_users_reminded(district, roadmap, curator):
    mine = occurrence(roadmap, TODAY + days(1), curator, title="Моё мероприятие")
    other_roadmap = Roadmap.objects.create(organisation=district.school2,
                                           academic_year=AcademicYear.objects.current(), title="Чужая карта")
    theirs = occurrence(other_roadmap, TODAY + days(1), district.curator2, title="Чужое мероприятие")
    send_daily_reminders(TODAY - days(6))  # week-before reminders, older
    send_daily_reminders(TODAY)
    return mine, theirs


def test_notification_list_shows_own_reminders_newest_first(client_for, curator, roadmap, two_users_reminded):
    response = client_for(curator).get(reverse("roadmaps:notification_list"))

    assert response.status_code == 200
    listing = response.context["listing"]
    assert [(r.kind, r.day) for r in listing.rows] == [(Kind.DAY_BEFORE, TODAY), (Kind.WEEK_BEFORE, TODAY - days(6))]
    assert listing.count == 2
    html = response.content.decode()
    assert "Моё мероприятие" in html and "Чужое мероприятие" not in html
    assert f'href="/roadmaps/{roadmap.pk}/"' in html
    assert response.context["unread_count"] == 2


def test_notification_list_queries_do_not_grow(client_for, curator, roadmap):
    client = client_for(curator)
    occurrence(roadmap, TODAY + days(1), curator)
    send_daily_reminders(TODAY)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("roadmaps:notification_list"))
    for _ in range(10):
        occurrence(roadmap, TODAY + days(1), curator)
    send_daily_reminders(TODAY + days(1) - days(1))
    Reminder.objects.filter(user=curator).update(day=TODAY)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("roadmaps:notification_list"))
    assert len(few) == len(many)


def test_mark_read_marks_own_reminders_only(client_for, curator, district, two_users_reminded):
    mine = Reminder.objects.filter(user=curator).order_by("day").first()
    theirs = Reminder.objects.get(user=district.curator2, day=TODAY)
    client = client_for(curator)

    response = client.post(reverse("roadmaps:notifications_read"), {"reminder": [mine.pk, theirs.pk]})

    assert response.status_code == 302 and response.url == reverse("roadmaps:notification_list")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_mark_all_read_touches_no_one_else(client_for, curator, district, two_users_reminded):
    client_for(curator).post(reverse("roadmaps:notifications_read"), {"all": "1"})

    assert not Reminder.objects.filter(user=curator, read_at__isnull=True).exists()
    assert not Reminder.objects.filter(user=district.curator2, read_at__isnull=False).exists()


def test_mark_read_needs_post_and_ignores_foreign_next(client_for, curator, two_users_reminded):
    client = client_for(curator)
    assert client.get(reverse("roadmaps:notifications_read")).status_code == 405
    response = client.post(reverse("roadmaps:notifications_read"),
                           {"all": "1", "next": "https://evil.example.org/"})
    assert response.url == reverse("roadmaps:notification_list")


def test_mark_read_is_csrf_protected(curator, two_users_reminded):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.post(reverse("roadmaps:notifications_read"), {"all": "1"}).status_code == 403


def test_pages_need_a_login(client):
    for name in ("roadmaps:notification_list", "roadmaps:reminder_settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_reminder_settings_opt_out_and_back(client_for, roadmap, curator):
    client = client_for(curator)
    page = client.get(reverse("roadmaps:reminder_settings"))
    assert page.status_code == 200
    assert "curator1@example.org" in page.content.decode()

    response = client.post(reverse("roadmaps:reminder_settings"), {})  # the box unticked
    assert response.status_code == 302
    curator.refresh_from_db()
    assert curator.email_reminders is False

    occurrence(roadmap, TODAY + days(1), curator)
    send_daily_reminders(TODAY)
    assert mail.outbox == [] and Reminder.objects.filter(user=curator).count() == 1

    client.post(reverse("roadmaps:reminder_settings"), {"email_reminders": "on"})
    curator.refresh_from_db()
    assert curator.email_reminders is True


def test_reminder_settings_warns_without_an_address(client_for, district):
    html = client_for(district.director1).get(reverse("roadmaps:reminder_settings")).content.decode()
    assert "не указан адрес электронной почты" in html


def test_last_years_unfinished_items_are_not_reminded(roadmap, curator):
    from registry.models import AcademicYear
    from roadmaps.reminders import send_daily_reminders

    stale = occurrence(roadmap, TODAY - days(3), curator)
    roadmap.academic_year = AcademicYear.objects.get_or_create(start_year=AcademicYear.start_year_for(TODAY) - 1)[0]
    roadmap.save()
    send_daily_reminders(today=TODAY)
    assert not stale.reminders.exists()


# --- recipients re-checked on the day ---------------------------------------------------------------


def test_a_user_whose_role_ended_is_reminded_of_nothing(roadmap, curator, member, mailoutbox):
    occurrence(roadmap, TODAY + days(1), curator, member)
    RoleAssignment.objects.filter(user=member).update(is_active=False, ended_on=TODAY - days(1))
    send_daily_reminders(TODAY)
    assert set(Reminder.objects.values_list("user_id", flat=True)) == {curator.pk}
    assert [message.to for message in mailoutbox] == [[curator.email]]


def test_a_role_ending_after_the_reminder_drops_it_from_the_digest(roadmap, curator, mailoutbox):
    occurrence(roadmap, TODAY + days(1), curator)
    from roadmaps.recipients import grants_on
    from roadmaps.reminders import _record_reminders

    _record_reminders([curator.pk], TODAY, grants_on([curator.pk], TODAY))
    assert Reminder.objects.filter(user=curator).count() == 1
    RoleAssignment.objects.filter(user=curator).update(ended_on=TODAY - days(1))
    send_daily_reminders(TODAY)
    assert mailoutbox == []


def test_a_responsible_user_of_another_school_is_not_reminded(district, roadmap, mailoutbox):
    stranger = district.curator2  # responsible on school 1's roadmap, but works in school 2
    stranger.email = "curator2@example.org"
    stranger.save()
    occurrence(roadmap, TODAY + days(7), stranger)
    send_daily_reminders(TODAY)
    assert not Reminder.objects.exists() and mailoutbox == []


def test_the_notification_list_shows_only_what_the_user_still_reaches(district, roadmap, curator, client_for):
    occurrence(roadmap, TODAY + days(1), curator)
    send_daily_reminders(TODAY)
    client = client_for(curator)
    assert client.get(reverse("roadmaps:notification_list")).context["listing"].count == 1
    RoleAssignment.objects.filter(user=curator).update(organisation=district.school2)  # moved to another school
    assert client_for(curator).get(reverse("roadmaps:notification_list")).context["listing"].count == 0
