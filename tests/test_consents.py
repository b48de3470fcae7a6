"""Consent rules (152-ФЗ art. 9): who signs at which age, validity on a date, revocation kept."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from registry.models import Consent, ConsentText, Participant
from registry.selectors import participants_lacking_consent
from registry.services import record_consent
from tests import factories

TODAY = timezone.localdate()


def years_ago(years, days=0):
    return TODAY.replace(year=TODAY.year - years) - datetime.timedelta(days=days)


REPRESENTATIVE = {
    "representative_name": "Смирнова Ольга Петровна",
    "representative_relation": Consent.Relation.MOTHER,
    "representative_document": "свидетельство о рождении III-МЮ № 123456",
}


@pytest.mark.parametrize(
    ("age_years", "signed_by", "ok"),
    [
        (10, Consent.SignedBy.REPRESENTATIVE, True),
        (10, Consent.SignedBy.BOTH, False),
        (10, Consent.SignedBy.PARTICIPANT, False),
        (15, Consent.SignedBy.BOTH, True),
        (15, Consent.SignedBy.REPRESENTATIVE, False),
        (15, Consent.SignedBy.PARTICIPANT, False),
        (19, Consent.SignedBy.PARTICIPANT, True),
        (19, Consent.SignedBy.REPRESENTATIVE, False),
    ],
)
def test_who_signs_depends_on_age_at_signing(district, age_years, signed_by, ok):
    child = factories.ParticipantFactory(organisation=district.school1, birth_date=years_ago(age_years, days=10))
    fields = {"purpose": Consent.Purpose.MENTORING, "signed_by": signed_by, "signed_on": TODAY}
    if signed_by != Consent.SignedBy.PARTICIPANT:
        fields.update(REPRESENTATIVE)
    if ok:
        consent = record_consent(participant=child, **fields)
        assert consent.is_valid_on(TODAY)
        assert consent.text.is_current
    else:
        with pytest.raises(ValidationError) as error:
            record_consent(participant=child, **fields)
        assert "signed_by" in error.value.message_dict
        assert not Consent.objects.exists()


def test_fourteenth_birthday_is_the_boundary(district):
    birthday = years_ago(14)
    child = factories.ParticipantFactory(organisation=district.school1, birth_date=birthday)
    assert Consent.required_signers(birthday, TODAY, True) == {Consent.SignedBy.BOTH}
    assert Consent.required_signers(birthday, TODAY - datetime.timedelta(days=1), True) == {
        Consent.SignedBy.REPRESENTATIVE
    }
    assert child.is_minor_on(TODAY)


def test_representative_details_are_required_for_a_minor(district):
    child = factories.ParticipantFactory(organisation=district.school1, birth_date=years_ago(9))
    with pytest.raises(ValidationError) as error:
        record_consent(participant=child, purpose=Consent.Purpose.MENTORING,
                       signed_by=Consent.SignedBy.REPRESENTATIVE, signed_on=TODAY)
    assert set(error.value.message_dict) >= {"representative_name", "representative_relation",
                                             "representative_document"}


def test_dates_are_checked(district):
    adult = factories.TeacherFactory(organisation=district.school1)
    with pytest.raises(ValidationError) as error:
        record_consent(participant=adult, purpose=Consent.Purpose.MENTORING,
                       signed_by=Consent.SignedBy.PARTICIPANT, signed_on=TODAY + datetime.timedelta(days=1))
    assert "будущем" in error.value.message_dict["signed_on"][0]
    with pytest.raises(ValidationError) as error:
        record_consent(participant=adult, purpose=Consent.Purpose.MENTORING, signed_by=Consent.SignedBy.PARTICIPANT,
                       signed_on=TODAY, valid_until=TODAY - datetime.timedelta(days=1))
    assert "valid_until" in error.value.message_dict


def test_validity_on_a_date(district):
    signed = TODAY - datetime.timedelta(days=100)
    consent = factories.ConsentFactory(
        participant__organisation=district.school1, signed_on=signed,
        valid_until=TODAY + datetime.timedelta(days=10),
    )
    assert not consent.is_valid_on(signed - datetime.timedelta(days=1))
    assert consent.is_valid_on(signed)
    assert consent.is_valid_on(TODAY)
    assert not consent.is_valid_on(TODAY + datetime.timedelta(days=11))
    # The same rule in SQL, as the lists and the home page use it.
    assert Consent.objects.valid_on(TODAY).filter(pk=consent.pk).exists()
    assert not Consent.objects.valid_on(TODAY + datetime.timedelta(days=11)).filter(pk=consent.pk).exists()


def test_revocation_keeps_the_record_and_ends_validity(district):
    consent = factories.ConsentFactory(participant__organisation=district.school1)
    revoked_on = TODAY - datetime.timedelta(days=5)
    consent.revoke(on=revoked_on, reason="заявление от 17.11.2026", by=district.curator1)
    consent.refresh_from_db()
    assert consent.revoked_on == revoked_on
    assert consent.revoked_by == district.curator1
    assert consent.is_valid_on(revoked_on - datetime.timedelta(days=1))
    assert not consent.is_valid_on(revoked_on)
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_revocation_cannot_be_repeated_or_precede_signing(district):
    consent = factories.ConsentFactory(participant__organisation=district.school1)
    with pytest.raises(ValidationError):
        consent.revoke(on=consent.signed_on - datetime.timedelta(days=1), reason="ошибка")
    with pytest.raises(ValidationError):
        consent.revoke(on=TODAY, reason="  ")
    consent.revoke(on=TODAY, reason="первый отзыв")
    stale_copy = Consent.objects.get(pk=consent.pk)
    stale_copy.revoked_on = None  # a second browser tab that loaded the page before the first revocation
    with pytest.raises(ValidationError):
        stale_copy.revoke(on=TODAY, reason="второй отзыв")
    assert Consent.objects.get(pk=consent.pk).revocation_reason == "первый отзыв"


def test_consents_cannot_be_deleted_while_the_participant_exists(district):
    from django.db.models import ProtectedError

    consent = factories.ConsentFactory(participant__organisation=district.school1)
    with pytest.raises(ProtectedError):
        consent.participant.delete()


def test_new_text_version_keeps_old_consents_on_their_version(district):
    consent = factories.ConsentFactory(participant__organisation=district.school1)
    old = consent.text
    ConsentText.objects.filter(pk=old.pk).update(is_current=False)
    new = ConsentText.objects.create(purpose=old.purpose, signer=old.signer, version="2026-1", title="Новая",
                                     body="...")
    later = record_consent(participant=factories.TeacherFactory(organisation=district.school1),
                           purpose=Consent.Purpose.MENTORING, signed_by=Consent.SignedBy.PARTICIPANT, signed_on=TODAY)
    consent.refresh_from_db()
    assert consent.text == old
    assert later.text == new


def test_lacking_consent_counts_missing_revoked_and_expired(district):
    org = district.school1
    valid = factories.ConsentFactory(participant__organisation=org).participant
    revoked = factories.ConsentFactory(participant__organisation=org)
    revoked.revoke(on=TODAY, reason="отзыв")
    expired = factories.ConsentFactory(participant__organisation=org, signed_on=TODAY - datetime.timedelta(days=400),
                                       valid_until=TODAY - datetime.timedelta(days=35))
    other_purpose = factories.ConsentFactory(participant__organisation=org, purpose=Consent.Purpose.PUBLICATION)
    missing = factories.TeacherFactory(organisation=org)
    lacking = set(participants_lacking_consent(Participant.objects.all()))
    assert lacking == {revoked.participant, expired.participant, other_purpose.participant, missing}
    assert valid not in lacking


# --- the consent page -------------------------------------------------------------------------


def post_consent(client, participant, **extra):
    data = {"purpose": "mentoring", "signed_on": TODAY.isoformat(), **extra}
    return client.post(reverse("registry:consent_create", args=[participant.pk]), data)


def test_curator_enters_a_representative_consent_with_scan(district, client_for):
    child = factories.ParticipantFactory(organisation=district.school1, birth_date=years_ago(15, days=3))
    scan = SimpleUploadedFile("согласие.pdf", factories.pdf_bytes(), content_type="application/pdf")
    response = post_consent(client_for(district.curator1), child, signed_by="both", scan=scan, **REPRESENTATIVE)
    assert response.status_code == 302
    consent = child.consents.get()
    assert consent.created_by == district.curator1
    assert consent.text.signer == ConsentText.Signer.MINOR  # 14–17: the child gives it, the representative signs too
    assert consent.scan.name.endswith(".pdf")


def test_wrong_signer_is_refused_in_russian_and_nothing_is_saved(district, client_for):
    child = factories.ParticipantFactory(organisation=district.school1, birth_date=years_ago(12))
    response = post_consent(client_for(district.curator1), child, signed_by="participant")
    assert response.status_code == 200
    assert "до 14 лет согласие подписывает только законный представитель" in response.content.decode()
    assert not child.consents.exists()


@pytest.mark.parametrize("name", ["Смирнова2 Ольга Петровна", "=HYPERLINK(\"x\")", "Смирнова 😀"])
def test_representative_name_takes_letters_only(district, client_for, name):
    child = factories.ParticipantFactory(organisation=district.school1, birth_date=years_ago(15, days=3))
    response = post_consent(client_for(district.curator1), child, signed_by="both",
                            **{**REPRESENTATIVE, "representative_name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["representative_name"] == [
        "Только буквы; части имени разделяются пробелом, дефисом или апострофом."]
    assert not child.consents.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.exe", b"MZ...", "Недопустимый тип файла"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n....", "не соответствует расширению"),
        ("scan.png", b"", "пуст"),
    ],
)
def test_bad_scans_are_refused(district, client_for, name, content, message):
    adult = factories.TeacherFactory(organisation=district.school1)
    scan = SimpleUploadedFile(name, content)
    response = post_consent(client_for(district.curator1), adult, signed_by="participant", scan=scan)
    assert message in response.content.decode()
    assert not adult.consents.exists()


def test_oversized_scan_is_refused(district, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    adult = factories.TeacherFactory(organisation=district.school1)
    scan = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * 2000)
    response = post_consent(client_for(district.curator1), adult, signed_by="participant", scan=scan)
    assert "слишком большой" in response.content.decode()
    assert not adult.consents.exists()


def test_revoke_page_records_revocation(district, client_for):
    consent = factories.ConsentFactory(participant__organisation=district.school1)
    response = client_for(district.member1).post(
        reverse("registry:consent_revoke", args=[consent.pk]),
        {"revoked_on": TODAY.isoformat(), "reason": "заявление законного представителя"},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == TODAY and consent.revoked_by == district.member1
    # A second submit of the same form shows the reason instead of overwriting.
    response = client_for(district.member1).post(
        reverse("registry:consent_revoke", args=[consent.pk]), {"revoked_on": TODAY.isoformat(), "reason": "ещё раз"}
    )
    assert "уже отозвано" in response.content.decode()
    consent.refresh_from_db()
    assert consent.revocation_reason == "заявление законного представителя"


def test_scan_download_is_the_stored_file(district, client_for):
    consent = factories.ConsentFactory(participant__organisation=district.school1,
                                       scan=SimpleUploadedFile("s.pdf", b"%PDF-1.4 secret"))
    response = client_for(district.curator1).get(reverse("registry:consent_scan", args=[consent.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 secret"
