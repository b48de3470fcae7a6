"""The import that finishes the job: the template's consent and capacity columns, consents recorded
through the consent service, and a file loaded again updating the people it names — the difference
shown before the commit (new / changed old → new / unchanged), then applied, never a duplicate."""

import datetime
import html
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registry import selectors, services
from registry.imports.columns import COLUMNS
from registry.imports.preview import ImportRejected
from registry.imports.reader import parse_participant_workbook
from registry.imports.service import CHANGED_MEANWHILE, NOTHING_TO_DO, commit_import
from registry.models import AuditEntry, Consent, ConsentText, MenteeProfile, MentorProfile, Participant, ProcessingStop, Topic
from tests import factories
from tests.test_import import preview_url, row, stored_import, xlsx

TODAY = timezone.localdate()


def years_ago(years: int, days: int = 40) -> datetime.date:
    return TODAY.replace(year=TODAY.year - years) - datetime.timedelta(days=days)


def dated(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def preview_of(content: bytes, organisation):
    return parse_participant_workbook(io.BytesIO(content), organisation=organisation)


SIGNED = TODAY - datetime.timedelta(days=10)


def student(**values) -> list:
    data = {"last_name": "Кузнецов", "first_name": "Артём", "patronymic": "Сергеевич",
            "birth_date": dated(years_ago(12)), "category": "Обучающийся", "class_name": "6Б", "position": "",
            "phone": "", "email": "", "role": "наставляемый", "topics": "Цифровые навыки"}
    data.update(values)
    return row(**data)


def mothers_consent(**values) -> dict:
    return {"consent_date": dated(SIGNED), "representative_name": "Кузнецова Мария Ивановна",
            "representative_relation": "мать", "representative_document": "свидетельство о рождении II-МЮ № 1",
            **values}


# --- the template ----------------------------------------------------------------------------------


def test_the_template_has_the_consent_and_capacity_columns(district, client_for):
    content = b"".join(client_for(district.curator1).get(reverse("registry:import_template")).streaming_content)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Участники"]
    titles = [cell.value for cell in sheet[1]]
    assert titles[-6:] == ["Сколько наставляемых может взять", "Дата согласия на обработку ПДн", "Цель согласия",
                           "ФИО законного представителя", "Кем приходится ребёнку", "Документ представителя"]
    letters = {title: cell.column_letter for title, cell in zip(titles, sheet[1])}
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    purpose = validations[f"{letters['Цель согласия']}2"].formula1
    assert "Участие в программе наставничества" in purpose and "Размещение фото- и видеоматериалов" in purpose
    relation = validations[f"{letters['Кем приходится ребёнку']}2"].formula1
    assert all(word in relation for word in ("Мать", "Отец", "Опекун", "Попечитель"))
    capacity = validations[f"{letters['Сколько наставляемых может взять']}2"]
    assert (capacity.type, capacity.formula1, capacity.formula2) == ("whole", "1", "30")
    help_text = " ".join(str(cell) for line in workbook["Справка"].values for cell in line if cell)
    assert "обновляется: заполненные ячейки заменяют записанное в реестре, пустые ничего не меняют" in help_text
    assert "ФИО законного представителя" in help_text
    # Its example row, consent included, is still skipped.
    preview = parse_participant_workbook(io.BytesIO(content))
    assert preview.skipped_example and preview.rows == []


def test_a_file_from_the_older_template_still_reads(district):
    """Without the new columns in its header, and with the old example row left in."""
    old = [column.title for column in COLUMNS if not column.optional]
    example = ["Иванова", "Мария", "Петровна", "15.03.2010", "Обучающийся", "8Б", "", "+7 900 000-00-00", "",
               "наставляемый", "Олимпиадная подготовка; Цифровые навыки"]
    preview = preview_of(xlsx([example, row()[:len(old)]], header=old), district.school1)
    assert preview.skipped_example
    assert preview.can_commit, [r.errors for r in preview.rows]
    assert preview.rows[0].consent is None and preview.rows[0].capacity is None


# --- new people with their consents and capacity -----------------------------------------------------


def test_new_people_get_their_consents_through_the_consent_service_and_the_mentor_his_capacity(district):
    rows = [
        row(capacity="3", consent_date=dated(SIGNED)),  # an adult mentor signs himself
        student(**mothers_consent()),  # 12: the representative alone
        student(last_name="Орлова", first_name="Вера", patronymic="", birth_date=dated(years_ago(15)),
                **mothers_consent(representative_name="Орлов Пётр Ильич", representative_relation="Отец",
                                  consent_purpose="Размещение фото- и видеоматериалов")),  # 15: together
    ]
    participant_import = stored_import(district.school1, xlsx(rows))
    assert participant_import.preview["summary"]["can_commit"], participant_import.preview["rows"]
    assert commit_import(participant_import, by=district.curator1) == 3

    teacher = Participant.objects.get(last_name="Соколова")
    assert teacher.mentor_profile.capacity == 3
    own = teacher.consents.get()
    assert (own.signed_by, own.signed_on, own.purpose, own.representative_name) == (
        Consent.SignedBy.PARTICIPANT, SIGNED, Consent.Purpose.MENTORING, "")
    assert own.text == selectors.current_consent_text(purpose=own.purpose, signed_by=own.signed_by)
    assert own.created_by == district.curator1

    child = Participant.objects.get(last_name="Кузнецов").consents.get()
    assert (child.signed_by, child.representative_name, child.representative_relation) == (
        Consent.SignedBy.REPRESENTATIVE, "Кузнецова Мария Ивановна", Consent.Relation.MOTHER)
    assert child.representative_document == "свидетельство о рождении II-МЮ № 1"
    assert child.is_valid_on(TODAY)
    teenager = Participant.objects.get(last_name="Орлова").consents.get()
    assert (teenager.signed_by, teenager.purpose, teenager.representative_relation) == (
        Consent.SignedBy.BOTH, Consent.Purpose.PUBLICATION, Consent.Relation.FATHER)
    # A consent from the file counts like any other: these two may be put in a pair.
    assert not selectors.participants_lacking_consent(
        Participant.objects.filter(last_name__in=["Соколова", "Кузнецов"]), on=TODAY).exists()


def test_consent_and_capacity_cells_are_checked_like_the_forms_check_them(district):
    cases = [
        (row(capacity="50"), "«Сколько наставляемых может взять»: укажите целое число от 1 до 30, а не «50»."),
        (row(capacity="два"), "«Сколько наставляемых может взять»: укажите целое число от 1 до 30, а не «два»."),
        (student(capacity="2"), "Сколько наставляемых может взять, указывается только для наставника"),
        (student(representative_name="Кузнецова Мария"), "Указаны сведения о согласии, но не указана дата согласия"),
        (student(consent_date="31.02.2026"), "Дата согласия «31.02.2026»: такой даты не существует."),
        (student(**mothers_consent(consent_purpose="для школы")), "Неизвестная цель согласия «для школы»."),
        (student(**mothers_consent(representative_relation="соседка")),
         "Неизвестно, кем представитель приходится ребёнку: «соседка»."),
        (student(**mothers_consent(representative_name="")),
         "ФИО законного представителя: Укажите ФИО законного представителя."),
        (student(**mothers_consent(representative_document="")),
         "Документ представителя: Укажите документ, подтверждающий полномочия представителя."),
        (student(**mothers_consent(consent_date=dated(years_ago(13)))),
         "Дата согласия раньше даты рождения участника."),
        (student(**mothers_consent(consent_date=dated(TODAY + datetime.timedelta(days=3)))),
         "Дата согласия на обработку ПДн: Дата подписания не может быть в будущем."),
        (row(**mothers_consent()), "участник совершеннолетний и подписывает согласие сам: уберите сведения о "
                                   "представителе."),
    ]
    preview = preview_of(xlsx([values for values, _message in cases]), district.school1)
    for found, (_values, message) in zip(preview.rows, cases):
        assert any(message in error for error in found.errors), (message, found.errors)
        assert found.consent is None
    assert not preview.can_commit


def test_without_a_current_consent_text_the_row_says_so(district):
    ConsentText.objects.filter(purpose=Consent.Purpose.PUBLICATION).update(is_current=False)
    preview = preview_of(xlsx([row(consent_date=dated(SIGNED), consent_purpose="Размещение фото- и видеоматериалов")]),
                         district.school1)
    assert preview.rows[0].errors == [
        "Нет действующего текста согласия «Размещение фото- и видеоматериалов» для подписи «Участник лично»: его "
        "добавляет администратор портала."]


# --- a file loaded again ---------------------------------------------------------------------------


def registry_of_school1(district):
    """Соколова: mentor (capacity 1, one competency), no consent; Кузнецов: mentee without a consent;
    Белова: a parent as the file has her."""
    teacher = factories.TeacherFactory(
        organisation=district.school1, last_name="Соколова", first_name="Ольга", patronymic="Ивановна",
        birth_date=datetime.date(1985, 4, 12), position="Учитель математики", phone="+7 910 000-00-00",
        email="olga@example.ru")
    mentor = MentorProfile.objects.create(participant=teacher, capacity=1)
    mentor.topics.set(Topic.objects.filter(name="Олимпиадная подготовка"))
    child = factories.ParticipantFactory(
        organisation=district.school1, last_name="Кузнецов", first_name="Артём", patronymic="Сергеевич",
        birth_date=years_ago(12), class_name="6Б")
    mentee = MenteeProfile.objects.create(participant=child)
    mentee.topics.set(Topic.objects.filter(name="Цифровые навыки"))
    parent = factories.ParticipantFactory(
        organisation=district.school1, last_name="Белова", first_name="Анна", patronymic="", birth_date=None,
        category=Participant.Category.PARENT, class_name="", position="ООО «Ромашка», бухгалтер",
        phone="89001234567")
    return teacher, child, parent


def second_file() -> bytes:
    return xlsx([
        # a new phone, her e-mail left empty (kept), another competency, capacity 2, her consent
        row(phone="+7 910 111-22-33", email="", topics="Олимпиадная подготовка; Методика преподавания",
            capacity="2", consent_date=dated(SIGNED)),
        # the mother's consent, now signed; class and request as they are
        student(**mothers_consent()),
        # as the registry has her
        row(last_name="Белова", first_name="Анна", patronymic="", birth_date="", category="Родитель",
            position="ООО «Ромашка», бухгалтер", phone="89001234567", email="", role="", topics=""),
        # someone new
        row(last_name="Орлов", first_name="Пётр", patronymic="Ильич", birth_date="03.03.1979",
            position="Учитель физики", phone="", email="", topics="Методика преподавания"),
    ])


def test_a_file_loaded_again_shows_what_changes_then_updates_without_duplicates(district, client_for):
    teacher, child, parent = registry_of_school1(district)
    parent_changed_at = parent.updated_at
    participant_import = stored_import(district.school1, second_file(), user=district.curator1)
    client = client_for(district.curator1)
    page = client.get(preview_url(participant_import))
    text = text_of(page)
    assert "4 строки, 0 с ошибками" in text
    assert "новых — 1, с изменениями — 2, без изменений — 1" in text
    assert "Ошибок нет. Будет добавлено участников: 1, обновлено: 2." in text
    preview = page.context["preview"]
    assert [r.status for r in preview.rows] == ["changed", "changed", "unchanged", "new"]
    assert [r.match_id for r in preview.rows] == [teacher.pk, child.pk, parent.pk, None]
    assert [(c.label, c.old, c.new) for c in preview.rows[0].changes] == [
        ("Телефон", "+7 910 000-00-00", "+7 910 111-22-33"),
        ("Компетенции", "Олимпиадная подготовка", "Олимпиадная подготовка; Методика преподавания"),
        ("Сколько наставляемых может взять", "1", "2"),
        ("Согласие «Участие в программе наставничества»", "—", f"от {dated(SIGNED)}"),
    ]
    assert [(c.label, c.old, c.new) for c in preview.rows[1].changes] == [
        ("Согласие «Участие в программе наставничества»", "—",
         f"от {dated(SIGNED)}, подписала Кузнецова Мария Ивановна (мать)")]
    for shown in ("изменится", "без изменений", "новый", "Телефон:", "+7 910 000-00-00", "&rarr;"):
        assert shown in page.content.decode()
    assert Participant.objects.count() == 3 and Consent.objects.count() == 0  # the preview writes nothing

    response = client.post(preview_url(participant_import))
    assert response.status_code == 302
    assert "добавлено участников — 1, обновлено — 2." in text_of(client.get(response["Location"]))

    assert Participant.objects.filter(organisation=district.school1).count() == 4
    teacher.refresh_from_db()
    assert teacher.phone == "+7 910 111-22-33"
    assert teacher.email == "olga@example.ru"  # an empty cell erases nothing
    assert teacher.mentor_profile.capacity == 2
    assert set(teacher.mentor_profile.topics.values_list("name", flat=True)) == {
        "Олимпиадная подготовка", "Методика преподавания"}
    assert teacher.consents.get().signed_by == Consent.SignedBy.PARTICIPANT
    assert child.consents.get().representative_name == "Кузнецова Мария Ивановна"
    assert MenteeProfile.objects.filter(participant=child).count() == 1
    parent.refresh_from_db()
    assert parent.updated_at == parent_changed_at and parent.consents.count() == 0
    orlov = Participant.objects.get(last_name="Орлов")
    assert orlov.mentor_profile.capacity == 1
    participant_import.refresh_from_db()
    assert (participant_import.rows_created, participant_import.rows_updated) == (1, 2)
    assert "добавлено участников — 1, обновлено — 2." in text_of(client.get(preview_url(participant_import)))
    # The change is in the person's history, field by field.
    entry = AuditEntry.objects.filter(participant=teacher, action=AuditEntry.Action.UPDATE,
                                      changes__icontains="phone").get()
    assert "+7 910 111-22-33" in str(entry.changes)

    # The same people once more, as the registry now has them: nothing to do, nothing doubled.
    again = stored_import(district.school1, xlsx([
        row(phone="+7 910 111-22-33", email="olga@example.ru", topics="Олимпиадная подготовка; Методика преподавания",
            capacity="2", consent_date=dated(SIGNED)),
        student(**mothers_consent()),
    ]), name="ещё раз.xlsx")
    page = client.get(preview_url(again))
    assert page.context["preview"].nothing_to_do
    assert str(NOTHING_TO_DO) in text_of(page) and "Загрузить в реестр" not in text_of(page)
    assert str(NOTHING_TO_DO) in text_of(client.post(preview_url(again)))
    assert Participant.objects.count() == 4 and Consent.objects.count() == 2


def test_a_mentee_made_a_mentor_too_keeps_the_mentee_profile(district):
    _teacher, child, _parent = registry_of_school1(district)
    content = xlsx([student(birth_date=dated(child.birth_date), role="наставник", topics="Олимпиадная подготовка",
                            capacity="1")])
    preview = preview_of(content, district.school1)
    assert [(c.field, c.label, c.old, c.new) for c in preview.rows[0].changes] == [
        ("mentor", "Роль", "наставляемый", "наставляемый, наставник"),
        ("mentor_topics", "Компетенции", "—", "Олимпиадная подготовка"),
        ("capacity", "Сколько наставляемых может взять", "—", "1"),
    ]
    participant_import = stored_import(district.school1, content)
    assert commit_import(participant_import, by=district.curator1) == 0
    child.refresh_from_db()
    assert list(child.mentor_profile.topics.values_list("name", flat=True)) == ["Олимпиадная подготовка"]
    assert list(child.mentee_profile.topics.values_list("name", flat=True)) == ["Цифровые навыки"]


def test_a_consent_from_the_file_resumes_processing_stopped_by_a_revocation(district):
    _teacher, child, _parent = registry_of_school1(district)
    old = factories.consent_for(child, signed_on=TODAY - datetime.timedelta(days=200))
    services.revoke_consent(old, on=TODAY - datetime.timedelta(days=100), reason="отозвано родителями",
                            by=district.curator1)
    stop = ProcessingStop.objects.open().get(participant=child)

    preview = preview_of(xlsx([student(**mothers_consent())]), district.school1)
    assert [(c.old, c.new) for c in preview.rows[0].changes] == [(
        f"от {dated(old.signed_on)}, отозвано {dated(TODAY - datetime.timedelta(days=100))}",
        f"от {dated(SIGNED)}, подписала Кузнецова Мария Ивановна (мать)")]
    participant_import = stored_import(district.school1, xlsx([student(**mothers_consent())]))
    commit_import(participant_import, by=district.curator1)
    stop.refresh_from_db()
    assert stop.resumed_at is not None and stop.resumed_by == district.curator1
    assert not ProcessingStop.objects.open().filter(participant=child).exists()


def test_the_commit_refuses_when_the_registry_changed_since_the_preview(district, client_for):
    participant_import = stored_import(district.school1, second_file(), user=district.curator1)
    client = client_for(district.curator1)
    assert [r.status for r in client.get(preview_url(participant_import)).context["preview"].rows] == ["new"] * 4
    # Meanwhile someone types Orlov in by hand.
    orlov = factories.TeacherFactory(organisation=district.school1, last_name="Орлов", first_name="Пётр",
                                     patronymic="Ильич", birth_date=datetime.date(1979, 3, 3), phone="")

    response = client.post(preview_url(participant_import))
    assert response.status_code == 200
    assert str(CHANGED_MEANWHILE) in text_of(response)
    assert Participant.objects.count() == 1
    preview = client.get(preview_url(participant_import)).context["preview"]
    assert [r.status for r in preview.rows] == ["new", "new", "new", "changed"]
    assert preview.rows[3].match_id == orlov.pk

    assert client.post(preview_url(participant_import)).status_code == 302
    assert Participant.objects.filter(last_name="Орлов").count() == 1
    assert Participant.objects.count() == 4
    orlov.refresh_from_db()
    assert orlov.position == "Учитель физики"


def test_a_preview_stored_before_the_update_columns_is_checked_again_before_its_commit(district):
    """An import checked before this version stored no statuses: its commit refuses once, storing the new
    preview, and then goes through."""
    participant_import = stored_import(district.school1, xlsx([row()]))
    stored = participant_import.preview
    stored["version"] = 1
    for stored_row in stored["rows"]:
        for key in ("status", "match", "changes"):
            stored_row.pop(key)
        stored_row["cells"] = {key: value for key, value in stored_row["cells"].items()
                               if key in {column.key for column in COLUMNS if not column.optional}}
    type(participant_import).objects.filter(pk=participant_import.pk).update(preview=stored)
    participant_import.refresh_from_db()
    with pytest.raises(ImportRejected) as refused:
        commit_import(participant_import, by=district.curator1)
    assert refused.value.message == str(CHANGED_MEANWHILE)
    assert Participant.objects.count() == 0
    participant_import.refresh_from_db()
    assert participant_import.preview["rows"][0]["status"] == "new"
    assert commit_import(participant_import, by=district.curator1) == 1
