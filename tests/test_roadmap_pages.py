"""Roadmap pages: scoping of every URL, the workflows through HTTP, query counts, PDF and XLSX."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registry.models import AcademicYear
from registry.scoping import Role
from roadmaps import selectors, services
from roadmaps.exports import ROADMAP_COLUMNS, roadmaps_with_progress
from roadmaps.models import (
    EvidenceFile,
    Level,
    Occurrence,
    Roadmap,
    RoadmapChange,
    RoadmapItem,
    RoadmapTemplate,
)
from tests import factories

TODAY = timezone.localdate()
PDF_BYTES = factories.pdf_bytes()


# --- helpers ---------------------------------------------------------------------------------------


def year():
    return AcademicYear.objects.current()


def school_roadmap(district, *, items=6, organisation=None, template=None):
    template = template or factories.roadmap_template(items=items)
    return services.create_from_template(template=template, academic_year=year(),
                                         organisation=organisation or district.school1, by=district.curator1)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"[\u2010\u00ad-]\s*\n\s*", "", text)
    return " ".join(text.split())


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(content(response)))


@pytest.fixture
def roadmap(district):
    return school_roadmap(district)


@pytest.fixture
def district_roadmap(district):
    template = factories.roadmap_template("test-district", level=Level.MUNICIPALITY, items=4, stage_count=2)
    return services.create_from_template(template=template, academic_year=year(),
                                         municipality=district.municipality, by=district.municipal)


@pytest.fixture
def evidence(roadmap, district):
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).first()
    services.report_progress(occurrence, status=Occurrence.Status.DONE, evidence="протокол № 1",
                             files=[SimpleUploadedFile("protokol.pdf", PDF_BYTES)], by=district.curator1)
    return EvidenceFile.objects.get(occurrence=occurrence)


def urls_of(roadmap, evidence=None):
    item = roadmap.items.order_by("position").first()
    occurrence = Occurrence.objects.filter(item=item).first()
    urls = {
        "detail": ("get", reverse("roadmaps:roadmap_detail", args=[roadmap.pk])),
        "history": ("get", reverse("roadmaps:roadmap_history", args=[roadmap.pk])),
        "pdf": ("get", reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])),
        "xlsx": ("get", reverse("roadmaps:roadmap_xlsx", args=[roadmap.pk])),
        "approve": ("get", reverse("roadmaps:roadmap_approve", args=[roadmap.pk])),
        "item_create": ("get", reverse("roadmaps:item_create", args=[roadmap.pk])),
        "item_edit": ("get", reverse("roadmaps:item_edit", args=[item.pk])),
        "item_move": ("post", reverse("roadmaps:item_move", args=[item.pk])),
        "item_remove": ("get", reverse("roadmaps:item_remove", args=[item.pk])),
        "occurrence_edit": ("get", reverse("roadmaps:occurrence_edit", args=[occurrence.pk])),
        "occurrence_deadline": ("get", reverse("roadmaps:occurrence_deadline", args=[occurrence.pk])),
    }
    if evidence is not None:
        urls["evidence_file"] = ("get", reverse("roadmaps:evidence_file", args=[evidence.pk]))
    return urls


def status_of(client, method, url):
    return getattr(client, method)(url, {"direction": "down"} if method == "post" else None).status_code


VIEW_ONLY = {"detail", "history", "pdf", "xlsx", "evidence_file"}
STRUCTURE = {"item_create", "item_edit", "item_move", "item_remove", "occurrence_deadline"}


# --- scoping -----------------------------------------------------------------------------------------


def test_every_url_of_another_schools_roadmap_answers_404(roles, roadmap, evidence):
    # Who inside may do what: the tables below; here, everyone outside gets a 404 for every URL.
    inside = {"owner": None, "municipal": None}
    for method in ("get", "post"):
        urls = [url for name, (how, url) in urls_of(roadmap, evidence).items() if how == method]
        roles.expect(urls, method=method, data={"direction": "down"} if method == "post" else None, **inside)


def test_foreign_municipal_does_not_see_the_district_roadmap(district, client_for, district_roadmap):
    client = client_for(district.foreign_municipal)
    for name, (method, url) in urls_of(district_roadmap).items():
        assert status_of(client, method, url) == 404, name


@pytest.mark.parametrize("user, allowed", [
    ("curator1", VIEW_ONLY | STRUCTURE | {"occurrence_edit"}),
    ("director1", VIEW_ONLY | {"approve", "occurrence_edit"}),
    ("member1", VIEW_ONLY | {"occurrence_edit"}),
    ("municipal", VIEW_ONLY),
    ("observer", VIEW_ONLY),
])
def test_who_may_do_what_on_a_school_roadmap(district, client_for, roadmap, evidence, user, allowed):
    client = client_for(getattr(district, user))
    for name, (method, url) in urls_of(roadmap, evidence).items():
        expected = 403 if name not in allowed else (302 if method == "post" else 200)
        assert status_of(client, method, url) == expected, (user, name)


@pytest.mark.parametrize("user, allowed", [
    ("municipal", VIEW_ONLY | STRUCTURE | {"occurrence_edit", "approve"}),
    ("curator1", VIEW_ONLY),
    ("director1", VIEW_ONLY),
    ("observer", VIEW_ONLY),
])
def test_who_may_do_what_on_the_district_roadmap(district, client_for, district_roadmap, user, allowed):
    client = client_for(getattr(district, user))
    for name, (method, url) in urls_of(district_roadmap).items():
        expected = 403 if name not in allowed else (302 if method == "post" else 200)
        assert status_of(client, method, url) == expected, (user, name)


@pytest.mark.parametrize("name", ["roadmaps:roadmap_list", "roadmaps:my_tasks", "roadmaps:overdue",
                                  "roadmaps:matrix", "roadmaps:matrix_xlsx"])
def test_list_pages_answer_every_role(district, client_for, roadmap, district_roadmap, name):
    for user in ("observer", "municipal", "foreign_municipal", "curator1", "curator2", "director1", "member1",
                 "nobody"):
        assert client_for(getattr(district, user)).get(reverse(name)).status_code == 200, (user, name)


def test_lists_show_only_what_is_in_scope(district, client_for, roadmap, district_roadmap):
    school2 = school_roadmap(district, organisation=district.school2, template=RoadmapTemplate.objects.get(
        code="test-school"))
    overdue = Occurrence.objects.filter(item__roadmap=roadmap).first()
    services.change_deadline(overdue, due_on=TODAY - datetime.timedelta(days=3), reason="тест", by=None)

    page = client_for(district.curator2).get(reverse("roadmaps:roadmap_list")).content.decode()
    assert reverse("roadmaps:roadmap_detail", args=[school2.pk]) in page
    assert reverse("roadmaps:roadmap_detail", args=[district_roadmap.pk]) in page  # the district's is readable
    assert reverse("roadmaps:roadmap_detail", args=[roadmap.pk]) not in page

    anchor = f"#item-{overdue.item_id}"
    assert anchor not in client_for(district.curator2).get(reverse("roadmaps:overdue")).content.decode()
    assert anchor in client_for(district.municipal).get(reverse("roadmaps:overdue")).content.decode()
    foreign = client_for(district.foreign_municipal)
    assert anchor not in foreign.get(reverse("roadmaps:overdue")).content.decode()
    matrix = foreign.get(reverse("roadmaps:matrix")).content.decode()
    assert district.school1.short_name not in matrix and district.foreign_school.short_name in matrix
    assert roadmap.title not in foreign.get(reverse("roadmaps:roadmap_list")).content.decode()


@pytest.mark.parametrize("user, expected", [("curator1", 200), ("municipal", 200), ("director1", 403),
                                            ("member1", 403), ("observer", 403), ("nobody", 403)])
def test_who_may_create_a_roadmap(district, client_for, user, expected):
    client = client_for(getattr(district, user))
    assert client.get(reverse("roadmaps:roadmap_create")).status_code == expected
    assert client.post(reverse("roadmaps:roadmap_create"), {}).status_code == expected


def test_create_buttons_only_for_those_who_may_create(district, client_for):
    button = "Создать по шаблону"
    assert button in client_for(district.curator1).get(reverse("roadmaps:roadmap_list")).content.decode()
    assert button in client_for(district.municipal).get(reverse("roadmaps:roadmap_list")).content.decode()
    assert button not in client_for(district.director1).get(reverse("roadmaps:roadmap_list")).content.decode()
    assert button not in client_for(district.observer).get(reverse("roadmaps:roadmap_list")).content.decode()


def test_action_links_follow_permissions(district, client_for, roadmap):
    item = roadmap.items.first()
    edit = reverse("roadmaps:item_edit", args=[item.pk])
    approve = reverse("roadmaps:roadmap_approve", args=[roadmap.pk])
    report = reverse("roadmaps:occurrence_edit", args=[item.occurrences.first().pk])
    page = client_for(district.curator1).get(roadmap.get_absolute_url()).content.decode()
    assert edit in page and report in page and approve not in page
    page = client_for(district.director1).get(roadmap.get_absolute_url()).content.decode()
    assert edit not in page and report in page and approve in page
    page = client_for(district.municipal).get(roadmap.get_absolute_url()).content.decode()
    assert edit not in page and report not in page and approve not in page


# --- creating ----------------------------------------------------------------------------------------


def create(client, **data):
    return client.post(reverse("roadmaps:roadmap_create"), data)


def test_curator_creates_this_years_roadmap_from_a_template(district, client_for):
    template = factories.roadmap_template(items=7)
    client = client_for(district.curator1)
    assert "Дорожная карта внедрения" in client.get(reverse("roadmaps:roadmap_create")).content.decode()
    response = create(client, owner=f"organisation-{district.school1.pk}", academic_year=year().start_year,
                      source="template", template=template.pk, title="")
    roadmap = Roadmap.objects.get(organisation=district.school1)
    assert response.status_code == 302 and response["Location"] == roadmap.get_absolute_url()
    assert roadmap.title.endswith(district.school1.short_name) and roadmap.academic_year == year()
    assert roadmap.items.count() == 7 and Occurrence.objects.filter(item__roadmap=roadmap).exists()
    assert roadmap.created_by == district.curator1

    page = client.get(roadmap.get_absolute_url()).content.decode()
    assert "Мероприятие 7: анкетирование участников" in page and factories.STAGES[0] in page
    assert "ПРОЕКТ" not in page  # the page says «проект» as a badge; PDFs carry the stamp

    again = create(client, owner=f"organisation-{district.school1.pk}", academic_year=year().start_year,
                   source="template", template=template.pk)
    assert again.status_code == 200
    assert f"Дорожная карта на {year()} учебный год уже есть." in again.content.decode()


def test_template_level_must_match_the_owner(district, client_for):
    district_template = factories.roadmap_template("test-district", level=Level.MUNICIPALITY)
    response = create(client_for(district.curator1), owner=f"organisation-{district.school1.pk}",
                      academic_year=year().start_year, source="template", template=district_template.pk)
    # Organisation templates only are offered to a school curator: the municipality's is no valid choice.
    assert response.status_code == 200 and not Roadmap.objects.exists()
    assert "Выберите корректный вариант" in response.content.decode()

    school_template = factories.roadmap_template()
    response = create(client_for(district.municipal), owner=f"municipality-{district.municipality.pk}",
                      academic_year=year().start_year, source="template", template=school_template.pk)
    assert response.status_code == 200 and not Roadmap.objects.exists()
    # Someone who may create both (an administrator) is told why the level does not fit.
    admin = factories.UserFactory(username="admin", is_superuser=True)
    response = create(client_for(admin), owner=f"municipality-{district.municipality.pk}",
                      academic_year=year().start_year, source="template", template=school_template.pk)
    assert response.status_code == 200 and not Roadmap.objects.exists()
    assert "Этот шаблон — для уровня «Образовательная организация»" in response.content.decode()

    response = create(client_for(district.municipal), owner=f"municipality-{district.municipality.pk}",
                      academic_year=year().start_year, source="template", template=district_template.pk)
    assert response.status_code == 302
    assert Roadmap.objects.get().municipality == district.municipality


def test_a_curator_cannot_create_for_another_school(district, client_for):
    template = factories.roadmap_template()
    response = create(client_for(district.curator1), owner=f"organisation-{district.school2.pk}",
                      academic_year=year().start_year, source="template", template=template.pk)
    assert response.status_code == 200 and not Roadmap.objects.exists()


def test_copy_to_next_year_re_dates_the_roadmap(district, client_for, roadmap):
    client = client_for(district.curator1)
    item = roadmap.items.order_by("position").first()
    item.responsible_users.add(district.member1)
    services.remove_item(roadmap.items.order_by("position").last(), reason="лишнее", by=district.curator1)
    next_year = year().start_year + 1

    response = create(client, owner=f"organisation-{district.school1.pk}", academic_year=next_year, source="copy")
    copy = Roadmap.objects.get(academic_year__start_year=next_year)
    assert response.status_code == 302 and copy.copied_from == roadmap
    assert copy.items.count() == roadmap.items.filter(is_removed=False).count()
    old = Occurrence.objects.filter(item=item).order_by("sequence").first()
    new = Occurrence.objects.filter(item__roadmap=copy, item__number=item.number).order_by("sequence").first()
    assert new.due_on == old.due_on.replace(year=old.due_on.year + 1)
    assert set(new.item.responsible_users.all()) == set(item.responsible_users.all())
    assert district.member1 in new.item.responsible_users.all()
    assert "Скопирована с дорожной карты" in client.get(
        reverse("roadmaps:roadmap_history", args=[copy.pk])).content.decode()


def test_copy_without_last_years_roadmap_is_refused(district, client_for):
    response = create(client_for(district.curator1), owner=f"organisation-{district.school1.pk}",
                      academic_year=year().start_year, source="copy")
    assert response.status_code == 200 and not Roadmap.objects.exists()
    assert "дорожной карты нет — копировать нечего" in response.content.decode()


# --- items -------------------------------------------------------------------------------------------


def item_data(**overrides):
    data = {"stage": "1", "number": "", "new_stage_title": "", "title": "Круглый стол наставников",
            "content": "Представление наставников", "documents": "Протокол", "result": "",
            "responsible": "Куратор", "roles": ["curator"], "deadline_kind": "date", "deadline_day": "20",
            "deadline_month": "10", "deadline_offset": "0", "deadline_text": ""}
    data.update(overrides)
    return data


def test_add_an_item_with_a_dated_deadline_and_people(district, client_for, roadmap):
    client = client_for(district.curator1)
    page = client.get(reverse("roadmaps:item_create", args=[roadmap.pk])).content.decode()
    assert district.member1.display_name in page and district.curator2.username not in page
    response = client.post(reverse("roadmaps:item_create", args=[roadmap.pk]),
                           item_data(responsible_users=[district.member1.pk, district.director1.pk]))
    item = RoadmapItem.objects.get(title="Круглый стол наставников")
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    assert item.stage_number == 1 and item.content == "Представление наставников" and item.roles == ["curator"]
    assert set(item.responsible_users.all()) == {district.member1, district.director1}
    assert [o.due_on for o in item.occurrences.all()] == [datetime.date(year().start_year, 10, 20)]
    assert roadmap.changes.filter(kind=RoadmapChange.Kind.ITEM_ADDED, item=item).exists()


def test_item_form_refuses_what_makes_no_sense(district, client_for, roadmap):
    client = client_for(district.curator1)
    url = reverse("roadmaps:item_create", args=[roadmap.pk])
    response = client.post(url, item_data(deadline_kind="months", deadline_day="", deadline_month=""))
    assert "нужны первый и последний месяц" in response.content.decode()
    response = client.post(url, item_data(number="1.1"))
    assert "Мероприятие № 1.1 в этой дорожной карте уже есть." in response.content.decode()
    response = client.post(url, item_data(stage="new"))
    assert "Укажите название нового этапа." in response.content.decode()
    outsider = factories.UserFactory(username="stranger")
    factories.RoleFactory(user=outsider, role=Role.SCHOOL_CURATOR, organisation=district.school2)
    response = client.post(url, item_data(responsible_users=[outsider.pk]))
    assert response.status_code == 200
    assert not roadmap.items.filter(title="Круглый стол наставников").exists()


def test_a_new_stage_is_numbered_after_the_last(district, client_for, roadmap):
    client_for(district.curator1).post(reverse("roadmaps:item_create", args=[roadmap.pk]), item_data(
        stage="new", new_stage_title="Тиражирование практик", deadline_kind="quarterly"))
    item = roadmap.items.get(title="Круглый стол наставников")
    assert item.stage_number == 4 and item.stage_title == "Тиражирование практик" and item.number == "4.1"
    assert item.occurrences.count() == 4


def test_edit_an_item_and_change_its_deadline_with_a_reason(district, client_for, roadmap):
    client = client_for(district.curator1)
    item = roadmap.items.get(number="1.1")  # «сентябрь – октябрь»
    url = reverse("roadmaps:item_edit", args=[item.pk])
    page = client.get(url).content.decode()
    assert 'value="months" selected' in page or 'value="months"selected' in page

    data = item_data(title="Изучение нормативной базы", deadline_kind="months", deadline_from="11", deadline_to="12",
                     deadline_text="ноябрь – декабрь", responsible_users=[district.member1.pk])
    data.pop("stage"), data.pop("number"), data.pop("new_stage_title")
    response = client.post(url, data)
    assert response.status_code == 200 and "Укажите причину изменения срока" in response.content.decode()
    item.refresh_from_db()
    assert item.title != "Изучение нормативной базы"

    response = client.post(url, {**data, "reason": "приказ управления образования"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Изучение нормативной базы" and item.deadline["to"] == 12
    assert list(item.responsible_users.all()) == [district.member1]
    assert item.occurrences.get().due_on == datetime.date(year().start_year, 12, 31)
    change = roadmap.changes.get(kind=RoadmapChange.Kind.DEADLINE_CHANGED, item=item)
    assert (change.old_value, change.new_value, change.reason) == (
        "сентябрь – октябрь", "ноябрь – декабрь", "приказ управления образования")
    history = client.get(reverse("roadmaps:roadmap_history", args=[roadmap.pk])).content.decode()
    assert "сентябрь – октябрь" in history and "ноябрь – декабрь" in history
    assert "приказ управления образования" in history

    # Only the text changed: no reason needed, no deadline history.
    response = client.post(url, {**data, "title": "Изучение нормативной базы и шаблонов"})
    assert response.status_code == 302
    assert roadmap.changes.filter(kind=RoadmapChange.Kind.DEADLINE_CHANGED).count() == 1


def test_every_deadline_kind_goes_through_the_form(district, client_for, roadmap):
    client = client_for(district.curator1)
    kinds = {
        "date": {"deadline_day": "10", "deadline_month": "6", "deadline_start_month": "4"},
        "months": {"deadline_from": "5", "deadline_to": "9", "deadline_offset": "0"},
        "year": {"deadline_from": "10"},
        "quarterly": {}, "per_term": {}, "half_year": {}, "schedule": {},
        "relative": {"deadline_after": "1.1", "deadline_days": "14"},
    }
    for kind, fields in kinds.items():
        response = client.post(reverse("roadmaps:item_create", args=[roadmap.pk]), item_data(
            title=f"Срок {kind}", deadline_kind=kind, **{"deadline_day": "", "deadline_month": "", **fields}))
        assert response.status_code == 302, (kind, response.content.decode()[-3000:])
        item = roadmap.items.get(title=f"Срок {kind}")
        assert item.deadline["kind"] == kind and item.occurrences.exists()
    assert roadmap.items.get(title="Срок date").deadline == {"kind": "date", "text": "", "month": 6, "day": 10,
                                                              "start_month": 4, "start_day": 1}
    relative = roadmap.items.get(title="Срок relative")
    anchor = Occurrence.objects.filter(item__roadmap=roadmap, item__number="1.1").get()
    assert relative.occurrences.get().due_on == anchor.due_on + datetime.timedelta(days=14)


def test_move_an_item_inside_its_stage(district, client_for, roadmap):
    first, second = roadmap.items.filter(stage_number=1).order_by("position")[:2]
    response = client_for(district.curator1).post(reverse("roadmaps:item_move", args=[first.pk]),
                                                  {"direction": "down"})
    assert response.status_code == 302
    assert list(roadmap.items.filter(stage_number=1).order_by("position")[:2]) == [second, first]
    assert roadmap.changes.filter(kind=RoadmapChange.Kind.REORDERED, item=first).exists()
    assert client_for(district.curator1).get(reverse("roadmaps:item_move", args=[first.pk])).status_code == 405


def test_remove_an_item_with_a_reason(district, client_for, roadmap):
    client = client_for(district.curator1)
    item = roadmap.items.get(number="1.2")
    url = reverse("roadmaps:item_remove", args=[item.pk])
    assert "Исключить мероприятие № 1.2" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    response = client.post(url, {"reason": "проведено в прошлом году"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_removed
    assert set(item.occurrences.values_list("status", flat=True)) == {Occurrence.Status.CANCELLED}
    change = roadmap.changes.get(kind=RoadmapChange.Kind.ITEM_REMOVED)
    assert change.reason == "проведено в прошлом году"
    page = client.get(roadmap.get_absolute_url()).content.decode()
    assert f'id="item-{item.pk}"' not in page
    assert f'id="item-{item.pk}"' in client.get(roadmap.get_absolute_url() + "?removed=1").content.decode()
    assert client.get(reverse("roadmaps:item_edit", args=[item.pk])).status_code == 404


def test_change_an_occurrence_deadline_keeps_the_old_date(district, client_for, roadmap):
    client = client_for(district.curator1)
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap, item__number="1.2").order_by("sequence").first()
    old = occurrence.due_on
    new = old + datetime.timedelta(days=10)
    url = reverse("roadmaps:occurrence_deadline", args=[occurrence.pk])
    assert client.post(url, {"due_on": new.isoformat(), "reason": ""}).status_code == 200
    response = client.post(url, {"due_on": new.isoformat(), "reason": "карантин"})
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.due_on == new
    change = roadmap.changes.get(kind=RoadmapChange.Kind.DEADLINE_CHANGED, occurrence=occurrence)
    assert (change.old_value, change.new_value, change.reason) == (f"{old:%d.%m.%Y}", f"{new:%d.%m.%Y}", "карантин")
    history = client.get(reverse("roadmaps:roadmap_history", args=[roadmap.pk])).content.decode()
    assert f"{old:%d.%m.%Y}" in history and f"{new:%d.%m.%Y}" in history and "карантин" in history
    assert "после утверждения" not in history


def test_approval_shows_the_block_and_marks_later_changes(district, client_for, roadmap):
    district.school1.director_name = "Н.В. Соколова"
    district.school1.save()
    client = client_for(district.director1)
    url = reverse("roadmaps:roadmap_approve", args=[roadmap.pk])
    assert 'value="1"' in client.get(url).content.decode()  # the register's next free number
    order_date = datetime.date(2026, 9, 2) if TODAY >= datetime.date(2026, 9, 2) else TODAY
    response = client.post(url, {"order_number": "30-9 о/д", "order_date": order_date.isoformat()})
    assert response.status_code == 302
    roadmap.refresh_from_db()
    assert roadmap.is_approved and roadmap.approved_by == district.director1
    page = client.get(roadmap.get_absolute_url()).content.decode()
    assert "УТВЕРЖДЕНО" in page and f"приказом от {roadmap.order_date:%d.%m.%Y} № 30-9 о/д" in page
    assert "Директор Н. В. Соколова" in page  # the signature of the order in the register
    assert url not in page  # nothing left to approve
    assert client.get(url).status_code == 302

    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).first()
    client_for(district.curator1).post(reverse("roadmaps:occurrence_deadline", args=[occurrence.pk]), {
        "due_on": (occurrence.due_on + datetime.timedelta(days=7)).isoformat(), "reason": "перенос"})
    history = client.get(reverse("roadmaps:roadmap_history", args=[roadmap.pk])).content.decode()
    assert "после утверждения" in history and "Утверждена приказом № 30-9 о/д" in history


def test_approval_needs_an_order_number(district, client_for, roadmap):
    response = client_for(district.director1).post(reverse("roadmaps:roadmap_approve", args=[roadmap.pk]), {
        "order_number": "", "order_date": TODAY.isoformat()})
    assert response.status_code == 200
    roadmap.refresh_from_db()
    assert not roadmap.is_approved


# --- progress ----------------------------------------------------------------------------------------


def test_report_progress_with_an_evidence_file(district, client_for, roadmap):
    client = client_for(district.member1)
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).order_by("due_on").first()
    url = reverse("roadmaps:occurrence_edit", args=[occurrence.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"status": "done", "evidence": "", "done_on": ""})
    assert response.status_code == 200 and "Опишите, чем подтверждается выполнение" in response.content.decode()

    fake = SimpleUploadedFile("protokol.pdf", b"not a pdf at all")
    response = client.post(url, {"status": "done", "evidence": "", "files": [fake]})
    assert response.status_code == 200 and "не соответствует расширению" in response.content.decode()
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00")
    assert "Недопустимый тип файла" in client.post(url, {"status": "done", "files": [exe]}).content.decode()

    files = [SimpleUploadedFile("Протокол заседания.pdf", PDF_BYTES),
             SimpleUploadedFile("Анкеты.xlsx", factories.xlsx_bytes())]
    response = client.post(url, {"status": "done", "evidence": "протокол № 2", "done_on": "", "files": files})
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.status == Occurrence.Status.DONE and occurrence.done_on == TODAY
    assert occurrence.updated_by == district.member1
    stored = list(occurrence.files.order_by("pk"))
    assert [f.title for f in stored] == ["Протокол заседания.pdf", "Анкеты.xlsx"]

    page = client.get(roadmap.get_absolute_url()).content.decode()
    assert reverse("roadmaps:evidence_file", args=[stored[0].pk]) in page
    counts = selectors.progress_counts(Occurrence.objects.filter(item__roadmap=roadmap))
    assert counts["done"] == 1 and counts["percent"] > 0
    assert f"{counts['percent']}&nbsp;%" in page

    download = client_for(district.municipal).get(reverse("roadmaps:evidence_file", args=[stored[0].pk]))
    assert download.status_code == 200 and content(download) == PDF_BYTES
    assert "attachment" in download["Content-Disposition"]
    assert client_for(district.curator2).get(
        reverse("roadmaps:evidence_file", args=[stored[0].pk])).status_code == 404

    matrix = client_for(district.municipal).get(reverse("roadmaps:matrix")).content.decode()
    assert f"{counts['percent']}&nbsp;%" in matrix


def test_future_done_date_is_refused(district, client_for, roadmap):
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).first()
    response = client_for(district.curator1).post(reverse("roadmaps:occurrence_edit", args=[occurrence.pk]), {
        "status": "done", "evidence": "приказ", "done_on": (TODAY + datetime.timedelta(days=2)).isoformat()})
    assert response.status_code == 200 and "не может быть в будущем" in response.content.decode()


def test_detail_filters_by_stage_status_and_person(district, client_for, roadmap):
    client = client_for(district.curator1)
    late = Occurrence.objects.filter(item__roadmap=roadmap, item__number="2.1").order_by("sequence").first()
    services.change_deadline(late, due_on=TODAY - datetime.timedelta(days=2), reason="тест", by=None)
    person_item = roadmap.items.get(number="3.1")
    person_item.responsible_users.add(district.member1)
    url = roadmap.get_absolute_url()

    def numbers(query):
        page = client.get(url + query).content.decode()
        return sorted(set(re.findall(r'<tr id="item-\d+"[^>]*>\s*<td>([\d.]+)</td>', page)))

    assert numbers("") == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2"]
    assert numbers("?stage=2") == ["2.1", "2.2"]
    overdue = sorted({o.item.number for o in Occurrence.objects.filter(item__roadmap=roadmap).overdue()})
    assert "2.1" in overdue and numbers("?status=overdue") == overdue
    waiting = sorted({o.item.number for o in Occurrence.objects.filter(item__roadmap=roadmap, status="not_started")
                      if not o.is_overdue()})
    assert numbers("?status=not_started") == waiting
    assert numbers(f"?user={district.member1.pk}") == ["3.1"]
    assert "Под эти условия ничего не подходит." in client.get(url + "?stage=9").content.decode()


def test_my_tasks_and_overdue(district, client_for, roadmap):
    mine = roadmap.items.get(number="1.2")
    mine.responsible_users.add(district.member1)
    occurrences = list(mine.occurrences.order_by("sequence"))
    services.change_deadline(occurrences[-1], due_on=TODAY - datetime.timedelta(days=4), reason="тест", by=None)
    page = client_for(district.member1).get(reverse("roadmaps:my_tasks")).content.decode()
    assert mine.title in page and "просрочено" in page
    assert roadmap.items.get(number="1.1").title not in page
    # Overdue first, by date.
    rows = page.split("<tbody>")[1].split("</tr>")[:-1]
    late = ["просрочено" in row for row in rows]
    assert late[0] and late == sorted(late, reverse=True)
    assert f"{TODAY - datetime.timedelta(days=4):%d.%m.%Y}" in "".join(rows)
    # Roles of the paper pre-fill people: the curator has every item of this template; the director none.
    assert mine.title in client_for(district.curator1).get(reverse("roadmaps:my_tasks")).content.decode()
    assert "Невыполненных задач нет." in client_for(district.director1).get(reverse("roadmaps:my_tasks")).content.decode()

    overdue = client_for(district.municipal).get(reverse("roadmaps:overdue") + "?sort=owner").content.decode()
    assert mine.title in overdue and district.school1.short_name in overdue
    assert client_for(district.municipal).get(reverse("roadmaps:overdue") + "?sort=drop table").status_code == 200


# --- query counts ------------------------------------------------------------------------------------


def detail_queries(client, roadmap) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(roadmap.get_absolute_url())
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_roadmap_table_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries):
    small = school_roadmap(district, items=10)
    large = school_roadmap(district, items=60, organisation=district.school2,
                           template=factories.roadmap_template("test-large", items=60, stage_count=7))
    for roadmap in (small, large):
        for item in roadmap.items.all()[:5]:
            item.responsible_users.add(district.curator1 if roadmap == small else district.curator2)
        occurrence = Occurrence.objects.filter(item__roadmap=roadmap).first()
        services.report_progress(occurrence, status="done", evidence="x",
                                 files=[SimpleUploadedFile("p.pdf", PDF_BYTES)], by=None)
    assert large.items.count() == 60
    client1, client2 = client_for(district.curator1), client_for(district.curator2)
    client1.get(small.get_absolute_url())  # the session is saved once after login
    client2.get(large.get_absolute_url())
    few = detail_queries(client1, small)
    many = detail_queries(client2, large)
    assert few == many, (few, many)
    with django_assert_max_num_queries(10):  # with the bell's count of unread notices
        client1.get(small.get_absolute_url())


def make_organisations(district, count):
    template = RoadmapTemplate.objects.filter(code="test-matrix").first() or factories.roadmap_template("test-matrix", items=3)
    existing = district.municipality.organisations.count()
    for index in range(existing, count):
        organisation = factories.OrganisationFactory(municipality=district.municipality,
                                                     short_name=f"МБОУ ООШ № {100 + index}")
        if index % 2 == 0:
            services.create_from_template(template=template, academic_year=year(), organisation=organisation)


def matrix_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("name", ["roadmaps:matrix", "roadmaps:matrix_xlsx", "roadmaps:roadmap_list"])
def test_matrix_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries, name):
    client = client_for(district.municipal)
    make_organisations(district, 5)
    client.get(reverse(name))  # the session is saved once after login
    few = matrix_queries(client, reverse(name) + "?sort=-percent")
    make_organisations(district, 100)
    assert district.municipality.organisations.count() == 100
    with django_assert_max_num_queries(few):
        response = client.get(reverse(name) + "?sort=-percent")
    assert response.status_code == 200


def test_list_progress_agrees_with_the_service(district, roadmap, district_roadmap):
    occurrences = list(Occurrence.objects.filter(item__roadmap=roadmap).order_by("due_on"))
    services.report_progress(occurrences[0], status="done", evidence="x", by=None)
    services.report_progress(occurrences[1], status="in_progress", by=None)
    services.change_deadline(occurrences[2], due_on=TODAY - datetime.timedelta(days=1), reason="x", by=None)
    services.remove_item(roadmap.items.get(number="3.2"), reason="x", by=None)
    for row in roadmaps_with_progress(Roadmap.objects.all()):
        expected = selectors.progress_counts(Occurrence.objects.filter(item__roadmap=row))
        assert (row.occurrence_total, row.occurrence_done, row.occurrence_overdue, row.next_due) == (
            expected["total"], expected["done"], expected["overdue"], expected["next_due"])


@pytest.mark.parametrize("sort", ["name", "-name", "percent", "-percent", "overdue", "-overdue", "next", "-next",
                                  "junk"])
def test_matrix_sorts_by_each_column(district, client_for, roadmap, sort):
    response = client_for(district.municipal).get(reverse("roadmaps:matrix") + f"?sort={sort}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "нет дорожной карты" in page and district.school1.short_name in page


# --- PDF and XLSX ------------------------------------------------------------------------------------


def test_pdf_of_a_draft_says_project(district, client_for, roadmap):
    response = client_for(district.municipal).get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Дорожная карта внедрения целевой модели наставничества" in text
    assert "Мероприятие 1: анкетирование участников" in text and "сентябрь – октябрь" in text
    assert "ПРОЕКТ" in text and "УТВЕРЖДЕНО" not in text
    for column in ("Этап", "№", "Мероприятие", "Содержание", "Документы", "Ответственные", "Срок"):
        assert column in text
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape


def test_pdf_of_an_approved_roadmap_carries_the_approval(district, client_for, roadmap):
    district.school1.director_name = "Н.В. Соколова"
    district.school1.save()
    services.approve(roadmap, order_number="30-9 о/д", order_date=datetime.date(2026, 9, 2), by=district.director1)
    response = client_for(district.curator1).get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk]))
    text = pdf_text(response.content)
    assert "УТВЕРЖДЕНО" in text and "приказом от 02.09.2026 № 30-9 о/д" in text
    assert "Директор Н. В. Соколова" in text and "ПРОЕКТ" not in text  # the signature of the order
    reader = PdfReader(io.BytesIO(response.content))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    descriptors = [font["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in font
                   else font["/FontDescriptor"] for font in fonts]
    assert fonts and all(any(key in d for key in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors)


def test_roadmap_xlsx_has_a_row_per_occurrence(district, client_for, roadmap):
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).order_by("due_on").first()
    services.report_progress(occurrence, status="done", evidence="протокол № 5", by=None)
    response = client_for(district.observer).get(reverse("roadmaps:roadmap_xlsx", args=[roadmap.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = workbook(response).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [str(column.title) for column in ROADMAP_COLUMNS]
    assert list(rows[0][:7]) == ["Этап", "№", "Мероприятие", "Содержание", "Документы", "Ответственные", "Срок"]
    assert len(rows) - 1 == Occurrence.objects.filter(item__roadmap=roadmap).count()
    done = [row for row in rows if row[11] == "протокол № 5"]
    assert len(done) == 1 and done[0][9] == "выполнено" and done[0][10].date() == TODAY
    assert {row[1] for row in rows[1:]} == set(roadmap.items.values_list("number", flat=True))


def test_matrix_xlsx_totals_are_the_sum_of_the_rows(district, client_for, roadmap):
    school2 = school_roadmap(district, organisation=district.school2,
                             template=RoadmapTemplate.objects.get(code="test-school"))
    services.report_progress(Occurrence.objects.filter(item__roadmap=school2).first(), status="done",
                             evidence="x", by=None)
    late = Occurrence.objects.filter(item__roadmap=roadmap).first()
    services.change_deadline(late, due_on=TODAY - datetime.timedelta(days=1), reason="x", by=None)
    response = client_for(district.municipal).get(reverse("roadmaps:matrix_xlsx"))
    rows = list(workbook(response).active.iter_rows(values_only=True))
    assert list(rows[0]) == ["Организация", "Муниципалитет", "Дорожная карта", "Сроков всего", "Выполнено",
                             "Выполнено, %", "Просрочено", "Ближайший срок"]
    body, totals = rows[1:-1], rows[-1]
    assert [row[0] for row in body] == sorted(o.short_name for o in district.municipality.organisations.all())
    assert totals[0] == "Итого" and totals[2] == 2
    for column in (3, 4, 6):
        assert totals[column] == sum(row[column] for row in body)
    assert totals[3] == Occurrence.objects.filter(item__roadmap__in=[roadmap, school2]).exclude(
        status="cancelled").count()
    assert totals[5] == round(100 * totals[4] / totals[3])
    assert totals[6] >= 1
    assert next(row for row in body if row[0] == district.college.short_name)[2] == "нет"
