"""Loading participants from XLSX: template, upload, preview with Russian errors, all-or-nothing commit."""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry.imports import service
from registry.imports.columns import COLUMNS, MAX_ROWS
from registry.models import MenteeProfile, MentorProfile, Participant, ParticipantImport, Topic
from registry.scoping import Role
from registry.imports.preview import ImportAlreadyCommitted
from registry.imports.reader import parse_participant_workbook
from registry.imports.service import commit_import
from tests import factories

HEADER = [column.title for column in COLUMNS]


def row(**values) -> list:
    """A data row in template order; a valid teacher-mentor unless told otherwise."""
    data = {
        "last_name": "Соколова", "first_name": "Ольга", "patronymic": "Ивановна",
        "birth_date": "12.04.1985", "category": "Педагог", "class_name": "",
        "position": "Учитель математики", "phone": "+7 910 111-22-33", "email": "sokolova@example.ru",
        "role": "наставник", "topics": "Олимпиадная подготовка; Методика преподавания",
        "capacity": "", "consent_date": "", "consent_purpose": "", "representative_name": "",
        "representative_relation": "", "representative_document": "",
    }
    data.update(values)
    return [data[column.key] for column in COLUMNS]


def good_rows() -> list[list]:
    return [
        row(),
        row(last_name="Кузнецов", first_name="Артём", patronymic="Сергеевич",
            birth_date=datetime.datetime(2011, 9, 3), category="Обучающийся", class_name="8Б", position="",
            phone="", email="", role="наставляемый", topics="олимпиадная подготовка;Цифровые навыки"),
        row(last_name="Белова", first_name="Анна", patronymic="", birth_date="", category="Родитель",
            position="ООО «Ромашка», бухгалтер", phone="89001234567", email="", role="", topics=""),
    ]


SURNAMES = ("Соколов", "Кузнецов", "Белов", "Орлов", "Лебедев", "Козлов", "Новиков", "Морозов", "Волков", "Зайцев",
            "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев",
            "Тарасов")
FIRST_NAMES = ("Иван", "Пётр", "Артём", "Михаил", "Денис", "Олег", "Роман", "Глеб", "Егор", "Лев", "Антон", "Борис",
               "Вадим", "Григорий", "Даниил", "Евгений", "Захар", "Игорь", "Кирилл", "Максим")
PATRONYMICS = ("Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Юрьевич", "Павлович", "Ильич",
               "Романович", "Глебович", "Егорович", "Львович", "Антонович", "Борисович", "Вадимович")


def person(n: int) -> dict:
    """The n-th of 6 000 different real full names, for files of many rows."""
    return {"last_name": SURNAMES[n % 20], "first_name": FIRST_NAMES[n // 20 % 20],
            "patronymic": PATRONYMICS[n // 400 % 15]}


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stored_import(organisation, content: bytes, *, user=None, name="участники.xlsx",
                  parse=True) -> ParticipantImport:
    """An uploaded file, checked as the task checks it (unless ``parse`` is false: then still pending)."""
    upload = ParticipantImport(organisation=organisation, original_name=name, uploaded_by=user)
    upload.file.save(name, ContentFile(content), save=False)
    upload.save()
    if parse:
        service.parse_stored_import(upload.pk)
        upload.refresh_from_db()
    return upload


def preview_url(upload):
    return reverse("registry:import_preview", args=[upload.pk])


def read_response(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


# --- the template ------------------------------------------------------------------------------


def test_template_downloads_with_dropdowns_and_help(district, client_for):
    response = client_for(district.curator1).get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    workbook = read_response(response)
    assert workbook.sheetnames == ["Участники", "Справка"]
    sheet = workbook["Участники"]
    assert [cell.value for cell in sheet[1]] == [
        "Фамилия", "Имя", "Отчество", "Дата рождения", "Категория", "Класс/группа", "Должность/место работы",
        "Телефон", "Эл. почта", "Роль (наставник / наставляемый / пусто)", "Компетенции или запросы (через «;»)",
        "Сколько наставляемых может взять", "Дата согласия на обработку ПДн", "Цель согласия",
        "ФИО законного представителя", "Кем приходится ребёнку", "Документ представителя",
    ]
    assert sheet["A2"].value == "Иванова"  # the example row
    assert sheet.freeze_panes == "A2"
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert "Обучающийся" in validations["E2"] and "Представитель работодателя / партнёра" in validations["E2"]
    assert "наставник" in validations["J2"] and "наставляемый" in validations["J2"]
    help_text = " ".join(str(cell) for line in workbook["Справка"].values for cell in line if cell)
    for label in Participant.Category.labels:
        assert str(label) in help_text
    assert "Компетенции или запросы" in help_text


def test_template_rereads_and_its_example_row_is_skipped(district, client_for):
    content = b"".join(client_for(district.curator1).get(reverse("registry:import_template")).streaming_content)
    preview = parse_participant_workbook(io.BytesIO(content))
    assert preview.skipped_example
    assert preview.rows == []
    assert preview.errors == ["В файле нет ни одной строки с участниками: под заголовками пусто."]

    workbook = load_workbook(io.BytesIO(content))
    for values in good_rows():
        workbook["Участники"].append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    preview = parse_participant_workbook(buffer, organisation=district.school1)
    assert preview.errors == []
    assert [r.number for r in preview.rows] == [3, 4, 5]
    assert preview.can_commit, [r.errors for r in preview.rows]


def test_anyone_may_download_the_template_but_only_editors_upload(district, client_for):
    for user in (district.director1, district.municipal, district.observer):
        assert client_for(user).get(reverse("registry:import_template")).status_code == 200


# --- a good file -------------------------------------------------------------------------------


def test_good_file_uploads_previews_and_commits_everything(district, client_for, django_capture_on_commit_callbacks):
    client = client_for(district.curator1)
    page = client.get(reverse("registry:import_upload"))
    assert page.status_code == 200
    assert page.context["form"].fields["organisation"].disabled  # one organisation: nothing to choose
    assert reverse("registry:import_template") in page.content.decode()

    upload = SimpleUploadedFile("школа1.xlsx", xlsx(good_rows()))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("registry:import_upload"), {"file": upload})
    assert response.status_code == 302
    assert len(callbacks) == 1  # the check, sent once the row is committed (run here: no broker)
    participant_import = ParticipantImport.objects.get()
    assert participant_import.status == ParticipantImport.Status.CHECKED
    assert participant_import.preview["summary"]["rows"] == 3
    assert response["Location"] == preview_url(participant_import)
    assert participant_import.organisation == district.school1
    assert participant_import.original_name == "школа1.xlsx"
    assert participant_import.uploaded_by == district.curator1

    page = client.get(preview_url(participant_import))
    html = page.content.decode()
    assert "3 строки, 0 с ошибками" in html
    assert "Загрузить в реестр" in html
    assert "Кузнецов" in html
    assert Participant.objects.count() == 0  # the preview writes nothing

    response = client.post(preview_url(participant_import))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('registry:participant_list')}?organisation={district.school1.pk}"
    listing = client.get(response["Location"])
    assert "обновлён: добавлено участников — 3, обновлено — 0." in listing.content.decode()

    assert Participant.objects.filter(organisation=district.school1).count() == 3
    teacher = Participant.objects.get(last_name="Соколова")
    assert teacher.birth_date == datetime.date(1985, 4, 12)
    assert teacher.category == Participant.Category.TEACHER
    assert teacher.search_name == "соколова ольга ивановна"
    assert teacher.created_by == district.curator1
    assert {t.name for t in teacher.mentor_profile.topics.all()} == {"Олимпиадная подготовка", "Методика преподавания"}
    assert not MenteeProfile.objects.filter(participant=teacher).exists()

    student = Participant.objects.get(last_name="Кузнецов")
    assert student.birth_date == datetime.date(2011, 9, 3)  # an Excel date cell
    assert student.class_name == "8Б"
    assert {t.name for t in student.mentee_profile.topics.all()} == {"Олимпиадная подготовка", "Цифровые навыки"}

    parent = Participant.objects.get(last_name="Белова")
    assert parent.phone == "89001234567"  # a number cell read back as text
    assert not MentorProfile.objects.filter(participant=parent).exists()
    assert not MenteeProfile.objects.filter(participant=parent).exists()

    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.COMMITTED
    assert participant_import.rows_created == 3
    assert participant_import.committed_at is not None
    assert "Файл уже загружен в реестр" in client.get(preview_url(participant_import)).content.decode()


def test_user_with_several_organisations_chooses_one(district, client_for):
    factories.RoleFactory(user=district.member1, role=Role.WORKING_GROUP, organisation=district.school2)
    client = client_for(district.member1)
    form = client.get(reverse("registry:import_upload")).context["form"]
    assert not form.fields["organisation"].disabled
    assert set(form.fields["organisation"].queryset) == {district.school1, district.school2}

    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("a.xlsx", xlsx([row()]))})
    assert response.status_code == 200 and "organisation" in response.context["form"].errors

    response = client.post(reverse("registry:import_upload"), {
        "organisation": district.school2.pk, "file": SimpleUploadedFile("a.xlsx", xlsx([row()]))})
    assert response.status_code == 302
    assert ParticipantImport.objects.get().organisation == district.school2

    response = client.post(reverse("registry:import_upload"), {
        "organisation": district.college.pk, "file": SimpleUploadedFile("a.xlsx", xlsx([row()]))})
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    assert ParticipantImport.objects.count() == 1


def test_upload_refuses_a_file_that_is_not_xlsx(district, client_for):
    client = client_for(district.curator1)
    response = client.post(reverse("registry:import_upload"),
                           {"file": SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0old excel")})
    assert response.status_code == 200
    assert "Недопустимый тип файла" in response.content.decode()
    response = client.post(reverse("registry:import_upload"),
                           {"file": SimpleUploadedFile("list.xlsx", b"%PDF-1.4 not a workbook")})
    assert "не соответствует расширению" in response.content.decode()
    assert ParticipantImport.objects.count() == 0


# --- errors: each is reported in Russian and nothing is committed --------------------------------


def _zip_that_is_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    return buffer.getvalue()


def xlsx_of_text(rows) -> bytes:
    """As ``xlsx``, but every cell stored as text: «=HYPERLINK(…)» as the string a cell shows, not a formula
    (which the import reads by its cached value)."""
    workbook = load_workbook(io.BytesIO(xlsx(rows)))
    for sheet_row in workbook.active.iter_rows():
        for cell in sheet_row:
            if cell.data_type == "f":
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ERROR_CASES = {
    "impossible date": (xlsx([row(birth_date="31.02.1985")]), "Дата рождения «31.02.1985»: такой даты не существует."),
    "unreadable date": (xlsx([row(birth_date="весной 85-го")]),
                        "Дата рождения «весной 85-го» не распознана: укажите дату в виде дд.мм.гггг."),
    "two-digit year": (xlsx([row(birth_date="12.04.85")]), "год укажите четырьмя цифрами"),
    "year only": (xlsx([row(birth_date=1985)]), "указан только год «1985»"),
    "future date": (xlsx([row(birth_date=datetime.date.today() + datetime.timedelta(days=30))]),
                    "Дата рождения не может быть в будущем."),
    "unknown category": (xlsx([row(category="Завуч")]), "Неизвестная категория «Завуч». Допустимо: Обучающийся"),
    "missing last name": (xlsx([row(last_name="")]), "Не заполнено обязательное поле «Фамилия»."),
    "missing first name": (xlsx([row(first_name=None)]), "Не заполнено обязательное поле «Имя»."),
    "missing category": (xlsx([row(category="")]), "Не заполнено обязательное поле «Категория»."),
    "student without birth date": (xlsx([row(category="Обучающийся", birth_date="", class_name="5А")]),
                                   "Для обучающегося дата рождения обязательна"),
    "bad email": (xlsx([row(email="sokolova@")]), "Эл. почта: Введите правильный адрес электронной почты."),
    "unknown role": (xlsx([row(role="куратор")]), "Неизвестная роль «куратор»"),
    "emoji in a surname": (xlsx([good_rows()[0], row(last_name="Сидоров😀")]),
                           "Фамилия: Только буквы; части имени разделяются пробелом, дефисом или апострофом."),
    "formula as a surname": (xlsx_of_text([good_rows()[0], row(last_name='=HYPERLINK("x")')]),
                             "Фамилия: Только буквы; части имени разделяются пробелом, дефисом или апострофом."),
    "digits in the representative's name": (
        xlsx([row(last_name="Кузнецов", first_name="Артём", patronymic="Сергеевич", birth_date="03.09.2011",
                  category="Обучающийся", class_name="8Б", position="", email="", role="", topics="",
                  consent_date="01.09.2024", representative_name="Кузнецова2 Мария",
                  representative_relation="Мать", representative_document="паспорт")]),
        "ФИО законного представителя: Только буквы; части имени разделяются пробелом, дефисом или апострофом."),
    "mentee without request": (xlsx([row(role="наставляемый", topics="")]),
                               "Для наставляемого укажите хотя бы один запрос"),
    "duplicate inside the file": (xlsx([row(), row(last_name="Другая"), row(last_name="СОКОЛОВА", first_name="ольга")]),
                                  "Повтор: этот же человек (ФИО и дата рождения) уже есть в строке 2 файла."),
    "unknown topic": (xlsx([row(topics="Олимпиадная подготовка; Робототехника для малышей")]),
                      "Нет в справочнике компетенций и запросов: «Робототехника для малышей»."),
    "misspelled header": (xlsx([row()], header=[("Имъя" if t == "Имя" else t) for t in HEADER]),
                          "В файле не найдены столбцы: «Имя» (в файле есть «Имъя» — возможно, опечатка)."),
    "missing header": (xlsx([row()[:3]], header=HEADER[:3]), "«Дата рождения»; «Категория»"),
    "empty file": (xlsx([], header=None), "Файл пустой"),
    "header only": (xlsx([]), "В файле нет ни одной строки с участниками"),
    "not an xlsx": (_zip_that_is_not_a_workbook(), "Файл не удаётся прочитать как книгу Excel (.xlsx)"),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_each_error_is_shown_and_nothing_is_committed(district, client_for, case):
    content, message = ERROR_CASES[case]
    # A good row next to the bad one: all-or-nothing means it is not loaded either.
    participant_import = stored_import(district.school1, content, user=district.curator1)
    client = client_for(district.curator1)
    before = Participant.objects.count()

    page = client.get(preview_url(participant_import))
    assert page.status_code == 200
    html = page.content.decode()
    assert message in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert "Загрузить в реестр" not in html
    assert "Загрузить исправленный файл" in html

    response = client.post(preview_url(participant_import))
    assert response.status_code == 200
    assert "ничего не загружено" in response.content.decode()
    assert Participant.objects.count() == before
    assert MentorProfile.objects.count() == MenteeProfile.objects.count() == 0
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.CHECKED
    assert participant_import.file.storage.exists(participant_import.file.name)  # the upload stays


@pytest.mark.parametrize("surname", ["Сидоров😀", '=HYPERLINK("x")', "<i>Смирнов</i>", "Петров2"])
def test_a_name_the_participant_form_refuses_is_refused_on_its_cell(district, surname):
    preview = parse_participant_workbook(io.BytesIO(xlsx_of_text([row(last_name=surname)])),
                                         organisation=district.school1)
    [bad] = preview.rows
    assert bad.cells["last_name"] == surname
    assert bad.bad_columns == {"last_name"}
    assert bad.errors == ["Фамилия: Только буквы; части имени разделяются пробелом, дефисом или апострофом."]
    assert not preview.can_commit


def test_one_bad_row_blocks_the_good_ones_and_the_count_is_shown(district, client_for):
    rows = good_rows() + [row(last_name="Орлов", category="Космонавт")]
    participant_import = stored_import(district.school1, xlsx(rows))
    client = client_for(district.curator1)
    html = client.get(preview_url(participant_import)).content.decode()
    assert "4 строки, 1 с ошибками" in html
    assert html.count('class="table-danger"') == 1
    only_errors = client.get(preview_url(participant_import) + "?errors=1")
    assert [r.number for r in only_errors.context["rows"]] == [5]
    client.post(preview_url(participant_import))
    assert Participant.objects.count() == 0


def test_someone_already_in_the_registry_is_matched_not_added(district):
    """(The update itself: tests/test_import_update.py.)"""
    teacher = factories.TeacherFactory(organisation=district.school1, last_name="Соколова", first_name="Ольга",
                                       patronymic="Ивановна", birth_date=datetime.date(1985, 4, 12))
    content = xlsx([row(last_name="СОКОЛОВА", first_name="Ольга", patronymic="ивановна")])
    preview = parse_participant_workbook(io.BytesIO(content), organisation=district.school1)
    assert preview.rows[0].errors == []
    assert preview.rows[0].match_id == teacher.pk
    assert preview.rows[0].status == "changed"
    # The same person in another school is someone else for this one.
    other = parse_participant_workbook(io.BytesIO(content), organisation=district.school2)
    assert (other.rows[0].status, other.rows[0].match_id) == ("new", None)


def test_registry_duplicates_agree_with_duplicates_of(district):
    """The import asks for many rows at once; its answer must be ``duplicates_of``'s for each row."""
    for last, first, patronymic, born in [("Ёлкина", "Алёна", "Петровна", datetime.date(1990, 1, 2)),
                                          ("Орлов", "Иван", "", datetime.date(1980, 3, 4)),
                                          ("Пак", "Ким", "", None)]:
        factories.TeacherFactory(organisation=district.school1, last_name=last, first_name=first,
                                 patronymic=patronymic, birth_date=born)
    variants = [
        ("ЕЛКИНА", "алена", "петровна", "02.01.1990"), ("Елкина", "Алена", "", "02.01.1990"),
        ("Ёлкина", "Алёна", "Петровна", "03.01.1990"), ("Орлов", "Иван", "", "04.03.1980"),
        ("Орлов", "Иван", "Иванович", "04.03.1980"), ("пак", "КИМ", "", ""), ("Пак", "Ким", "", "01.01.1970"),
    ]
    rows = [row(last_name=l, first_name=f, patronymic=p, birth_date=b, role="", topics="") for l, f, p, b in variants]
    preview = parse_participant_workbook(io.BytesIO(xlsx(rows)), organisation=district.school1)
    for import_row in preview.rows:
        person = import_row.participant
        expected = Participant.objects.duplicates_of(
            organisation_id=district.school1.pk, last_name=person.last_name, first_name=person.first_name,
            patronymic=person.patronymic, birth_date=person.birth_date).exists()
        assert import_row.errors == []
        assert (import_row.match_id is not None) == expected, import_row.cells
        assert (import_row.status == "new") == (not expected)
    assert [r.number for r in preview.rows if r.match_id] == [2, 5, 7]


def test_archived_duplicate_is_named_as_such(district):
    person = factories.TeacherFactory(organisation=district.school1, last_name="Соколова", first_name="Ольга",
                                      patronymic="Ивановна", birth_date=datetime.date(1985, 4, 12))
    person.archive(reason="уволилась")
    preview = parse_participant_workbook(io.BytesIO(xlsx([row()])), organisation=district.school1)
    assert "в архиве" in preview.rows[0].errors[0]


def test_registry_duplicates_are_checked_in_chunks_for_many_rows(district, django_assert_max_num_queries):
    factories.TeacherFactory(organisation=district.school1, **person(450), birth_date=datetime.date(1985, 4, 12))
    rows = [row(**person(n), topics="", role="") for n in range(500)]
    # The vocabulary; for the chunk of names: the people with their profiles, the topics of each kind of
    # profile, the consents.
    with django_assert_max_num_queries(5):
        preview = parse_participant_workbook(io.BytesIO(xlsx(rows)), organisation=district.school1)
    assert [r.number for r in preview.rows if r.match_id] == [452]
    assert len(preview.new_rows) == 499


def test_unknown_topics_are_listed_with_a_link_to_the_vocabulary(district, client_for):
    content = xlsx([row(topics="Шахматы; Олимпиадная подготовка"), row(last_name="Орлова", topics="шахматы")])
    participant_import = stored_import(district.school1, content)
    response = client_for(district.curator1).get(preview_url(participant_import))
    assert response.context["preview"].unknown_topics == ["Шахматы"]
    assert reverse("registry:topic_list") in response.content.decode()


def test_hidden_topic_is_an_error(district):
    Topic.objects.filter(name="Методика преподавания").update(is_active=False)
    preview = parse_participant_workbook(io.BytesIO(xlsx([row()])), organisation=district.school1)
    assert "Скрыты из выбора в справочнике: «Методика преподавания»" in preview.rows[0].errors[0]


def test_unknown_columns_are_ignored_with_a_note(district):
    content = xlsx([row() + ["лишнее"]], header=HEADER + ["Примечание"])
    preview = parse_participant_workbook(io.BytesIO(content), organisation=district.school1)
    assert preview.can_commit
    assert preview.notes == ["Столбцы не распознаны и не загружаются: «Примечание»."]


def test_columns_may_come_in_any_order_and_spelling(district):
    order = list(reversed(range(len(HEADER))))
    header = [HEADER[i].upper().replace("/", " / ") for i in order]
    values = row()
    preview = parse_participant_workbook(io.BytesIO(xlsx([[values[i] for i in order]], header=header)),
                                         organisation=district.school1)
    assert preview.can_commit, preview.errors
    assert preview.rows[0].participant.last_name == "Соколова"


def test_more_than_five_thousand_rows_are_refused(district):
    rows = [[*person(n).values(), "", "Педагог"] + [""] * 6 for n in range(MAX_ROWS + 1)]
    preview = parse_participant_workbook(io.BytesIO(xlsx(rows)), organisation=district.school1)
    assert preview.rows == []
    assert preview.errors == ["В файле больше 5\u00a0000 строк с участниками. За один раз можно загрузить не больше "
                              "5\u00a0000: разделите файл на несколько."]


def test_five_thousand_rows_are_accepted_and_commit_in_a_few_queries(district, django_assert_max_num_queries):
    rows = [[*person(n).values(), "", "Педагог", "", "", "", "", "наставник", "Цифровые навыки"]
            for n in range(MAX_ROWS)]
    participant_import = stored_import(district.school1, xlsx(rows))
    # Batches, not rows: SQLite's 999-parameter limit makes about 60 participants per INSERT (and about as
    # many of their «создание записи» audit entries).
    with django_assert_max_num_queries(320):
        created = commit_import(participant_import, by=district.curator1)
    assert created == MAX_ROWS
    assert MentorProfile.objects.filter(topics__name="Цифровые навыки").count() == MAX_ROWS


# --- committing twice, and in the meantime ----------------------------------------------------


def test_double_commit_creates_nothing_twice(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()))
    assert commit_import(participant_import, by=district.curator1) == 3
    with pytest.raises(ImportAlreadyCommitted):
        commit_import(ParticipantImport.objects.get(pk=participant_import.pk), by=district.curator1)
    assert Participant.objects.count() == 3

    # The same through the page: a second click on the (stale) button.
    response = client_for(district.curator1).post(preview_url(participant_import), follow=True)
    assert "Этот файл уже загружен в реестр; повторно ничего не добавлено." in response.content.decode()
    assert Participant.objects.count() == 3
    assert MentorProfile.objects.count() == 1 and MenteeProfile.objects.count() == 1


def test_commit_checks_again_against_the_registry(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()))
    client = client_for(district.curator1)
    assert client.get(preview_url(participant_import)).context["preview"].can_commit
    # A topic is hidden from the vocabulary before the import is confirmed.
    Topic.objects.filter(name="Методика преподавания").update(is_active=False)
    response = client.post(preview_url(participant_import))
    assert response.status_code == 200
    assert "Скрыты из выбора в справочнике: «Методика преподавания»" in response.content.decode()
    assert Participant.objects.count() == 0
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.CHECKED
    # What the commit found is stored: the page shows it from now on, and offers no commit.
    page = client.get(preview_url(participant_import))
    assert "3 строки, 1 с ошибками" in page.content.decode()
    assert not page.context["preview"].can_commit


# --- who may ------------------------------------------------------------------------------------


def test_foreign_import_is_not_found(district, roles):
    participant_import = stored_import(district.school1, xlsx(good_rows()), user=district.curator1)
    roles.expect(preview_url(participant_import), municipal=None)
    roles.expect(preview_url(participant_import), method="post", owner=None, municipal=None)
    assert Participant.objects.count() == 0


def test_users_without_edit_registry_cannot_upload_or_commit(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()))
    for user in (district.director1, district.municipal, district.observer):
        client = client_for(user)
        assert client.get(reverse("registry:import_upload")).status_code == 404, user
        response = client.post(reverse("registry:import_upload"), {
            "organisation": district.school1.pk, "file": SimpleUploadedFile("a.xlsx", xlsx(good_rows()))})
        assert response.status_code == 404, user
        # They see the organisation, so the lookup answers 403, as it does everywhere for a missing permission.
        assert client.get(preview_url(participant_import)).status_code == 403, user
        assert client.post(preview_url(participant_import)).status_code == 403, user
    assert client_for(district.nobody).get(reverse("registry:import_upload")).status_code == 404
    assert ParticipantImport.objects.count() == 1
    assert Participant.objects.count() == 0


def test_working_group_member_may_import(district, client_for):
    participant_import = stored_import(district.school1, xlsx(good_rows()))
    response = client_for(district.member1).post(preview_url(participant_import))
    assert response.status_code == 302
    assert Participant.objects.filter(organisation=district.school1).count() == 3
