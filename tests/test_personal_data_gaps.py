"""Every view and download of a person's data leaves a trace (152-ФЗ, the audit trail): the pages that show
the record under another permission (its forms, its «История»), and the printed documents that name people
(the agreement, the individual plan, a school's order, the sheets of personal questionnaire links)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring import orders
from mentoring.models import Order
from registry.models import AuditEntry
from tests import factories
from tests.test_personal_data import paired  # noqa: F401  (the fixture)
from tests.test_questionnaire_links import school, survey, url  # noqa: F401  (the fixtures)


@pytest.mark.parametrize("name", ["participant_edit", "mentee_profile_edit", "participant_history"])
def test_a_form_or_the_history_of_a_person_opened_is_a_view_in_the_trail(paired, district, client_for,  # noqa: F811
                                                                          name):
    pair, mentor, mentee, consent = paired
    person = mentee.participant
    page = client_for(district.curator1).get(reverse(f"registry:{name}", args=[person.pk]))
    assert page.status_code == 200
    view = AuditEntry.objects.get(participant=person, kind=AuditEntry.Kind.VIEW)
    assert view.actor == district.curator1
    # Outside the scope: 404 and nothing recorded.
    assert client_for(district.curator2).get(reverse(f"registry:{name}", args=[person.pk])).status_code == 404
    assert AuditEntry.objects.filter(participant=person, kind=AuditEntry.Kind.VIEW).count() == 1


@pytest.mark.parametrize("name", ["agreement_pdf", "agreement_docx", "plan_pdf", "plan_docx"])
def test_a_pair_document_naming_the_mentee_and_the_mentor_is_in_both_trails(paired, district, client_for,  # noqa: F811
                                                                             name):
    pair, mentor, mentee, consent = paired
    membership = pair.memberships.get()
    document = reverse(f"mentoring:{name}", args=[membership.pk])
    assert client_for(district.curator2).get(document).status_code == 404
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).exists()
    assert client_for(district.curator1).get(document).status_code == 200
    for person in (mentee.participant, mentor.participant):
        entry = AuditEntry.objects.get(participant=person, kind=AuditEntry.Kind.EXPORT)
        assert entry.actor == district.curator1 and entry.organisation == district.school1


def test_a_school_order_printed_is_in_its_export_log(paired, district, client_for):  # noqa: F811
    pair, mentor, mentee, consent = paired
    order = orders.prepare_order(kind=Order.Kind.PAIRS, organisation=district.school1,
                                 academic_year=pair.programme.academic_year, number="12",
                                 issued_on=timezone.localdate(), pairs=[pair], by=district.curator1)
    address = reverse("mentoring:order_pdf", args=[order.pk])
    assert client_for(district.curator2).get(address).status_code == 404
    assert client_for(district.curator1).get(address).status_code == 200
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.EXPORT)
    assert entry.organisation == district.school1 and "№ 12" in entry.object_repr


def test_the_sheets_of_personal_links_are_in_the_export_log(district, client_for, survey, school):  # noqa: F811
    client = client_for(district.curator1)
    client.post(url(survey), {"everyone": "1", "days": "14"})
    sheet = client.get(reverse("monitoring:links_pdf", args=[survey.pk]),
                       {"organisation": district.school1.pk, "class_name": "7А"})
    assert sheet.status_code == 200
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.EXPORT)
    assert entry.organisation == district.school1 and entry.actor == district.curator1
    assert survey.title in entry.object_repr and "строк: 4" in entry.object_repr


# --- destruction: the uploaded participant files go with the people's data ---------------------------------


def test_destruction_removes_the_uploaded_participant_files_and_their_checked_rows(district):
    from registry import destruction
    from registry.imports.service import commit_import
    from registry.models import Participant, ParticipantImport
    from tests.test_import import good_rows, stored_import, xlsx

    committed = stored_import(district.school1, xlsx(good_rows()), user=district.curator1)
    commit_import(committed, by=district.curator1)
    child = Participant.objects.get(organisation=district.school1, last_name="Кузнецов")
    waiting = stored_import(district.school1, xlsx(good_rows()[1:2]), name="ещё.xlsx")
    elsewhere = stored_import(district.school2, xlsx(good_rows()[1:2]), name="чужой.xlsx")
    files = [committed.file.name, waiting.file.name]
    storage = committed.file.storage
    assert all(storage.exists(name) for name in files)
    assert waiting.status == ParticipantImport.Status.CHECKED

    [act] = destruction.destroy([child], by=district.curator1)

    assert not any(storage.exists(name) for name in files)
    left = {upload.pk: upload for upload in ParticipantImport.objects.filter(organisation=district.school1)}
    assert all(not upload.file and upload.preview is None for upload in left.values())
    # The checked file can no longer be put into the registry: its rows would bring the child back.
    assert left[waiting.pk].status == ParticipantImport.Status.FAILED and left[waiting.pk].parse_error
    assert left[committed.pk].status == ParticipantImport.Status.COMMITTED
    assert "загруженные файлы участников (XLSX) и результаты их проверки" in act.categories
    # Another organisation's import is its own business.
    elsewhere.refresh_from_db()
    assert elsewhere.file and elsewhere.preview and storage.exists(elsewhere.file.name)


# --- a revoked or expired consent: nobody new files list the person -----------------------------------------


def _texts(client_for, user, base):
    from tests.downloads import base_response, workbook

    # A fresh client each time: one client's second POST of the form would be the first one's double submit.
    book = workbook(base_response(client_for(user), base))
    return " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v)


def test_a_revoked_mentee_is_in_neither_base_and_a_revoked_mentor_is_not_named(district, client_for):
    import datetime

    from mentoring import services
    from tests.test_personal_data import mentee_in, mentor_in, revoke

    organisation, today = district.school1, timezone.localdate()
    mentor = mentor_in(organisation, last_name="Лебедева")
    (mentee, consent), (other, _consent) = mentee_in(organisation, last_name="Мельникова"), mentee_in(
        organisation, last_name="Соловьёва")
    group = services.form_pair(programme=factories.ProgrammeFactory(organisation=organisation), mentor=mentor,
                               mentees=[mentee, other], started_on=today - datetime.timedelta(days=10),
                               by=district.curator1)
    services.activate(group)
    client = (client_for, district.curator1)
    assert "Мельникова" in _texts(*client, "mentees") and "Мельникова" in _texts(*client, "mentors")
    revoke(consent, district.curator1)
    mentees, mentors = _texts(*client, "mentees"), _texts(*client, "mentors")
    assert "Мельникова" not in mentees
    assert "Мельникова" not in mentors and "Соловьёва" in mentors and "Лебедева" in mentors
    # The mentor's consent expires: the mentee base no longer names them, the mentee stays.
    mentor_consent = mentor.participant.consents.get()
    mentor_consent.valid_until = today - datetime.timedelta(days=1)
    mentor_consent.save()
    mentees = _texts(*client, "mentees")
    assert "Соловьёва" in mentees and "Лебедева" not in mentees
    # Someone who never signed is still in the base: the curator is collecting the consent.
    newcomer = factories.MenteeProfileFactory(participant__organisation=district.school1,
                                              participant__last_name="Новикова")
    assert newcomer.participant.last_name in _texts(*client, "mentees")


def test_an_import_does_not_update_someone_whose_consent_was_revoked_unless_it_brings_a_new_one(district):
    import datetime

    from registry import services as registry_services
    from tests.test_import_update import mothers_consent, preview_of, registry_of_school1, student, xlsx

    _teacher, child, _parent = registry_of_school1(district)
    today = timezone.localdate()
    old = factories.consent_for(child, signed_on=today - datetime.timedelta(days=200))
    registry_services.revoke_consent(old, on=today - datetime.timedelta(days=5), reason="отозвано родителями",
                                     by=district.curator1)
    refused = preview_of(xlsx([student(phone="+7 900 555-44-33", class_name="7Б")]), district.school1)
    assert refused.rows[0].errors and "отозвано или истекло" in " ".join(map(str, refused.rows[0].errors))
    assert not refused.can_commit
    # With the parent's new consent in the row the update is processing again, allowed.
    renewed = preview_of(xlsx([student(phone="+7 900 555-44-33", **mothers_consent())]), district.school1)
    assert not renewed.rows[0].errors and renewed.can_commit


def test_people_created_by_an_import_have_their_creation_in_the_trail(district, client_for):
    from registry.imports.service import commit_import
    from registry.models import Participant
    from tests.test_import import good_rows, stored_import, xlsx

    upload = stored_import(district.school1, xlsx(good_rows()), user=district.curator1)
    commit_import(upload, by=district.curator1)
    child = Participant.objects.get(organisation=district.school1, last_name="Кузнецов")
    created = AuditEntry.objects.get(participant=child, action=AuditEntry.Action.CREATE)
    assert created.actor == district.curator1 and created.organisation == district.school1
    assert created.changes["last_name"][1] == "Кузнецов"
    history = client_for(district.curator1).get(reverse("registry:participant_history", args=[child.pk]))
    assert "создание записи" in history.content.decode()


def test_a_mentee_whose_consent_was_revoked_is_not_put_into_the_long_term_mentor_base(paired, district,  # noqa: F811
                                                                                        client_for):
    from registry.models import MentorProfile
    from tests.test_personal_data import revoke

    pair, mentor, mentee, consent = paired
    revoke(consent, district.curator1)
    membership = pair.memberships.get()
    page = client_for(district.curator1).post(reverse("mentoring:long_term_base", args=[membership.pk]), follow=True)
    assert page.status_code == 200 and "отозвано" in page.content.decode()
    assert not MentorProfile.objects.filter(participant=mentee.participant).exists()


def test_a_pair_does_not_start_work_with_a_consent_that_expired_overnight(district, client_for):
    """The daily run has not yet caught the expiry: «приступить к работе» is refused with the reason,
    and the pair stays forming. A member already suspended does not hold the pair up."""
    import datetime

    from mentoring import services
    from mentoring.models import Pair
    from registry.models import Consent
    from tests.test_personal_data import mentee_in, mentor_in

    home, today = district.school1, timezone.localdate()
    programme = factories.ProgrammeFactory(organisation=home)
    mentee, consent = mentee_in(home, last_name="Мельникова", first_name="Анна", patronymic="Сергеевна")
    other, _consent = mentee_in(home, last_name="Орлова", first_name="Вера", patronymic="Олеговна")
    pair = services.form_pair(programme=programme, mentor=mentor_in(home), mentees=[mentee, other],
                              started_on=today - datetime.timedelta(days=3), by=district.curator1)
    Consent.objects.filter(pk=consent.pk).update(valid_until=today - datetime.timedelta(days=1))

    page = client_for(district.curator1).post(reverse("mentoring:pair_activate", args=[pair.pk]), follow=True)
    html = page.content.decode()
    assert "Обработка персональных данных участника Мельниковой Анны" in html and "истёк" in html
    assert "Пара приступила к работе" not in html
    pair.refresh_from_db()
    assert pair.status == Pair.Status.FORMING

    # Once the daily run has suspended her, the other mentee may start.
    pair.memberships.filter(mentee=mentee).update(suspended_on=today, suspension_reason="согласие истекло")
    services.activate(pair, by=district.curator1)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE
