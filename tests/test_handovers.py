"""Each hand-over tells the right people once: a report submitted or returned, an order to sign (and the
director's «Ждут подписи»), a consent about to expire, a quiet pair, an overdue roadmap item. Letters
follow only for those who want them; the notice in the portal is shown either way."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring import orders as order_service
from mentoring import services as mentoring_services
from mentoring.models import Meeting, Order
from mentoring.notices import notify_quiet_pairs
from monitoring import services as monitoring_services
from registry import grammar
from registry.consent_notices import notify_expiring_consents
from registry.models import AcademicYear, Notification, RoleAssignment
from roadmaps.reminders import send_daily_reminders
from tests import factories
from tests.test_orders import student, teacher
from tests.test_reminders import occurrence

Kind = Notification.Kind
TODAY = timezone.localdate()
TEXTS = {"strengths": "Все пары встречаются.", "weaknesses": "Низкий охват.", "decisions": "Расширить охват."}


def days(n):
    return datetime.timedelta(days=n)


def with_address(user, wants_letters=True):
    user.email = f"{user.username}@example.org"
    user.email_notices = wants_letters
    user.save()
    return user


def told(kind):
    """{user: notice} of one kind."""
    return {n.user: n for n in Notification.objects.filter(kind=kind).select_related("user")}


def letters_to(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email]]


# --- monitoring reports ------------------------------------------------------------------------------


def submitted_report(district):
    report = monitoring_services.start_report(district.school1, year=AcademicYear.objects.current(), half=1, by=district.curator1)
    monitoring_services.save_text(report, **TEXTS)
    monitoring_services.submit(report, by=district.curator1)
    return report


@pytest.mark.parametrize("wants_letters", [True, False])
def test_a_submitted_report_tells_the_municipal_curators(district, wants_letters, django_capture_on_commit_callbacks,
                                                         mailoutbox):
    municipal = with_address(district.municipal, wants_letters)
    with_address(district.foreign_municipal)
    with django_capture_on_commit_callbacks(execute=True):
        report = submitted_report(district)

    notices = told(Kind.REPORT_SUBMITTED)
    assert list(notices) == [municipal]  # not the other district's curator
    assert notices[municipal].url == report.get_absolute_url()
    assert "МБОУ СОШ № 1" in notices[municipal].text and "отправлен на проверку" in notices[municipal].text
    assert len(letters_to(mailoutbox, municipal)) == (1 if wants_letters else 0)
    assert len(mailoutbox) == (1 if wants_letters else 0)


@pytest.mark.parametrize("wants_letters", [True, False])
def test_a_returned_report_tells_the_school_curators_with_the_comment(district, wants_letters,
                                                                      django_capture_on_commit_callbacks, mailoutbox):
    curator = with_address(district.curator1, wants_letters)
    with_address(district.director1)
    report = submitted_report(district)
    with django_capture_on_commit_callbacks(execute=True):
        monitoring_services.return_report(report, comment="Дополните выводы по охвату педагогов.", by=district.municipal)

    notices = told(Kind.REPORT_RETURNED)
    assert list(notices) == [curator]  # not the director, not the working group
    notice = notices[curator]
    assert "возвращён на доработку" in notice.text and "«Дополните выводы по охвату педагогов.»" in notice.text
    assert notice.url == report.get_absolute_url() and notice.read_at is None
    letters = letters_to(mailoutbox, curator)
    assert len(letters) == (1 if wants_letters else 0)
    if wants_letters:
        assert "Дополните выводы по охвату педагогов." in letters[0].body
    # The municipal curator reviewed it: the «на проверке» notice no longer counts.
    assert told(Kind.REPORT_SUBMITTED)[district.municipal].read_at is not None


def test_a_curator_whose_role_ended_is_not_told(district):
    RoleAssignment.objects.filter(user=district.curator1).update(ended_on=TODAY - days(1))
    factories.RoleFactory(user=factories.UserFactory(username="new_curator"), organisation=district.school1)
    report = monitoring_services.start_report(district.school1, year=AcademicYear.objects.current(), half=1, by=None)
    monitoring_services.save_text(report, **TEXTS)
    monitoring_services.submit(report, by=None)
    monitoring_services.return_report(report, comment="Исправьте.", by=district.municipal)
    assert [user.username for user in told(Kind.REPORT_RETURNED)] == ["new_curator"]


def test_returning_twice_after_a_resubmission_tells_twice(district):
    report = submitted_report(district)
    monitoring_services.return_report(report, comment="Первое замечание.", by=district.municipal)
    monitoring_services.submit(report, by=district.curator1)
    assert Notification.objects.get(kind=Kind.REPORT_RETURNED).read_at is not None  # settled by the resubmission
    monitoring_services.return_report(report, comment="Второе замечание.", by=district.municipal)
    assert Notification.objects.filter(kind=Kind.REPORT_RETURNED, user=district.curator1).count() == 2
    assert Notification.objects.filter(kind=Kind.REPORT_SUBMITTED, user=district.municipal).count() == 2


# --- orders ----------------------------------------------------------------------------------------


def prepared(district, number="1-н"):
    return order_service.prepare_order(organisation=district.school1, academic_year=AcademicYear.objects.current(),
                                       kind=Order.Kind.ORGANISATION, number=number, issued_on=TODAY,
                                       by=district.curator1)


@pytest.mark.parametrize("wants_letters", [True, False])
def test_a_prepared_order_tells_the_director(district, wants_letters, django_capture_on_commit_callbacks, mailoutbox):
    director = with_address(district.director1, wants_letters)
    with django_capture_on_commit_callbacks(execute=True):
        order = prepared(district)
    notices = told(Kind.ORDER_PREPARED)
    assert list(notices) == [director]
    assert notices[director].url == order.get_absolute_url()
    assert "Приказ № 1-н" in notices[director].text and "ждёт вашей подписи" in notices[director].text
    assert len(letters_to(mailoutbox, director)) == (1 if wants_letters else 0)


def test_the_directors_home_page_opens_with_the_orders_awaiting_signature(district, client_for):
    order = prepared(district)
    other = order_service.prepare_order(organisation=district.school2, academic_year=AcademicYear.objects.current(),
                                        kind=Order.Kind.ORGANISATION, number="7", issued_on=TODAY)
    html = client_for(district.director1).get(reverse("home")).content.decode()
    block = html[html.index('id="awaiting-signature"'):]
    assert html.index('id="awaiting-signature"') < html.index("<h1")  # the page opens with it
    assert "Ждут подписи" in html and order.get_absolute_url() in block
    assert other.get_absolute_url() not in html  # another school's draft
    # Those who do not sign see no such block.
    for user in (district.curator1, district.municipal, district.observer):
        assert "awaiting-signature" not in client_for(user).get(reverse("home")).content.decode()

    order_service.sign_order(order, by=district.director1)
    assert "awaiting-signature" not in client_for(district.director1).get(reverse("home")).content.decode()
    assert told(Kind.ORDER_PREPARED)[district.director1].read_at is not None  # signing settles the notice


# --- consents -----------------------------------------------------------------------------------------


def consent(district, ends_on, **fields):
    person = factories.ParticipantFactory(organisation=district.school1, last_name="Соколов", class_name="7А")
    return factories.consent_for(person, valid_until=ends_on, **fields)


@pytest.mark.parametrize("wants_letters", [True, False])
def test_a_consent_ending_within_30_days_tells_the_curators_once(district, wants_letters,
                                                                 django_capture_on_commit_callbacks, mailoutbox):
    curator = with_address(district.curator1, wants_letters)
    ending = consent(district, TODAY + days(12))
    consent(district, TODAY + days(45))  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_expiring_consents(TODAY) == 1
        assert notify_expiring_consents(TODAY) == 0
        assert notify_expiring_consents(TODAY + days(5)) == 0  # once per consent, not once a day
    notice = told(Kind.CONSENT_EXPIRING)[curator]
    assert (TODAY + days(12)).strftime("%d.%m.%Y") in notice.text and "7А" in notice.text
    assert "Соколов" not in notice.text  # no personal data in a notice or a letter
    assert notice.url == ending.get_absolute_url()
    assert Notification.objects.count() == 1
    assert len(letters_to(mailoutbox, curator)) == (1 if wants_letters else 0)


def test_consents_not_to_remind(district):
    revoked = consent(district, TODAY + days(10), signed_on=TODAY - days(60))
    revoked.revoke(on=TODAY - days(1), reason="заявление")
    renewed = consent(district, TODAY + days(10))
    factories.consent_for(renewed.participant, signed_on=TODAY - days(1), valid_until=TODAY + days(400))
    archived = consent(district, TODAY + days(10))
    archived.participant.is_archived = True
    archived.participant.save()
    assert notify_expiring_consents(TODAY) == 0


def test_an_extended_consent_is_reminded_again_near_its_new_end(district):
    extended = consent(district, TODAY + days(10))
    notify_expiring_consents(TODAY)
    extended.valid_until = TODAY + days(20)
    extended.save()
    assert notify_expiring_consents(TODAY) == 1


# --- quiet pairs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("wants_letters", [True, False])
def test_a_quiet_pair_tells_the_curators_once_per_quiet_spell(district, wants_letters,
                                                              django_capture_on_commit_callbacks, mailoutbox):
    curator = with_address(district.curator1, wants_letters)
    school = district.school1
    pair = mentoring_services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school), mentees=[student(school)],
                                        started_on=TODAY - days(60))
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_quiet_pairs(TODAY) == 1
        assert notify_quiet_pairs(TODAY + days(1)) == 0
    notice = told(Kind.PAIR_QUIET)[curator]
    assert notice.url == pair.get_absolute_url() and f"Пара № {pair.pk}" in notice.text
    assert len(letters_to(mailoutbox, curator)) == (1 if wants_letters else 0)

    # A meeting logged, and a new silence after it: a new spell, a new notice.
    Meeting.objects.create(programme=pair.programme, pair=pair, kind=Meeting.Kind.REGULAR,
                           held_on=TODAY - days(40), topic="Разбор задач")
    assert notify_quiet_pairs(TODAY) == 1
    assert notify_quiet_pairs(TODAY) == 0
    # Meeting again: not quiet, nothing.
    Meeting.objects.create(programme=pair.programme, pair=pair, kind=Meeting.Kind.REGULAR, held_on=TODAY,
                           topic="Подготовка к олимпиаде")
    assert notify_quiet_pairs(TODAY) == 0
    assert Notification.objects.filter(kind=Kind.PAIR_QUIET).count() == 2


def test_quiet_pairs_of_another_school_go_to_its_curators(district):
    school = district.school2
    mentoring_services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=teacher(school), mentees=[student(school)],
                                 started_on=TODAY - days(60))
    notify_quiet_pairs(TODAY)
    assert list(told(Kind.PAIR_QUIET)) == [district.curator2]


# --- overdue roadmap items ----------------------------------------------------------------------------


def test_an_overdue_item_tells_its_responsible_people_once_without_a_letter_of_its_own(district, mailoutbox):
    curator, member = with_address(district.curator1), with_address(district.member1, wants_letters=False)
    member.email_reminders = False  # no letters at all
    member.save()
    roadmap = factories.RoadmapFactory(organisation=district.school1, title="Дорожная карта")
    late = occurrence(roadmap, TODAY - days(3), curator, member, title="Провести педсовет")
    occurrence(roadmap, TODAY + days(7), curator)  # not overdue: a reminder, no notice

    send_daily_reminders(TODAY)
    notices = told(Kind.ROADMAP_OVERDUE)
    assert set(notices) == {curator, member}  # the opted-out member sees it in the portal too
    assert "Провести педсовет" in notices[curator].text
    assert notices[curator].url == f"/roadmaps/{roadmap.pk}/?status=overdue"
    assert all(n.mail == Notification.Mail.NONE for n in notices.values())
    # The digest is the only letter, as before (and the member wants none).
    assert [m.to for m in mailoutbox] == [[curator.email]] and "Провести педсовет" in mailoutbox[0].body

    def about_late():
        return Notification.objects.filter(kind=Kind.ROADMAP_OVERDUE, key__startswith=f"roadmap-overdue:{late.pk}:")

    for later in (1, 7, 14):  # the weekly overdue reminders go on; the notice is not repeated
        send_daily_reminders(TODAY + days(later))
    assert about_late().count() == 2  # once per occurrence and deadline, for each of the two

    late.due_on = TODAY - days(1)  # a new deadline, missed again
    late.save()
    send_daily_reminders(TODAY + days(15))
    assert about_late().count() == 4


def test_who_prepared_the_order_is_named_with_the_verb_that_agrees(district, client_for):
    """«подготовила Лебедева Е. В.», not «подготовил(а)»; the bracket only when the name does not tell."""
    curator = district.curator1
    curator.last_name, curator.first_name, curator.patronymic = "Лебедева", "Елена", "Викторовна"
    curator.save()
    order = prepared(district)
    assert told(Kind.ORDER_PREPARED)[district.director1].text.endswith(" Подготовила: Лебедева Е. В.")
    html = " ".join(client_for(district.director1).get(reverse("home")).content.decode().split())
    assert "подготовила Лебедева Е. В." in html and "подготовил(а)" not in html
    detail = " ".join(client_for(district.director1).get(order.get_absolute_url()).content.decode().split())
    assert "подготовила Лебедева Елена Викторовна" in detail
    director = district.director1
    director.last_name, director.first_name, director.patronymic = "Соколов", "Николай", "Петрович"
    director.save()
    order_service.sign_order(order, by=director)
    signed = " ".join(client_for(director).get(order.get_absolute_url()).content.decode().split())
    assert "подписал Соколов Николай Петрович" in signed and "подписал(а)" not in signed
    assert grammar.by_gender(grammar.Person("Соколов", "Иван", "Петрович"), "подготовил", "подготовила") == "подготовил"
    assert grammar.by_gender(grammar.Person("Ким", "", ""), "подготовил", "подготовила") == "подготовил(а)"
