"""Consent decides processing; destruction with the act; the audit trail (issue «Children's personal data»)."""

import datetime
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentoring import orders, proposals, services
from mentoring.models import Meeting, Order, Pair, PlanItem
from monitoring import figures
from monitoring import links as link_service
from monitoring import questionnaires as survey_service
from monitoring.models import BestPractice, Questionnaire, Response
from registry import destruction, processing
from registry import services as registry_services
from registry.models import AcademicYear, AuditEntry, Consent, ConsentPurpose, DestructionAct, Participant
from registry.models import ProcessingStop
from registry.tasks import personal_data_daily
from tests import factories
from tests.downloads import base_response

TODAY = timezone.localdate()


def mentor_in(org, **participant):
    profile = factories.MentorProfileFactory(participant__organisation=org, capacity=3,
                                             **{f"participant__{k}": v for k, v in participant.items()})
    factories.consent_for(profile.participant, signed_on=TODAY - datetime.timedelta(days=90))
    return profile


def mentee_in(org, **participant):
    profile = factories.MenteeProfileFactory(participant__organisation=org, participant__phone="+7 900 111-22-33",
                                             **{f"participant__{k}": v for k, v in participant.items()})
    consent = factories.consent_for(profile.participant, signed_on=TODAY - datetime.timedelta(days=90))
    return profile, consent


@pytest.fixture
def paired(district):
    """An active pair of school 1: a teacher and a 15-year-old whose parents signed."""
    school = district.school1
    programme = factories.ProgrammeFactory(organisation=school)
    mentor = mentor_in(school, last_name="Лебедева")
    mentee, consent = mentee_in(school, last_name="Мельникова", first_name="Анна")
    pair = services.form_pair(programme=programme, mentor=mentor, mentees=[mentee],
                              started_on=TODAY - datetime.timedelta(days=30), by=district.curator1)
    services.activate(pair)
    pair.refresh_from_db()
    return pair, mentor, mentee, consent


def revoke(consent, by, mode=ProcessingStop.Mode.SUSPEND, on=TODAY):
    return registry_services.revoke_consent(consent, on=on, reason="заявление законного представителя", mode=mode,
                                            by=by)


def meeting_input(pair, held_on=TODAY):
    people = [pair.mentor_links.get().mentor.participant_id] + [m.mentee.participant_id
                                                                 for m in pair.memberships.all()]
    return services.MeetingInput(kind=Meeting.Kind.REGULAR, held_on=held_on, format=Meeting.Format.IN_PERSON,
                                 topic="Разбор задач", attendee_ids=people)


def survey():
    return Questionnaire.objects.filter(kind=Questionnaire.Kind.MENTEE_SATISFACTION, is_active=True).first()


# --- 1. consent decides processing ---------------------------------------------------------------


def test_revocation_suspends_the_pair_and_refuses_new_work_naming_the_consent(paired, district):
    pair, mentor, mentee, consent = paired
    link = link_service.issue_links(questionnaire=survey(), participants=[mentee.participant])[0].response
    stop = revoke(consent, district.curator1)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.SUSPENDED and pair.status_before_suspension == Pair.Status.ACTIVE
    assert "отозвано" in pair.suspension_reason and "Участие в программе наставничества" in pair.suspension_reason
    membership = pair.memberships.get()
    assert membership.suspended_on == TODAY and membership.left_on is None
    assert stop.cause == ProcessingStop.Cause.REVOKED and stop.stopped_by == district.curator1
    assert any("приостановлена" in line for line in stop.effects)
    assert any("ссылк" in line for line in stop.effects)

    with pytest.raises(ValidationError, match="приостановлена"):
        services.log_meeting(programme=pair.programme, pair=pair, data=meeting_input(pair))
    with pytest.raises(ValidationError, match="приостановлена"):
        services.save_plan_item(PlanItem(goal="Олимпиада", action="Решать задачи", due_on=TODAY), membership=membership)
    with pytest.raises(ValidationError, match="отозвано"):
        link_service.issue_links(questionnaire=survey(), participants=[mentee.participant])
    with pytest.raises(ValidationError, match="отозвано"):
        survey_service.enter_response(questionnaire=survey(), organisation=district.school1,
                                      participant=mentee.participant, answers={}, by=district.curator1)
    link.refresh_from_db()
    assert not link.link_is_usable() and link_service.refusal(link) == link_service.LinkRefused.EXPIRED
    with pytest.raises(ValidationError, match="приостановлена"):
        orders.prepare_order(organisation=district.school1, academic_year=pair.programme.academic_year,
                             kind=Order.Kind.PAIRS, number="15", issued_on=TODAY, pairs=[pair])
    with pytest.raises(ValidationError, match="отозвано"):
        orders.prepare_order(organisation=district.school1, academic_year=pair.programme.academic_year,
                             kind=Order.Kind.REWARDS, number="16", issued_on=TODAY, rewarded=[mentee.participant])
    assert not Meeting.objects.exists() and not PlanItem.objects.exists() and not Order.objects.exists()
    # The mentee leaves the matching pool: «Подобрать пары» proposes nothing for them.
    proposal = proposals.propose_pairs(pair.programme)
    assert mentee.pk not in {p.mentee_id for p in proposal.pairs}


