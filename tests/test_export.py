"""The mentor and mentee bases as XLSX: the methodology's column order, filters, scope, bounded queries."""

import datetime

import pytest
from openpyxl import load_workbook
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.exports import (MENTEE_COLUMNS, MENTOR_COLUMNS, PairInfo, add_mentor_details, build_rows,
                              mentor_queryset)
from registry.models import Consent, Participant, Topic
from monitoring import exports
from monitoring.models import ExportJob
from tests import factories
from tests.downloads import base_response, workbook

MENTEE_HEADER = [
    "ФИО наставляемого",
    "Контактные данные (или родителей/законных представителей)",
    "Год рождения",
    "Основной запрос",
    "Дата вхождения в программу",
    "ФИО наставника",
    "Место работы/учёбы наставника",
    "Форма наставничества",
    "Место реализации программы",
    "Дата завершения",
    "Результаты программы",
    "Ссылка на кейс/отзыв",
    "Ссылка на фотоотчёт",
    "Организация наставляемого",
]
MENTOR_HEADER = [
    "ФИО наставника",
    "Контактные данные",
    "Место работы/учёбы",
    "Должность/класс",
    "Ключевые компетенции/достижения",
    "Интересы",
    "Желаемый возраст наставляемых",
    "Удобное время встреч",
    "Основной запрос наставляемого",
    "ФИО наставляемого",
    "Место учёбы наставляемого",
    "Форма наставничества",
    "Место реализации программы",
    "Сроки",
    "Результаты",
    "Ссылки на кейсы/отзывы",
    "Ссылка на фотоотчёт",
]


def mentor(organisation, last_name, **participant_fields):
    participant = factories.TeacherFactory(organisation=organisation, last_name=last_name, **participant_fields)
    return factories.MentorProfileFactory(participant=participant)


def mentee(organisation, last_name, **participant_fields):
    participant = factories.ParticipantFactory(organisation=organisation, last_name=last_name, **participant_fields)
    return factories.MenteeProfileFactory(participant=participant)


def download(client, name, query=""):
    """Through the export job, as the participant list's button does (tests/downloads.py)."""
    book = workbook(base_response(client, name, query))
    return list(book.active.values), book.active


def names(rows) -> set[str]:
    return {values[0] for values in rows[1:]}


def test_mentor_base_header_values_and_one_row_per_mentor(district, client_for):
    topic = Topic.objects.get(name="Олимпиадная подготовка")
    partner = factories.PartnerFactory(organisation=district.school1, name="ООО «Вектор»")
    first = mentor(district.school1, "Андреева", first_name="Анна", patronymic="Павловна", phone="+7 900 1",
                   email="a@example.ru", position="Учитель физики")
    first.topics.add(topic)
    first.competencies = "Победитель конкурса «Учитель года»"
    first.interests = "Робототехника"
    first.mentee_age_min, first.mentee_age_max = 12, 16
    first.meeting_times = "вт, чт после 15:00"
    first.save()
    outside = mentor(district.school1, "Борисов", category=Participant.Category.EMPLOYER, position="Инженер")
    outside.partner = partner
    outside.save()
    mentor(district.school1, "Васильева")
    mentee(district.school1, "Только-наставляемый")  # not in the mentor base

    rows, sheet = download(client_for(district.curator1), "registry:export_mentors")
    assert list(rows[0]) == MENTOR_HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert [values[0] for values in rows[1:]] == ["Андреева Анна Павловна", "Борисов Иван Петрович",
                                                  "Васильева Иван Петрович"]
    andreeva = dict(zip(MENTOR_HEADER, rows[1]))
    assert andreeva["Контактные данные"] == "+7 900 1; a@example.ru"
    assert andreeva["Место работы/учёбы"] == "МБОУ СОШ № 1"
    assert andreeva["Должность/класс"] == "Учитель физики"
    assert andreeva["Ключевые компетенции/достижения"] == "Олимпиадная подготовка; Победитель конкурса «Учитель года»"
    assert andreeva["Интересы"] == "Робототехника"
    assert andreeva["Желаемый возраст наставляемых"] == "12–16"
    assert andreeva["Удобное время встреч"] == "вт, чт после 15:00"
    assert dict(zip(MENTOR_HEADER, rows[2]))["Место работы/учёбы"] == "ООО «Вектор»"
    # Pairs come later from another app: their columns stay empty.
    for values in rows[1:]:
        assert all(value is None for value in values[8:])


def test_mentee_base_header_values_and_one_row_per_mentee(district, client_for):
    child = mentee(district.school1, "Гусев", first_name="Павел", patronymic="Олегович",
                   birth_date=datetime.date(2012, 5, 6), phone="+7 900 2")
    child.topics.add(Topic.objects.get(name="Цифровые навыки"))
    child.request = "Хочет научиться программировать"
    child.joined_on = datetime.date(2024, 9, 15)
    child.save()
    factories.ConsentFactory(
        participant=child.participant, signed_by=Consent.SignedBy.REPRESENTATIVE,
        representative_name="Гусева Мария Ивановна", representative_relation=Consent.Relation.MOTHER,
        representative_document="свидетельство о рождении", signed_on=datetime.date(2024, 9, 1),
    )
    mentee(district.school1, "Дмитриева")
    mentor(district.school1, "Только-наставник")  # not in the mentee base

    rows, sheet = download(client_for(district.curator1), "registry:export_mentees")
    assert list(rows[0]) == MENTEE_HEADER
    assert sheet.freeze_panes == "A2"
    assert len(rows) == 3
    gusev = dict(zip(MENTEE_HEADER, rows[1]))
    assert gusev["ФИО наставляемого"] == "Гусев Павел Олегович"
    assert gusev["Контактные данные (или родителей/законных представителей)"] == (
        "+7 900 2; законный представитель: Гусева Мария Ивановна (мать)")
    assert gusev["Год рождения"] == 2012
    assert gusev["Основной запрос"] == "Цифровые навыки; Хочет научиться программировать"
    assert gusev["Дата вхождения в программу"] == datetime.datetime(2024, 9, 15)
    assert sheet["E2"].number_format == "DD.MM.YYYY"
    for values in rows[1:]:
        assert all(value is None for value in values[5:-1])
        assert values[-1] == "МБОУ СОШ № 1"


def test_every_row_of_a_district_mentee_base_names_its_organisation(district, client_for):
    """The municipal curator's base holds several schools: each row, with a pair or without, says whose."""
    mentee(district.school1, "Первая")
    mentee(district.school2, "Вторая")
    mentee(district.college, "Третья")
    mentee(district.foreign_school, "Чужая")  # another district: not in the file at all
    rows, _sheet = download(client_for(district.municipal), "registry:export_mentees")
    by_name = {values[0].split()[0]: dict(zip(MENTEE_HEADER, values)) for values in rows[1:]}
    assert set(by_name) == {"Первая", "Вторая", "Третья"}
    assert {name: row["Организация наставляемого"] for name, row in by_name.items()} == {
        "Первая": "МБОУ СОШ № 1", "Вторая": "МБОУ СОШ № 2", "Третья": "ГБПОУ НСТ"}


def test_exports_follow_the_list_filters(district, client_for):
    mentor(district.school1, "Педагогова")
    mentor(district.school1, "Ученикова", category=Participant.Category.STUDENT, birth_date=datetime.date(2008, 1, 1),
           class_name="11А")  # «ученик – ученик»
    archived = mentor(district.school1, "Архивная")
    archived.participant.archive(reason="уволилась")
    client = client_for(district.curator1)

    rows, _sheet = download(client, "registry:export_mentors", "?category=teacher")
    assert names(rows) == {"Педагогова Иван Петрович"}
    rows, _sheet = download(client, "registry:export_mentors", "?q=ученик")
    assert names(rows) == {"Ученикова Иван Петрович"}
    assert dict(zip(MENTOR_HEADER, rows[1]))["Должность/класс"] == "11А"
    rows, _sheet = download(client, "registry:export_mentors")
    assert "Архивная Иван Петрович" not in names(rows)  # the list hides the archive by default
    rows, _sheet = download(client, "registry:export_mentors", "?archived=on")
    assert "Архивная Иван Петрович" in names(rows)
    topic = Topic.objects.get(name="Цифровые навыки")
    Participant.objects.get(last_name="Педагогова").mentor_profile.topics.add(topic)
    rows, _sheet = download(client, "registry:export_mentors", f"?topic={topic.pk}")
    assert names(rows) == {"Педагогова Иван Петрович"}


def test_exports_respect_the_scope(district, client_for, roles):
    for organisation, prefix in ((district.school1, "Первая"), (district.school2, "Вторая"),
                                 (district.foreign_school, "Чужая")):
        mentor(organisation, f"{prefix}-наставник")
        mentee(organisation, f"{prefix}-наставляемый")

    def surnames(user, name):
        rows, _sheet = download(client_for(user), name)
        return {value.split()[0] for value in names(rows)}

    assert surnames(roles.neighbour, "registry:export_mentors") == {"Вторая-наставник"}
    assert surnames(roles.neighbour, "registry:export_mentees") == {"Вторая-наставляемый"}
    assert surnames(roles.municipal, "registry:export_mentors") == {"Первая-наставник", "Вторая-наставник"}
    assert surnames(roles.municipal, "registry:export_mentees") == {"Первая-наставляемый", "Вторая-наставляемый"}
    assert surnames(roles.outsider, "registry:export_mentors") == {"Чужая-наставник"}
    assert surnames(district.director1, "registry:export_mentors") == {"Первая-наставник"}
    # Asking for another school by the filter is that school's 404, and no job.
    jobs = ExportJob.objects.count()
    response = roles.client("neighbour").post(reverse("monitoring:export_list"),
                                              {"kind": "mentors", "organisation": district.school1.pk})
    assert response.status_code == 404
    assert ExportJob.objects.count() == jobs


def test_who_may_ask_for_a_registry_export(roles):
    # The old download addresses send everyone logged in on to the export page (each gets their own rows,
    # above); the anonymous is sent to log in.
    roles.expect([reverse("registry:export_mentors"), reverse("registry:export_mentees")],
                 owner=302, municipal=302, neighbour=302, outsider=302, stranger=302)
    # Someone without a role may not even ask for the job.
    roles.expect(reverse("monitoring:export_list"), method="post", data={"kind": "mentors"},
                 owner=None, municipal=None, neighbour=None, outsider=None, stranger=403)
    assert not ExportJob.objects.exists()


def _populate(district, start, stop):
    topics = list(Topic.objects.all()[:3])
    partner = factories.PartnerFactory(organisation=district.school1)
    for n in range(start, stop):
        organisation = district.school1 if n % 2 else district.school2
        profile = mentor(organisation, f"Наставник{n}")
        profile.topics.add(*topics)
        if n % 3 == 0:
            profile.partner = partner
            profile.save()
        child = mentee(organisation, f"Наставляемый{n}")
        child.topics.add(*topics)
        factories.ConsentFactory(participant=child.participant, signed_by=Consent.SignedBy.REPRESENTATIVE,
                                 representative_name=f"Родитель {n}", representative_relation=Consent.Relation.FATHER,
                                 representative_document="свидетельство")


@pytest.mark.parametrize("name", ["mentors", "mentees"])
def test_number_of_queries_does_not_grow_with_rows(district, django_assert_max_num_queries, name):
    counts = []
    for start, stop in ((0, 5), (5, 50)):
        _populate(district, start, stop)
        job = exports.request_export(user=district.municipal, kind=name, params={"filters": {"sort": "name"}})
        with CaptureQueriesContext(connection) as queries:
            # The worker's share: the claim and the lease, the scope, the rows in chunks, the file's row.
            with django_assert_max_num_queries(16):
                job = exports.run_export(job.pk)
        assert job.status == ExportJob.Status.DONE
        rows = list(load_workbook(job.file.path).active.values)
        assert len(rows) == stop + 1
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_row_builder_takes_pair_information_per_chunk(district):
    first = mentor(district.school1, "Первый")
    second = mentor(district.school1, "Второй")
    third = mentor(district.school1, "Третий")
    calls = []

    def pair_info(participant_ids):
        calls.append(sorted(participant_ids))
        return {
            first.participant_id: [
                PairInfo(partner_name="Ученик Один", partner_place="7А", partner_request="Олимпиада",
                         form="учитель – ученик", place="МБОУ СОШ № 1", started_on=datetime.date(2024, 9, 1),
                         ended_on=datetime.date(2025, 5, 31), results="Призёр олимпиады", case_url="https://x/1",
                         photo_url="https://x/p1"),
                PairInfo(partner_name="Ученик Два", form="учитель – ученик"),
            ],
        }

    queryset = mentor_queryset(Participant.objects.filter(organisation=district.school1).order_by("last_name"))
    rows = list(build_rows(queryset, MENTOR_COLUMNS, details=add_mentor_details, pair_info=pair_info, chunk_size=2))
    assert len(calls) == 2  # one call per chunk of two participants
    assert sorted(pk for call in calls for pk in call) == sorted(
        [first.participant_id, second.participant_id, third.participant_id])
    assert [values[0] for values in rows] == ["Второй Иван Петрович", "Первый Иван Петрович",
                                              "Первый Иван Петрович", "Третий Иван Петрович"]
    pair_row = dict(zip(MENTOR_HEADER, rows[1]))
    assert pair_row["ФИО наставляемого"] == "Ученик Один"
    assert pair_row["Основной запрос наставляемого"] == "Олимпиада"
    assert pair_row["Сроки"] == "01.09.2024 – 31.05.2025"
    assert pair_row["Ссылки на кейсы/отзывы"] == "https://x/1"
    assert dict(zip(MENTOR_HEADER, rows[2]))["ФИО наставляемого"] == "Ученик Два"
    assert all(value in ("", None) for value in rows[0][8:])  # no pair: one row, empty pair columns
    assert [column.title for column in MENTEE_COLUMNS] == MENTEE_HEADER
