"""Roadmaps: made from a template or last year's, re-dated, edited with history, approved, progressed."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.models import AcademicYear, Organisation
from roadmaps import selectors, services
from roadmaps.deadlines import DeadlineSpec
from roadmaps.models import Occurrence, Roadmap, RoadmapChange, RoadmapTemplate, TemplateItem

D = datetime.date


@pytest.fixture
def template(db):
    template = RoadmapTemplate.objects.create(code="test-school", title="Дорожная карта школы", level="organisation",
                                              kind="school")
    rows = [
        (1, "Подготовка условий", "1.1", "Издание приказа", {"kind": "months", "text": "сентябрь", "from": 9, "to": 9}),
        (1, "Подготовка условий", "1.2", "Выбор форм наставничества", {"kind": "date", "month": 10, "day": 15}),
        (2, "Формирование пар", "2.1", "Формирование пар", {"kind": "relative", "after": "1.2", "days": 14}),
        (3, "Мониторинг", "3.1", "Промежуточная обратная связь", {"kind": "quarterly", "text": "ежеквартально"}),
        (3, "Мониторинг", "3.2", "Мониторинг реализации", {"kind": "half_year"}),
    ]
    for position, (stage, stage_title, number, title, deadline) in enumerate(rows, start=1):
        TemplateItem.objects.create(template=template, stage_number=stage, stage_title=stage_title, number=number,
                                    title=title, deadline=deadline, position=position, roles=["curator"])
    return template


@pytest.fixture
def year(db):
    return AcademicYear.objects.get_or_create(start_year=2026)[0]


def occurrences(roadmap, number):
    return list(Occurrence.objects.filter(item__roadmap=roadmap, item__number=number).order_by("sequence"))


def test_created_from_a_template_with_every_item_dated(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1,
                                            by=district.curator1)
    assert roadmap.items.count() == 5
    assert [o.due_on for o in occurrences(roadmap, "1.1")] == [D(2026, 9, 30)]
    assert [o.due_on for o in occurrences(roadmap, "1.2")] == [D(2026, 10, 15)]
    assert [o.due_on for o in occurrences(roadmap, "2.1")] == [D(2026, 10, 29)]
    assert len(occurrences(roadmap, "3.1")) == 4
    assert [o.due_on for o in occurrences(roadmap, "3.2")] == [D(2026, 12, 10), D(2027, 6, 10)]
    assert roadmap.changes.get().kind == RoadmapChange.Kind.CREATED


def test_half_year_follows_the_municipality_setting(district, template, year):
    municipality = district.municipality
    municipality.first_half_due_month, municipality.first_half_due_day = 12, 20
    municipality.second_half_due_month, municipality.second_half_due_day = 5, 20
    municipality.save()
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    assert [o.due_on for o in occurrences(roadmap, "3.2")] == [D(2026, 12, 20), D(2027, 5, 20)]


def test_one_roadmap_per_organisation_and_year(district, template, year):
    services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    with pytest.raises(ValidationError):
        services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    with pytest.raises(ValidationError):
        services.create_from_template(template=template, academic_year=year, municipality=district.municipality)


def test_copy_to_next_year_is_re_dated_and_keeps_people(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    item = roadmap.items.get(number="1.1")
    item.responsible_users.add(district.member1)
    services.report_progress(occurrences(roadmap, "1.1")[0], status=Occurrence.Status.DONE, evidence="Приказ № 5",
                             done_on=D(2026, 9, 20))
    services.remove_item(roadmap.items.get(number="3.1"), reason="не требуется школе")
    next_year = AcademicYear.objects.create(start_year=2027)
    copy = services.copy_to_year(roadmap, academic_year=next_year, by=district.curator1)
    assert copy.copied_from == roadmap
    assert copy.items.count() == 4  # the excluded item is not copied
    assert [o.due_on for o in occurrences(copy, "1.1")] == [D(2027, 9, 30)]
    assert occurrences(copy, "1.1")[0].status == Occurrence.Status.NOT_STARTED
    assert set(copy.items.get(number="1.1").responsible_users.all()) == {district.curator1, district.member1}
    assert [o.due_on for o in occurrences(copy, "2.1")] == [D(2027, 10, 29)]


def test_years_in_deadline_words_are_those_of_the_roadmap(district, template, year):
    TemplateItem.objects.create(template=template, stage_number=4, stage_title="Завершение", number="4.1",
                                title="Итоговая конференция", position=6, roles=["curator"],
                                deadline={"kind": "months", "text": "Октябрь 2024 – май 2025", "from": 10, "to": 5})
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    assert roadmap.items.get(number="4.1").deadline_spec.describe() == "Октябрь 2026 – май 2027"
    assert roadmap.items.get(number="1.1").deadline_spec.describe() == "сентябрь"
    copy = services.copy_to_year(roadmap, academic_year=AcademicYear.objects.create(start_year=2027))
    assert copy.items.get(number="4.1").deadline_spec.describe() == "Октябрь 2027 – май 2028"


def test_changing_a_deadline_keeps_the_old_one(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    occurrence = occurrences(roadmap, "1.2")[0]
    with pytest.raises(ValidationError):
        services.change_deadline(occurrence, due_on=D(2026, 10, 25), reason=" ")
    services.change_deadline(occurrence, due_on=D(2026, 10, 25), reason="педсовет перенесён", by=district.curator1)
    change = roadmap.changes.get(kind=RoadmapChange.Kind.DEADLINE_CHANGED, occurrence=occurrence)
    assert (change.old_value, change.new_value, change.reason) == ("15.10.2026", "25.10.2026", "педсовет перенесён")
    # The item that follows it moves too, and says why.
    assert [o.due_on for o in occurrences(roadmap, "2.1")] == [D(2026, 11, 8)]
    follower = roadmap.changes.get(kind=RoadmapChange.Kind.DEADLINE_CHANGED, item__number="2.1")
    assert (follower.old_value, follower.new_value) == ("29.10.2026", "08.11.2026")
    assert "п. 1.2" in follower.reason


def test_changing_the_shape_of_a_deadline(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    first = occurrences(roadmap, "3.1")[0]
    services.report_progress(first, status=Occurrence.Status.DONE, evidence="Анкеты собраны", done_on=D(2026, 9, 28))
    services.change_item_deadline(roadmap.items.get(number="3.1"), spec=DeadlineSpec(kind="half_year"),
                                  reason="решение методсовета")
    rows = occurrences(roadmap, "3.1")
    assert rows[0].status == Occurrence.Status.DONE and rows[0].due_on == D(2026, 9, 30)  # done keeps its date
    assert rows[1].due_on == D(2027, 6, 10)
    assert [r.status for r in rows[2:]] == [Occurrence.Status.CANCELLED] * 2  # surplus kept, cancelled


def test_marking_the_anchor_done_moves_the_relative_item(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    services.report_progress(occurrences(roadmap, "1.2")[0], status=Occurrence.Status.DONE,
                             evidence="Протокол административного совещания", done_on=D(2026, 10, 5))
    assert [o.due_on for o in occurrences(roadmap, "2.1")] == [D(2026, 10, 19)]


def test_progress_needs_evidence_and_no_future_date(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    occurrence = occurrences(roadmap, "1.1")[0]
    with pytest.raises(ValidationError):
        services.report_progress(occurrence, status=Occurrence.Status.DONE)
    with pytest.raises(ValidationError):
        services.report_progress(occurrence, status=Occurrence.Status.DONE, evidence="Приказ",
                                 done_on=timezone.localdate() + datetime.timedelta(days=1))
    services.report_progress(occurrence, status=Occurrence.Status.IN_PROGRESS, by=district.member1)
    occurrence.refresh_from_db()
    assert occurrence.status == Occurrence.Status.IN_PROGRESS and occurrence.updated_by == district.member1


def test_approval_and_changes_after_it(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    services.approve(roadmap, order_number="30-9 о/д", order_date=D(2026, 9, 2), by=district.director1)
    roadmap.refresh_from_db()
    assert roadmap.is_approved and roadmap.order_number == "30-9 о/д"
    with pytest.raises(ValidationError):
        services.approve(roadmap, order_number="31", order_date=D(2026, 9, 3))
    services.add_item(roadmap, stage_number=2, stage_title="Формирование пар", title="Нетворкинг",
                      deadline=DeadlineSpec(kind="date", month=11, day=1), by=district.curator1)
    added = roadmap.changes.get(kind=RoadmapChange.Kind.ITEM_ADDED)
    assert added.after_approval
    assert roadmap.items.get(title="Нетворкинг").number == "2.2"


def test_reordering_and_excluding_keep_everything(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    second = roadmap.items.get(number="1.2")
    services.move_item(second, up=True)
    assert list(roadmap.items.order_by("position").values_list("number", flat=True))[:2] == ["1.2", "1.1"]
    with pytest.raises(ValidationError):
        services.remove_item(second, reason="")
    services.remove_item(second, reason="форма уже выбрана в прошлом году")
    second.refresh_from_db()
    assert second.is_removed and all(o.status == Occurrence.Status.CANCELLED for o in second.occurrences.all())


def test_progress_counts_and_the_matrix(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    services.report_progress(occurrences(roadmap, "1.1")[0], status=Occurrence.Status.DONE, evidence="Приказ",
                             done_on=D(2026, 9, 10))
    today = D(2026, 11, 22)
    counts = selectors.progress_counts(Occurrence.objects.filter(item__roadmap=roadmap), today=today)
    assert counts["total"] == 9 and counts["done"] == 1 and counts["percent"] == 11
    assert counts["overdue"] == 3  # 1.2 (15.10), 2.1 (29.10) and the first quarter (30.09)
    assert counts["next_due"] == D(2026, 12, 10)
    rows = {o.short_name: o for o in selectors.organisation_matrix(Organisation.objects.all(), academic_year=year,
                                                                  today=today)}
    assert rows["МБОУ СОШ № 1"].occurrence_done == 1 and rows["МБОУ СОШ № 1"].occurrence_overdue == 3
    assert rows["МБОУ СОШ № 1"].roadmap_id == roadmap.pk
    assert rows["МБОУ СОШ № 2"].occurrence_total == 0 and rows["МБОУ СОШ № 2"].roadmap_id is None


def test_overdue_is_computed_in_moscow_time(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    occurrence = occurrences(roadmap, "1.2")[0]  # due 15.10.2026
    late_evening_utc = datetime.datetime(2026, 10, 15, 21, 30, tzinfo=datetime.timezone.utc)  # 00:30 in Moscow
    with mock.patch("django.utils.timezone.now", return_value=late_evening_utc):
        assert timezone.localdate() == D(2026, 10, 16)
        assert occurrence.is_overdue()
        assert Occurrence.objects.overdue().filter(pk=occurrence.pk).exists()
    earlier_utc = datetime.datetime(2026, 10, 15, 20, 30, tzinfo=datetime.timezone.utc)  # 23:30 in Moscow
    with mock.patch("django.utils.timezone.now", return_value=earlier_utc):
        assert not occurrence.is_overdue()


def test_scope_reaches_district_roadmaps_read_only_for_schools(district, template, year):
    from registry.scoping import Perm, Scope

    district_template = RoadmapTemplate.objects.create(code="test-district", title="Районная", level="municipality",
                                                       kind="district")
    TemplateItem.objects.create(template=district_template, stage_number=1, stage_title="Нормативное",
                                number="1.1", title="Назначение МК", deadline={"kind": "months", "from": 1, "to": 1})
    own = services.create_from_template(template=district_template, academic_year=year,
                                        municipality=district.municipality)
    school = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    curator = Scope.for_user(district.curator1)
    assert set(Roadmap.objects.visible_to(curator)) == {own, school}
    assert set(Roadmap.objects.visible_to(Scope.for_user(district.curator2))) == {own}
    assert set(Roadmap.objects.visible_to(Scope.for_user(district.foreign_municipal))) == set()
    assert Perm.EDIT_ROADMAP not in curator.permissions_for_municipality(district.municipality)
    assert Perm.EDIT_ROADMAP in Scope.for_user(district.municipal).permissions_for_municipality(district.municipality)
    assert Perm.EDIT_ROADMAP not in Scope.for_user(district.municipal).permissions_for(district.school1)


def test_responsible_people_are_prefilled_from_roles(district, template, year):
    from tests import factories

    psychologist = factories.RoleFactory(organisation=district.school1, role="working_group",
                                         position="Педагог-психолог", user__username="psy").user
    TemplateItem.objects.filter(template=template, number="1.2").update(roles=["director", "psychologist"])
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    assert set(roadmap.items.get(number="1.1").responsible_users.all()) == {district.curator1}
    assert set(roadmap.items.get(number="1.2").responsible_users.all()) == {district.director1, psychologist}


def test_item_edits_are_recorded_and_numbers_never_collide(district, template, year):
    roadmap = services.create_from_template(template=template, academic_year=year, organisation=district.school1)
    assert roadmap.title.endswith("МБОУ СОШ № 1")
    item = roadmap.items.get(number="1.1")
    services.record_item_edit(item, changed_fields=["title", "responsible_users", "reason"], by=district.curator1)
    change = roadmap.changes.get(kind=RoadmapChange.Kind.ITEM_CHANGED)
    assert "мероприятие" in change.description and "ответственные сотрудники" in change.description
    services.remove_item(roadmap.items.get(number="1.2"), reason="не нужно")
    added = services.add_item(roadmap, stage_number=1, stage_title="Подготовка условий", title="Новое",
                              deadline=DeadlineSpec(kind="year"), content="Содержание",
                              responsible_users=[district.member1])
    assert added.number == "1.3" and added.content == "Содержание"
    assert list(added.responsible_users.all()) == [district.member1]
    services.approve(roadmap, order_number="7", order_date=D(2026, 9, 2))
    assert not roadmap.changes.get(kind=RoadmapChange.Kind.APPROVED).after_approval
