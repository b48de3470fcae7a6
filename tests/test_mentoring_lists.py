"""The pair list and the meeting list: every filter narrows, nothing leaks outside the scope, bad
query strings answer 200 with a form error, and the query count does not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting, MentoringForm, Pair
from registry.models import AcademicYear
from tests import factories

TODAY = timezone.localdate()
PUPILS = "учитель – ученик"
COLLEAGUES = "учитель – учитель"


def ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def world(district):
    """School 1 has pairs in two years and two forms; school 2 and a school of another district one each."""
    current = AcademicYear.objects.current()
    last = AcademicYear.objects.get_or_create(start_year=current.start_year - 1)[0]
    w = type("World", (), {})()
    w.current, w.last = current, last
    w.a_pupils = factories.ProgrammeFactory(organisation=district.school1, academic_year=current)
    w.a_colleagues = factories.ProgrammeFactory(organisation=district.school1, academic_year=current, form_name=COLLEAGUES)
    w.a_last = factories.ProgrammeFactory(organisation=district.school1, academic_year=last)
    w.b_pupils = factories.ProgrammeFactory(organisation=district.school2, academic_year=current)
    w.f_pupils = factories.ProgrammeFactory(organisation=district.foreign_school, academic_year=current)
    w.a1 = factories.PairFactory(programme=w.a_pupils, started_on=ago(60), mentor__participant__last_name="Ёлкина")
    w.a2 = factories.PairFactory(programme=w.a_pupils, status=Pair.Status.FORMING, mentees__participant__last_name="Соколов")
    w.a3 = factories.PairFactory(programme=w.a_colleagues)
    w.a_old = factories.PairFactory(programme=w.a_last, status=Pair.Status.COMPLETED, started_on=last.starts_on)
    w.a_rejected = factories.PairFactory(programme=w.a_pupils, status=Pair.Status.REJECTED)
    w.b1 = factories.PairFactory(programme=w.b_pupils, mentor__participant__last_name="Ёлкина")
    w.f1 = factories.PairFactory(programme=w.f_pupils, mentor__participant__last_name="Ёлкина")
    people = [w.a2.mentor_links.get().mentor.participant, w.a2.memberships.get().mentee.participant]
    w.m_a2 = factories.MeetingFactory(pair=w.a2, held_on=ago(3), attendees=people)
    w.m_a2_early = factories.MeetingFactory(pair=w.a2, kind=Meeting.Kind.INTRODUCTION, held_on=ago(40))
    w.m_a3 = factories.MeetingFactory(pair=w.a3, held_on=ago(10))
    w.m_a_group = factories.MeetingFactory(pair=None, programme=w.a_pupils, held_on=ago(5), attendees=people)
    w.m_a_old = factories.MeetingFactory(pair=w.a_old, held_on=last.starts_on + datetime.timedelta(days=30))
    w.m_b1 = factories.MeetingFactory(pair=w.b1, held_on=ago(2))
    w.m_f1 = factories.MeetingFactory(pair=w.f1, held_on=ago(2))
    return w


def pairs(client, **params):
    response = client.get(reverse("mentoring:pair_list"), params)
    assert response.status_code == 200
    return {pair.pk for pair in response.context["listing"].rows}


def meetings(client, **params):
    response = client.get(reverse("mentoring:meeting_list"), params)
    assert response.status_code == 200
    return {meeting.pk for meeting in response.context["listing"].rows}


def pks(*objects):
    return {o.pk for o in objects}


# --- the pair list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mentoring:pair_list", "mentoring:meeting_list"])
def test_both_lists_render_for_every_role(district, client_for, world, name):
    superuser = factories.UserFactory(username="admin", is_superuser=True, is_staff=True)
    for user in (district.observer, district.municipal, district.curator1, district.director1, district.member1,
                 district.nobody, superuser):
        assert client_for(user).get(reverse(name)).status_code == 200, (user.username, name)
    assert client_for(superuser).get(reverse(name), {"organisation": district.foreign_school.pk}).status_code == 200




def test_pair_list_shows_the_scope_without_rejected_proposals(district, client_for, world):
    w = world
    assert pairs(client_for(district.curator1)) == pks(w.a1, w.a2, w.a3, w.a_old)
    assert pairs(client_for(district.municipal)) == pks(w.a1, w.a2, w.a3, w.a_old, w.b1)
    assert pairs(client_for(district.nobody)) == set()


def test_each_pair_filter_narrows(district, client_for, world):
    w = world
    client = client_for(district.municipal)
    assert pairs(client, organisation=district.school2.pk) == pks(w.b1)
    assert pairs(client, organisation=district.college.pk) == set()  # visible, without pairs: none, not all
    assert pairs(client, year=w.last.start_year) == pks(w.a_old)
    assert pairs(client, year=w.current.start_year) == pks(w.a1, w.a2, w.a3, w.b1)
    assert pairs(client, year=w.current.start_year + 5) == set()  # a year without programmes lists nothing
    colleagues = MentoringForm.objects.get(name=COLLEAGUES)
    assert pairs(client, form=colleagues.pk) == pks(w.a3)
    assert pairs(client, programme=w.a_pupils.pk) == pks(w.a1, w.a2)
    assert pairs(client, status="forming") == pks(w.a2)
    assert pairs(client, status="completed") == pks(w.a_old)
    assert pairs(client, status="quiet") == pks(w.a1)  # started 60 days ago, no meeting since
    assert pairs(client, organisation=district.school1.pk, year=w.current.start_year, form=colleagues.pk) == pks(w.a3)


def test_name_search_is_cyrillic_safe_and_treats_yo_as_ye(district, client_for, world):
    w = world
    client = client_for(district.municipal)
    assert pairs(client, q="елкина") == pks(w.a1, w.b1)
    assert pairs(client, q="ЁЛКИНА") == pks(w.a1, w.b1)
    assert pairs(client, q="соколов") == pks(w.a2)  # a mentee's name finds the pair too
    assert pairs(client, q="елкина", organisation=district.school1.pk) == pks(w.a1)
    assert pairs(client, q="Нетакого") == set()


def test_pair_list_keeps_sorting_and_the_last_meeting(district, client_for, world):
    w = world
    client = client_for(district.curator1)
    response = client.get(reverse("mentoring:pair_list"), {"sort": "-started", "status": "forming"})
    assert [p.pk for p in response.context["listing"].rows] == [w.a2.pk]
    assert response.context["listing"].rows[0].last_meeting_on == w.m_a2.held_on
    response = client.get(reverse("mentoring:pair_list"), {"sort": "status"})
    statuses = [p.status for p in response.context["listing"].rows]
    lifecycle = list(Pair.Status.values)  # sorted as the user reads the states, not by their stored names
    assert statuses == sorted(statuses, key=lifecycle.index)
    assert statuses[0] == Pair.Status.FORMING and statuses[-1] == Pair.Status.COMPLETED
    content = response.content.decode()
    assert 'name="sort" value="status"' in content  # filtering keeps the chosen order


def test_a_curator_never_sees_another_schools_pairs(district, client_for, world):
    w = world
    client = client_for(district.curator1)
    response = client.get(reverse("mentoring:pair_list"), {"organisation": district.school2.pk})
    assert response.status_code == 200
    assert "organisation" not in response.context["filter"].form.fields  # one school: no such filter
    assert pks(w.b1, w.f1).isdisjoint({p.pk for p in response.context["listing"].rows})
    response = client.get(reverse("mentoring:pair_list"), {"programme": w.b_pupils.pk})
    assert "programme" in response.context["filter"].form.errors
    assert pks(w.b1).isdisjoint({p.pk for p in response.context["listing"].rows})
    assert pairs(client, q="елкина") == pks(w.a1)
    # A district's curator names a school of another district: a form error, nothing of that school.
    foreign = client_for(district.foreign_municipal)
    response = foreign.get(reverse("mentoring:pair_list"), {"organisation": district.school1.pk})
    assert "organisation" in response.context["filter"].form.errors
    assert {p.pk for p in response.context["listing"].rows} == pks(w.f1)
    content = response.content.decode()
    assert district.school1.short_name not in content


@pytest.mark.parametrize("params", [
    {"programme": "abc"}, {"year": "xx"}, {"year": "20255"}, {"organisation": "999999"}, {"organisation": "abc"},
    {"form": "abc"}, {"status": "bogus"}, {"page": "abc"}, {"sort": "bogus"}, {"page": "99999"},
    {"programme": "abc", "year": "xx", "organisation": "999999", "form": "-1", "q": "елкина"},
])
def test_bad_pair_parameters_answer_200_and_are_ignored(district, client_for, world, params):
    client = client_for(district.municipal)
    response = client.get(reverse("mentoring:pair_list"), params)
    assert response.status_code == 200
    expected = pks(world.a1, world.b1) if "q" in params else pks(world.a1, world.a2, world.a3, world.a_old, world.b1)
    if params.get("page") == "99999":
        assert response.context["listing"].page.number == 1
    assert {p.pk for p in response.context["listing"].rows} == expected


def test_a_bad_value_is_shown_as_a_form_error(district, client_for, world):
    response = client_for(district.municipal).get(reverse("mentoring:pair_list"), {"year": "xx", "programme": "abc"})
    errors = response.context["filter"].form.errors
    assert set(errors) == {"year", "programme"}
    assert "is-invalid" in response.content.decode()


def test_pair_filter_form_lists_only_visible_choices(district, client_for, world):
    response = client_for(district.municipal).get(reverse("mentoring:pair_list"),
                                                  {"year": world.current.start_year})
    form = response.context["filter"].form
    organisation_ids = {str(value) for value, _label in form.fields["organisation"].choices if value}
    assert organisation_ids == {str(o.pk) for o in (district.school1, district.school2, district.college)}
    # A district's programmes are offered school by school (a thousand of them made the page heavy).
    assert not [value for value, _label in form.fields["programme"].choices if value]
    content = response.content.decode()
    assert f'<option value="{world.current.start_year}" selected>{world.current}</option>' in content
    assert f'<option value="{world.last.start_year}">{world.last}</option>' in content
    assert "Нет встреч больше 30 дней" in content


def test_the_programme_dropdown_of_a_district_holds_the_chosen_schools_programmes(district, client_for, world):
    client = client_for(district.municipal)
    response = client.get(reverse("mentoring:pair_list"), {"organisation": district.school1.pk})
    offered = {value for value, _label in response.context["filter"].form.fields["programme"].choices if value}
    assert offered == {p.pk for p in (world.a_pupils, world.a_colleagues, world.a_last)}
    # A link naming a programme alone (the dashboards' links) keeps it chosen and filters by it.
    response = client.get(reverse("mentoring:pair_list"), {"programme": world.b_pupils.pk})
    offered = {value for value, _label in response.context["filter"].form.fields["programme"].choices if value}
    assert offered == {world.b_pupils.pk}
    assert response.context["filter"].cleaned("programme") == str(world.b_pupils.pk)
    assert {pair.programme_id for pair in response.context["listing"].rows} == {world.b_pupils.pk}
    # A school's curator is never offered another school's programme, on either list.
    for page in ("mentoring:pair_list", "mentoring:meeting_list"):
        response = client_for(district.curator1).get(reverse(page), {"programme": world.b_pupils.pk})
        assert not [v for v, _label in response.context["filter"].form.fields["programme"].choices
                    if str(v) == str(world.b_pupils.pk)]


def test_existing_pair_links_still_work(district, client_for, world):
    """The dashboards link ``?programme=…&status=…``: the same names, the same meaning."""
    client = client_for(district.curator1)
    assert pairs(client, programme=world.a_pupils.pk, status="active") == pks(world.a1)


@pytest.mark.parametrize("user", ["municipal", "curator1"])
def test_filtered_pair_list_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries,
                                                              world, user):
    client = client_for(getattr(district, user))
    params = {"organisation": district.school1.pk, "year": world.current.start_year, "form": world.a_pupils.form_id,
              "programme": world.a_pupils.pk, "status": "active", "q": "смирнов", "sort": "last_meeting"}
    client.get(reverse("mentoring:pair_list"), params)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("mentoring:pair_list"), params)
    assert len(response.context["listing"].rows) == 1  # a1: the mentee is a Смирнов
    for _ in range(25):
        pair = factories.PairFactory(programme=world.a_pupils)
        factories.MeetingFactory(pair=pair, held_on=ago(1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("mentoring:pair_list"), params)
    assert len(response.context["listing"].rows) == 26
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("mentoring:pair_list"), {"status": "quiet", "q": "смирнов"}).status_code == 200
    # With the bell's count of unread notices, the page's rows loaded again by their ids (the count and the
    # sort run over bare keys) and, for a district, the years apart from the chosen school's programmes.
    assert len(few.captured_queries) <= (13 if user == "municipal" else 12)


# --- the meeting list -------------------------------------------------------------------------------


def test_meeting_list_shows_the_scope_newest_first(district, client_for, world):
    w = world
    client = client_for(district.curator1)
    response = client.get(reverse("mentoring:meeting_list"))
    rows = list(response.context["listing"].rows)
    assert [m.pk for m in rows] == [w.m_a2.pk, w.m_a_group.pk, w.m_a3.pk, w.m_a2_early.pk, w.m_a_old.pk]
    assert rows[0].attendee_count == 2
    content = response.content.decode()
    assert "групповая встреча" in content
    assert reverse("mentoring:pair_detail", args=[w.a2.pk]) in content
    assert reverse("mentoring:meeting_detail", args=[w.m_a2.pk]) in content
    assert "Регулярная встреча" in content and "Разбор задач" in content
    assert meetings(client_for(district.municipal)) == pks(w.m_a2, w.m_a2_early, w.m_a3, w.m_a_group, w.m_a_old,
                                                          w.m_b1)
    assert meetings(client_for(district.nobody)) == set()


def test_each_meeting_filter_narrows(district, client_for, world):
    w = world
    client = client_for(district.municipal)
    assert meetings(client, organisation=district.school2.pk) == pks(w.m_b1)
    assert meetings(client, organisation=district.college.pk) == set()
    assert meetings(client, year=w.last.start_year) == pks(w.m_a_old)
    assert meetings(client, form=MentoringForm.objects.get(name=COLLEAGUES).pk) == pks(w.m_a3)
    assert meetings(client, programme=w.a_pupils.pk) == pks(w.m_a2, w.m_a2_early, w.m_a_group)
    assert meetings(client, pair=w.a2.pk) == pks(w.m_a2, w.m_a2_early)
    assert meetings(client, kind="introduction") == pks(w.m_a2_early)
    since = ago(5)
    assert meetings(client, date_from=since.isoformat()) == pks(w.m_a2, w.m_a_group, w.m_b1)
    assert meetings(client, date_from=since.strftime("%d.%m.%Y")) == pks(w.m_a2, w.m_a_group, w.m_b1)
    until = ago(10)
    assert meetings(client, date_to=until.isoformat(), year=w.current.start_year) == pks(w.m_a3, w.m_a2_early)
    assert meetings(client, date_from=until.isoformat(), date_to=since.isoformat()) == pks(w.m_a_group, w.m_a3)


def test_a_curator_never_sees_another_schools_meetings(district, client_for, world):
    w = world
    client = client_for(district.curator1)
    own = pks(w.m_a2, w.m_a2_early, w.m_a3, w.m_a_group, w.m_a_old)
    for params in ({"organisation": district.school2.pk}, {"programme": w.b_pupils.pk}, {"pair": w.b1.pk},
                   {"programme": w.f_pupils.pk}, {"pair": w.f1.pk}):
        response = client.get(reverse("mentoring:meeting_list"), params)
        assert response.status_code == 200
        shown = {m.pk for m in response.context["listing"].rows}
        assert shown <= own, params
        assert pks(w.m_b1, w.m_f1).isdisjoint(shown)
    response = client.get(reverse("mentoring:meeting_list"), {"pair": w.b1.pk})
    assert "pair" in response.context["filter"].form.errors
    assert "Пара не найдена" in response.content.decode()
    response = client_for(district.foreign_municipal).get(reverse("mentoring:meeting_list"),
                                                          {"programme": w.a_pupils.pk})
    assert {m.pk for m in response.context["listing"].rows} == pks(w.m_f1)


@pytest.mark.parametrize("params", [
    {"programme": "abc"}, {"year": "xx"}, {"organisation": "999999"}, {"form": "x"}, {"pair": "abc"},
    {"pair": "999999"}, {"date_from": "32.13.2025"}, {"date_to": "вчера"}, {"kind": "party"}, {"page": "x"},
])
def test_bad_meeting_parameters_answer_200(district, client_for, world, params):
    response = client_for(district.curator1).get(reverse("mentoring:meeting_list"), params)
    assert response.status_code == 200
    assert len(response.context["listing"].rows) == 5


def test_meeting_list_is_linked_from_the_navigation_pair_and_programme(district, client_for, world):
    client = client_for(district.curator1)
    home = client.get(reverse("mentoring:pair_list")).content.decode()
    assert f'href="{reverse("mentoring:meeting_list")}"' in home
    detail = client.get(world.a2.get_absolute_url()).content.decode()
    assert f'{reverse("mentoring:meeting_list")}?pair={world.a2.pk}' in detail
    programme = client.get(world.a_pupils.get_absolute_url()).content.decode()
    assert f'{reverse("mentoring:meeting_list")}?programme={world.a_pupils.pk}' in programme
    response = client.get(reverse("mentoring:meeting_list"), {"pair": world.a2.pk})
    assert response.context["pair"] == world.a2
    assert "Только встречи пары" in response.content.decode()


@pytest.mark.parametrize("user", ["municipal", "curator1"])
def test_meeting_list_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries, world,
                                                       user):
    client = client_for(getattr(district, user))
    url = reverse("mentoring:meeting_list")
    filtered = {"organisation": district.school1.pk, "year": world.current.start_year, "programme": world.a_pupils.pk,
                "form": world.a_pupils.form_id, "pair": world.a2.pk, "date_from": "2000-01-01"}
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    with CaptureQueriesContext(connection) as few_filtered:
        response = client.get(url, filtered)
    assert len(response.context["listing"].rows) == 2
    for n in range(60):
        pair = factories.PairFactory(programme=world.a_pupils)
        people = [pair.mentor_links.get().mentor.participant, pair.memberships.get().mentee.participant]
        factories.MeetingFactory(pair=pair, held_on=ago(n % 20), attendees=people)
        factories.MeetingFactory(pair=world.a2, held_on=ago(n % 20))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["listing"].rows) == 50  # paginated by 50
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"page": 3}).status_code == 200
    with django_assert_max_num_queries(len(few_filtered.captured_queries)):
        response = client.get(url, filtered)
    assert len(response.context["listing"].rows) == 50
    assert response.context["listing"].count == 62
    # With the bell's count of unread notices, the page's rows loaded again by their ids and, for a
    # district, the years apart from the chosen school's programmes.
    assert len(few.captured_queries) <= (13 if user == "municipal" else 12)
    assert len(few_filtered.captured_queries) <= (14 if user == "municipal" else 13)  # and the chosen pair


# --- ?year= on every page ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["mentoring:programme_list", "mentoring:order_list", "mentoring:pair_list",
                                  "mentoring:meeting_list", "monitoring:dashboard", "roadmaps:roadmap_list",
                                  "monitoring:report_list"])
def test_every_page_names_the_year_by_its_start_year_and_survives_a_bad_one(district, client_for, page):
    client = client_for(district.municipal)
    last = AcademicYear.objects.get_or_create(start_year=AcademicYear.objects.current().start_year - 1)[0]
    for bad in ("abc", "0", "99999", "20 25", "２０２５"):
        assert client.get(reverse(page), {"year": bad}).status_code == 200, bad
    response = client.get(reverse(page), {"year": last.start_year})
    assert response.status_code == 200
    if "year" in (response.context or {}) and isinstance(response.context["year"], AcademicYear):
        assert response.context["year"] == last


def test_programme_list_year_select_uses_start_years(district, client_for):
    content = client_for(district.municipal).get(reverse("mentoring:programme_list")).content.decode()
    current = AcademicYear.objects.current()
    assert f'<option value="{current.start_year}" selected>' in content