def test_a_new_valid_consent_resumes_the_suspended_pair(paired, district):
    pair, mentor, mentee, consent = paired
    revoke(consent, district.curator1)
    registry_services.record_consent(
        participant=mentee.participant, by=district.curator1, purpose=ConsentPurpose.MENTORING,
        signed_by=Consent.SignedBy.BOTH, signed_on=TODAY, representative_name="Мельникова Ольга Ивановна",
        representative_relation=Consent.Relation.MOTHER, representative_document="свидетельство о рождении")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE and pair.suspension_reason == ""
    assert pair.memberships.get().suspended_on is None
    stop = ProcessingStop.objects.get(participant=mentee.participant)
    assert stop.resumed_at is not None and stop.resumed_by == district.curator1
    services.log_meeting(programme=pair.programme, pair=pair, data=meeting_input(pair))
    assert Meeting.objects.count() == 1


def test_the_curator_may_end_participation_instead(paired, district):
    pair, mentor, mentee, consent = paired
    stop = revoke(consent, district.curator1, mode=ProcessingStop.Mode.END)
    pair.refresh_from_db()
    membership = pair.memberships.get()
    assert membership.left_on == TODAY and "отозвано" in membership.leave_reason
    assert pair.status == Pair.Status.ENDED_EARLY and pair.ended_on == TODAY
    assert stop.mode == ProcessingStop.Mode.END


def test_archiving_a_paired_mentee_suspends_the_pair_and_restoring_resumes_it(paired, district):
    pair, mentor, mentee, consent = paired
    registry_services.archive_participant(mentee.participant, reason="выбыл из школы", by=district.curator1)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.SUSPENDED and "архив" in pair.suspension_reason
    with pytest.raises(ValidationError):
        services.log_meeting(programme=pair.programme, pair=pair, data=meeting_input(pair))
    registry_services.restore_participant(mentee.participant, by=district.curator1)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE


def test_a_revoked_mentor_suspends_the_pair_until_a_new_mentor_takes_it(paired, district):
    pair, mentor, mentee, consent = paired
    revoke(Consent.objects.get(participant=mentor.participant), district.curator1)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.SUSPENDED and pair.mentor_links.get().suspended_on == TODAY
    new_mentor = mentor_in(district.school1, last_name="Орлова")
    services.replace_mentor(pair, new_mentor=new_mentor, on=TODAY, reason="прежний наставник отозвал согласие")
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE


def test_an_expired_consent_is_caught_by_the_daily_run(paired, district):
    pair, mentor, mentee, consent = paired
    Consent.objects.filter(pk=consent.pk).update(valid_until=TODAY - datetime.timedelta(days=1))
    # Before the daily run, new work is refused already: the check is made at the moment of the work.
    with pytest.raises(ValidationError, match="истёк"):
        services.log_meeting(programme=pair.programme, pair=pair, data=meeting_input(pair))
    assert personal_data_daily()["stopped"] == 1
    pair.refresh_from_db()
    assert pair.status == Pair.Status.SUSPENDED and "истёк" in pair.suspension_reason
    assert personal_data_daily()["stopped"] == 0  # a second run adds nothing


def test_the_daily_run_stops_the_uninvolved_in_bulk_and_the_involved_one_by_one(paired, district):
    """The same stops as ``reconcile`` one by one: the paired mentee's suspends the pair (effects kept),
    the others' are recorded with no effects, in a number of queries independent of how many they are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pair, mentor, mentee, consent = paired
    Consent.objects.filter(pk=consent.pk).update(valid_until=TODAY - datetime.timedelta(days=1))

    def lapse(count):
        people = []
        for number in range(count):
            person = factories.ParticipantFactory(organisation=district.school1, last_name=f"Ушедший{number}")
            factories.consent_for(person, signed_on=TODAY - datetime.timedelta(days=90),
                                  valid_until=TODAY - datetime.timedelta(days=2))
            people.append(person)
        return people

    few = lapse(2)
    with CaptureQueriesContext(connection) as small:
        assert processing.reconcile_lapsed() == 3
    pair.refresh_from_db()
    assert pair.status == Pair.Status.SUSPENDED
    stops = {s.participant_id: s for s in ProcessingStop.objects.all()}
    assert stops[mentee.participant_id].effects and "истёк" in stops[mentee.participant_id].reason
    for person in few:
        stop = stops[person.pk]
        assert (stop.cause, stop.mode, stop.effects, stop.stopped_on) == (
            ProcessingStop.Cause.EXPIRED, ProcessingStop.Mode.SUSPEND, [], TODAY)
        assert stop.reason == processing.states([person])[person.pk].reason
    many = lapse(12)
    with CaptureQueriesContext(connection) as large:
        assert processing.reconcile_lapsed() == 12
    assert ProcessingStop.objects.filter(participant__in=many).count() == 12
    assert len(large.captured_queries) <= len(small.captured_queries)


def test_every_app_that_stops_processing_says_whom_it_involves():
    """The bulk path of the daily run skips the receivers for people no app claims (registry.signals)."""
    from registry.signals import processing_involved, processing_stopped

    def modules(signal):
        return {receiver.__module__ for receiver in signal._live_receivers(Participant)[0]}

    assert modules(processing_stopped) == modules(processing_involved) == {"mentoring.processing",
                                                                             "monitoring.processing"}


def test_revoking_the_publication_consent_withdraws_published_cases(paired, district):
    pair, mentor, mentee, consent = paired
    publication = factories.consent_for(mentee.participant, purpose=ConsentPurpose.PUBLICATION)
    case = BestPractice.objects.create(organisation=district.school1, pair=pair, title="Кейс пары",
                                       description="Как мы готовились к олимпиаде", published=True)
    stop = revoke(publication, district.curator1)
    case.refresh_from_db()
    pair.refresh_from_db()
    assert not case.published and any("снят с публикации" in line for line in stop.effects)
    assert pair.status == Pair.Status.ACTIVE  # the mentoring consent still holds


def test_figures_count_suspended_pairs_as_such(paired, district):
    pair, mentor, mentee, consent = paired
    revoke(consent, district.curator1)
    year = AcademicYear.objects.current()
    result = figures.compute([district.school1], year)[district.school1.pk]
    assert result["pairs"]["suspended"] == 1 and result["pairs"]["active"] == 0


def test_revocation_page_lets_the_curator_choose_and_the_pages_say_why(paired, district, client_for):
    pair, mentor, mentee, consent = paired
    client = client_for(district.curator1)
    page = client.get(reverse("registry:consent_revoke", args=[consent.pk]))
    assert "Приостановить участие до нового согласия" in page.content.decode()
    response = client.post(reverse("registry:consent_revoke", args=[consent.pk]),
                           {"revoked_on": TODAY.isoformat(), "reason": "заявление матери", "mode": "suspend"})
    assert response.status_code == 302
    person_page = client.get(mentee.participant.get_absolute_url()).content.decode()
    assert "Обработка персональных данных остановлена" in person_page and f"Пара № {pair.pk}" in person_page
    pair_page = client.get(pair.get_absolute_url()).content.decode()
    assert "Работа пары приостановлена" in pair_page and "отозвано" in pair_page
    meeting = client.post(reverse("mentoring:meeting_create", args=[pair.pk]), {
        "kind": "regular", "held_on": TODAY.isoformat(), "format": "in_person", "topic": "Встреча",
        "attendees": [mentee.participant.pk]})
    assert meeting.status_code == 200 and "приостановлена" in meeting.content.decode()
    assert not Meeting.objects.exists()


# --- 2. destruction ------------------------------------------------------------------------------


def figures_now(district):
    year = AcademicYear.objects.current()
    result = figures.compute([district.school1], year)[district.school1.pk]
    return result["participants_total"], result["pairs"], result["in_programme"]


def test_destruction_thirty_days_after_revocation_with_the_act(paired, district, settings):
    pair, mentor, mentee, consent = paired
    consent.scan.save("scan.pdf", ContentFile(b"%PDF-1.4\n% scan\n"), save=True)
    scan_path = consent.scan.path
    person = mentee.participant
    revoked_on = TODAY - datetime.timedelta(days=settings.PD_DAYS_AFTER_REVOCATION + 1)
    Consent.objects.filter(pk=consent.pk).update(revoked_on=revoked_on, revocation_reason="заявление")
    processing.reconcile(person)
    before = figures_now(district)
    # Not yet due the day before the term ends; due on the day.
    assert destruction.destroy_due(on=revoked_on + datetime.timedelta(days=29)) == []
    result = personal_data_daily()
    assert result["destroyed"] == 1
    person.refresh_from_db()
    assert person.anonymised_at is not None
    assert person.full_name == f"Участник № {person.pk}" and person.phone == "" and person.class_name == ""
    assert person.birth_date.month == 1 and person.birth_date.day == 1  # the year kept
    consent.refresh_from_db()
    assert consent.representative_name == "" and not consent.scan
    assert not os.path.exists(scan_path)
    assert figures_now(district) == before  # aggregates unchanged
    act = DestructionAct.objects.get()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(act.pdf.read())).pages)
    assert "АКТ № 1-ПД" in text and "фамилия, имя, отчество" in text and "1 чел." in text
    assert "скан-копии согласий" in text and f"Участник № {person.pk}" in text
    assert "Мельникова" not in text
    extract = "".join(page.extract_text() for page in PdfReader(io.BytesIO(act.log_extract.read())).pages)
    assert "журнала регистрации событий" in extract and f"Участник № {person.pk}" in extract
    assert personal_data_daily()["destroyed"] == 0  # idempotent


def test_destroy_now_from_the_page_and_the_trail_is_anonymised(paired, district, client_for):
    pair, mentor, mentee, consent = paired
    person = mentee.participant
    curator = client_for(district.curator1)
    Participant.objects.filter(pk=person.pk).update(email="anna@example.ru")
    revoke(consent, district.curator1)
    # Refused while a consent is valid for another person.
    refused = curator.post(reverse("registry:destroy_now", args=[mentor.participant.pk]))
    assert refused.status_code == 302 and Participant.objects.get(pk=mentor.participant.pk).anonymised_at is None
    confirm = curator.get(reverse("registry:destroy_now", args=[person.pk]))
    assert "Будут безвозвратно уничтожены" in confirm.content.decode()
    done = curator.post(reverse("registry:destroy_now", args=[person.pk]))
    act = DestructionAct.objects.get()
    assert done.status_code == 302 and done["Location"] == act.get_absolute_url()
    assert curator.post(reverse("registry:destroy_now", args=[person.pk])).status_code == 302  # double click
    assert DestructionAct.objects.count() == 1
    history = curator.get(reverse("registry:participant_history", args=[person.pk])).content.decode()
    assert "Мельникова" not in history and "уничтожение персональных данных" in history
    assert not AuditEntry.objects.filter(participant=person, object_repr__contains="Мельникова").exists()
    director = client_for(district.director1)
    assert director.get(act.get_absolute_url()).status_code == 200
    assert director.get(reverse("registry:destruction_act_file", args=[act.pk, "act"])).status_code == 200
    assert client_for(district.curator2).get(act.get_absolute_url()).status_code == 404
    assert client_for(district.member1).get(reverse("registry:destruction_list")).status_code == 404


def test_the_due_list_shows_who_and_when(paired, district, client_for, settings):
    pair, mentor, mentee, consent = paired
    revoke(consent, district.curator1)
    page = client_for(district.director1).get(reverse("registry:destruction_list")).content.decode()
    due_on = TODAY + datetime.timedelta(days=settings.PD_DAYS_AFTER_REVOCATION)
    assert mentee.participant.full_name in page and due_on.strftime("%d.%m.%Y") in page
    assert mentor.participant.full_name not in page


# --- 3. the audit trail --------------------------------------------------------------------------


def test_views_changes_scans_and_exports_are_recorded_and_shown_in_scope(paired, district, client_for):
    pair, mentor, mentee, consent = paired
    person = mentee.participant
    consent.scan.save("scan.pdf", ContentFile(b"%PDF-1.4\n% scan\n"), save=True)
    curator = client_for(district.curator1)
    curator.get(person.get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    curator.get(reverse("registry:consent_scan", args=[consent.pk]))
    base_response(curator, "mentees")
    person.phone = "+7 900 999-99-99"
    person.save()
    entries = AuditEntry.objects.filter(participant=person)
    view = entries.get(kind=AuditEntry.Kind.VIEW)
    assert view.actor == district.curator1 and view.remote_addr == "10.1.2.3"
    assert entries.filter(kind=AuditEntry.Kind.FILE).count() == 1
    change = entries.filter(kind=AuditEntry.Kind.CHANGE, action=AuditEntry.Action.UPDATE).latest("timestamp")
    assert change.changes["phone"] == ["+7 900 111-22-33", "+7 900 999-99-99"]
    export = AuditEntry.objects.get(kind=AuditEntry.Kind.EXPORT)
    assert export.organisation == district.school1 and "База наставляемых" in export.object_repr
    history = curator.get(reverse("registry:participant_history", args=[person.pk])).content.decode()
    assert "просмотр карточки" in history and "скачивание скан-копии" in history and "+7 900 999-99-99" in history
    assert "10.1.2.3" in history
    # Scoped: another school's curator does not find it; a working-group member may not read the trail.
    assert client_for(district.curator2).get(reverse("registry:participant_history", args=[person.pk])).status_code == 404
    assert client_for(district.member1).get(reverse("registry:participant_history", args=[person.pk])).status_code == 403
    log = client_for(district.municipal).get(reverse("registry:export_log"))
    assert [e.pk for e in log.context["listing"].rows] == [export.pk]
    assert "База наставляемых" in log.content.decode() and "10.1.2.3" not in log.content.decode()
    assert not client_for(district.foreign_municipal).get(reverse("registry:export_log")).context["listing"].rows


def test_a_revocation_made_with_update_is_in_the_trail(paired, district):
    pair, mentor, mentee, consent = paired
    revoke(consent, district.curator1)
    entry = AuditEntry.objects.filter(content_type__model="consent", object_id=consent.pk,
                                      action=AuditEntry.Action.UPDATE).get()
    assert "revoked_on" in entry.changes
    pair_entries = AuditEntry.objects.filter(content_type__model="pair", object_id=pair.pk)
    assert pair_entries.filter(changes__status__1=Pair.Status.SUSPENDED).exists()


def test_issued_link_answer_is_refused_after_revocation(paired, district):
    pair, mentor, mentee, consent = paired
    response = link_service.issue_links(questionnaire=survey(), participants=[mentee.participant])[0].response
    Consent.objects.filter(pk=consent.pk).update(revoked_on=TODAY)  # revoked, the daily run not yet done
    response = Response.objects.get(pk=response.pk)
    with pytest.raises(link_service.LinkRefused):
        link_service.submit_by_link(response, answers={})
