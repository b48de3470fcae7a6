"""The mentoring lists page, sort and filter together (see tests/lists.py for what a walk checks), and
no filter value shows another school's rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting, MentoringForm, Order, Pair, Programme
from registry.models import AcademicYear, Consent
from tests import factories
from tests.lists import links, params, walk

TODAY = timezone.localdate()
PUPILS = "учитель – ученик"
COLLEAGUES = "учитель – учитель"


def ago(days):
    return TODAY - datetime.timedelta(days=days)


def ids(response):
    return {row.pk for row in response.context["listing"].rows}


# --- the pair list ----------------------------------------------------------------------------------


@pytest.fixture
def many_pairs(district):
    mine = factories.ProgrammeFactory(organisation=district.school1)
    colleagues = factories.ProgrammeFactory(organisation=district.school1, form_name=COLLEAGUES)
    for index in range(30):
        factories.PairFactory(programme=mine, started_on=ago(index))
        factories.PairFactory(programme=colleagues, status=Pair.Status.FORMING, started_on=ago(index))
    theirs = factories.ProgrammeFactory(organisation=district.school2)
    for index in range(3):
        factories.PairFactory(programme=theirs, started_on=ago(10))
    return mine, colleagues, theirs


def test_pairs_filtered_by_status_walk_pages_and_sorts(district, client_for, many_pairs):
    first, sorts = walk(client_for(district.curator1), reverse("mentoring:pair_list"), {"status": "active"},
                        keep=lambda pair: pair.status == Pair.Status.ACTIVE
                        and pair.programme.organisation_id == district.school1.pk)
    assert first.context["listing"].count == 30
    assert {params(href)["sort"][0] for href in sorts} >= {"form", "status", "-started", "-last_meeting"}


def test_pairs_filtered_by_programme_walk_pages_and_sorts(district, client_for, many_pairs):
    mine, _colleagues, _theirs = many_pairs
    first, sorts = walk(client_for(district.municipal), reverse("mentoring:pair_list"), {"programme": mine.pk},
                        keep=lambda pair: pair.programme_id == mine.pk)
    assert first.context["listing"].count == 30
    assert any(params(href)["sort"] == ["organisation"] for href in sorts)  # several schools: sortable by school


def test_pair_filter_cannot_reach_another_school(district, client_for, many_pairs):
    _mine, _colleagues, theirs = many_pairs
    client = client_for(district.curator1)
    url = reverse("mentoring:pair_list")
    theirs_ids = set(Pair.objects.filter(programme=theirs).values_list("pk", flat=True))
    for query in ({"programme": theirs.pk}, {"organisation": district.school2.pk},
                  {"programme": theirs.pk, "status": "active", "sort": "organisation", "per_page": 200}):
        response = client.get(url, query)
        assert response.status_code == 200
        assert ids(response).isdisjoint(theirs_ids), query
    assert "programme" in client.get(url, {"programme": theirs.pk}).context["filter"].form.errors


def test_older_pair_sort_links_keep_their_meaning(district, client_for, many_pairs):
    client = client_for(district.curator1)
    url = reverse("mentoring:pair_list")
    for old in ("-started", "-created", "status", "last_meeting"):
        assert client.get(url, {"sort": old}).context["listing"].sort == old
    started = [p.started_on for p in client.get(url, {"sort": "-started", "status": "active"}).context["listing"].rows]
    assert started == sorted(started, reverse=True)
    assert client.get(url, {"sort": "password"}).context["listing"].sort == "-created"


# --- the meeting list -------------------------------------------------------------------------------


@pytest.fixture
def many_meetings(district):
    programme = factories.ProgrammeFactory(organisation=district.school1)
    pairs = [factories.PairFactory(programme=programme, started_on=ago(10)) for _ in range(3)]
    for index in range(30):
        factories.MeetingFactory(pair=pairs[index % 3], kind=Meeting.Kind.INTRODUCTION, held_on=ago(index))
        factories.MeetingFactory(pair=pairs[index % 3], held_on=ago(index))
    theirs = factories.ProgrammeFactory(organisation=district.school2)
    their_pair = factories.PairFactory(programme=theirs, started_on=ago(10))
    for index in range(3):
        factories.MeetingFactory(pair=their_pair, kind=Meeting.Kind.INTRODUCTION, held_on=ago(index))
    return programme, theirs


def test_meetings_filtered_by_kind_walk_pages_and_sorts(district, client_for, many_meetings):
    first, sorts = walk(client_for(district.curator1), reverse("mentoring:meeting_list"), {"kind": "introduction"},
                        keep=lambda meeting: meeting.kind == Meeting.Kind.INTRODUCTION
                        and meeting.programme.organisation_id == district.school1.pk)
    assert first.context["listing"].count == 30
    assert {params(href)["sort"][0] for href in sorts} >= {"held_on", "programme", "kind", "format", "-attendees"}


def test_meetings_filtered_by_programme_walk_pages_and_sorts(district, client_for, many_meetings):
    programme, _theirs = many_meetings
    first, _sorts = walk(client_for(district.municipal), reverse("mentoring:meeting_list"),
                         {"programme": programme.pk, "kind": "regular"},
                         keep=lambda meeting: meeting.programme_id == programme.pk and meeting.kind == "regular")
    assert first.context["listing"].count == 30


def test_meeting_filter_cannot_reach_another_school(district, client_for, many_meetings):
    _programme, theirs = many_meetings
    client = client_for(district.curator1)
    url = reverse("mentoring:meeting_list")
    theirs_ids = set(Meeting.objects.filter(programme=theirs).values_list("pk", flat=True))
    their_pair = Pair.objects.get(programme=theirs)
    for query in ({"programme": theirs.pk}, {"pair": their_pair.pk}, {"organisation": district.school2.pk},
                  {"kind": "introduction", "sort": "organisation", "per_page": 200}):
        response = client.get(url, query)
        assert response.status_code == 200
        assert ids(response).isdisjoint(theirs_ids), query


def test_meeting_kind_sorts_in_the_order_of_the_meetings(district, client_for, many_meetings):
    response = client_for(district.curator1).get(reverse("mentoring:meeting_list"), {"sort": "kind", "per_page": 100})
    kinds = [meeting.kind for meeting in response.context["listing"].rows]
    assert kinds == [Meeting.Kind.INTRODUCTION] * 30 + [Meeting.Kind.REGULAR] * 30


def test_the_show_all_link_of_a_pair_is_a_query_string(district, client_for, many_meetings):
    programme, _theirs = many_meetings
    pair = programme.pairs.first()
    response = client_for(district.curator1).get(reverse("mentoring:meeting_list"), {"pair": pair.pk, "kind": "regular"})
    content = response.content.decode()
    assert 'href="?kind=regular"' in content and "??" not in content


# --- the order register -----------------------------------------------------------------------------


@pytest.fixture
def many_orders(district):
    for index in range(30):
        factories.OrderFactory(organisation=district.school1, kind=Order.Kind.PAIRS, number=f"{index + 1}-п", issued_on=ago(index))
        factories.OrderFactory(organisation=district.school1, kind=Order.Kind.REWARDS, number=f"{index + 1}-н", issued_on=ago(index))
    for index in range(3):
        factories.OrderFactory(organisation=district.school2, kind=Order.Kind.PAIRS, number=str(index + 1))


def test_orders_filtered_by_kind_walk_pages_and_sorts(district, client_for, many_orders):
    year = AcademicYear.objects.current()
    first, sorts = walk(client_for(district.curator1), reverse("mentoring:order_list"),
                        {"year": year.start_year, "kind": "pairs"},
                        keep=lambda order: order.kind == Order.Kind.PAIRS and order.organisation_id == district.school1.pk)
    assert first.context["listing"].count == 30
    assert {params(href)["sort"][0] for href in sorts} >= {"issued", "kind", "status", "-signed"}


def test_orders_of_the_district_walk_pages_and_sorts(district, client_for, many_orders):
    first, sorts = walk(client_for(district.municipal), reverse("mentoring:order_list"), {"kind": "rewards"},
                        keep=lambda order: order.kind == Order.Kind.REWARDS)
    assert first.context["listing"].count == 30
    assert any(params(href)["sort"] == ["organisation"] for href in sorts)


def test_order_filter_cannot_reach_another_school(district, client_for, roles, many_orders):
    theirs = set(Order.objects.filter(organisation=district.school2).values_list("pk", flat=True))
    client = client_for(district.curator1)
    for query in ({"kind": "pairs", "per_page": 200}, {"kind": "pairs", "sort": "organisation", "per_page": 200},
                  {"organisation": district.school2.pk, "per_page": 200}):
        response = client.get(reverse("mentoring:order_list"), query)
        assert response.status_code == 200
        assert ids(response).isdisjoint(theirs), query
    assert len(roles.client("neighbour").get(reverse("mentoring:order_list")).context["listing"].rows) == 3


# --- the programme list -----------------------------------------------------------------------------


@pytest.fixture
def many_programmes(district):
    current = AcademicYear.objects.current()
    last = AcademicYear.objects.get_or_create(start_year=current.start_year - 1)[0]
    for index in range(14):
        school = factories.OrganisationFactory(municipality=district.municipality, short_name=f"МБОУ ООШ № {index + 20}")
        factories.ProgrammeFactory(organisation=school)
        factories.ProgrammeFactory(organisation=school, form_name=COLLEAGUES)
        factories.ProgrammeFactory(organisation=school, academic_year=last)
    foreign = factories.ProgrammeFactory(organisation=district.foreign_school)
    return current, last, foreign


def test_programmes_filtered_by_year_walk_pages_and_sorts(district, client_for, many_programmes):
    current, _last, foreign = many_programmes
    first, sorts = walk(client_for(district.municipal), reverse("mentoring:programme_list"),
                        {"year": current.start_year},
                        keep=lambda programme: programme.academic_year_id == current.pk and programme.pk != foreign.pk)
    assert first.context["listing"].count == 28
    assert {params(href)["sort"][0] for href in sorts} >= {"form", "starts", "-open", "-proposed", "-closed"}


def test_programmes_filtered_by_form_walk_pages_and_sorts(district, client_for, many_programmes):
    _current, last, _foreign = many_programmes
    form = MentoringForm.objects.get(name=PUPILS)
    for index in range(12):  # 14 + 12 programmes of one form last year
        factories.ProgrammeFactory(organisation=factories.OrganisationFactory(municipality=district.municipality), academic_year=last)
    first, _sorts = walk(client_for(district.municipal), reverse("mentoring:programme_list"),
                         {"year": last.start_year, "form": form.pk},
                         keep=lambda programme: programme.academic_year_id == last.pk and programme.form_id == form.pk)
    assert first.context["listing"].count == 26


def test_programme_filter_cannot_reach_another_school(district, client_for, many_programmes):
    current, _last, foreign = many_programmes
    mine = factories.ProgrammeFactory(organisation=district.school1)
    theirs = set(Programme.objects.exclude(organisation=district.school1).values_list("pk", flat=True))
    client = client_for(district.curator1)
    url = reverse("mentoring:programme_list")
    for query in ({"year": current.start_year}, {"organisation": district.school2.pk, "per_page": 200},
                  {"organisation": district.foreign_school.pk, "sort": "organisation"}):
        response = client.get(url, query)
        assert response.status_code == 200
        assert ids(response) == {mine.pk}, query
    response = client_for(district.municipal).get(url, {"organisation": district.foreign_school.pk, "per_page": 200})
    assert "organisation" in response.context["filter"].form.errors
    assert foreign.pk not in ids(response)
    assert theirs  # the other schools did have programmes


def test_programme_list_runs_a_constant_number_of_queries(district, client_for, django_assert_max_num_queries):
    client = client_for(district.municipal)
    url = reverse("mentoring:programme_list")
    factories.ProgrammeFactory(organisation=district.school1)
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"sort": "-open"})
    for index in range(30):
        programme = factories.ProgrammeFactory(organisation=factories.OrganisationFactory(municipality=district.municipality))
        factories.PairFactory(programme=programme, started_on=ago(10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"sort": "-open", "per_page": 100})
    assert len(response.context["listing"].rows) == 31
    assert response.context["listing"].rows[0].open_pairs == 1


# --- the candidates of one mentee -------------------------------------------------------------------


def teacher(org, consent=True):
    profile = factories.MentorProfileFactory(participant__organisation=org)
    if consent:
        factories.ConsentFactory(participant=profile.participant, signed_on=ago(90))
    return profile


def student(org):
    profile = factories.MenteeProfileFactory(
        participant__organisation=org, participant__birth_date=TODAY.replace(year=TODAY.year - 15),
    )
    factories.ConsentFactory(participant=profile.participant, signed_by=Consent.SignedBy.BOTH,
                             signed_on=ago(90), representative_name="Родитель Иван",
                             representative_relation="father", representative_document="свидетельство о рождении")
    return profile


@pytest.fixture
def candidates(district):
    programme = factories.ProgrammeFactory(organisation=district.school1)
    available = [teacher(district.school1) for _ in range(30)]
    blocked = [teacher(district.school1, consent=False) for _ in range(10)]
    theirs = [teacher(district.school2) for _ in range(3)]
    mentee = student(district.school1)
    url = reverse("mentoring:candidates", args=[programme.pk, mentee.pk])
    return programme, mentee, url, available, blocked, theirs


def test_candidates_filtered_by_availability_walk_pages_and_sorts(district, client_for, candidates):
    _programme, _mentee, url, available, _blocked, _theirs = candidates
    first, sorts = walk(client_for(district.curator1), url, {"available": "on"}, keep=lambda row: row.available)
    assert first.context["listing"].count == len(available)
    assert {params(href)["sort"][0] for href in sorts} >= {"-rank", "name", "-score"}
    second = client_for(district.curator1).get(url + links(first).next)
    page_one = {row.mentor.pk for row in first.context["listing"].rows}
    page_two = {row.mentor.pk for row in second.context["listing"].rows}
    assert not page_one & page_two and page_one | page_two == {m.pk for m in available}


def test_candidates_keep_their_rank_when_sorted_by_name(district, client_for, candidates):
    _programme, _mentee, url, available, blocked, _theirs = candidates
    client = client_for(district.curator1)
    by_rank = client.get(url, {"per_page": 100}).context["listing"].rows
    assert [row.rank for row in by_rank] == list(range(1, 41))
    assert all(row.available for row in by_rank[:30]) and not any(row.available for row in by_rank[30:])
    rank_of = {row.mentor.pk: row.rank for row in by_rank}
    by_name = client.get(url, {"per_page": 100, "sort": "name"}).context["listing"].rows
    names = [row.mentor.participant.search_name for row in by_name]
    assert names == sorted(names)
    assert all(row.rank == rank_of[row.mentor.pk] for row in by_name)
    searched = client.get(url, {"q": by_name[0].mentor.participant.last_name.upper()}).context["listing"].rows
    assert [row.mentor.pk for row in searched] == [by_name[0].mentor.pk]
    assert {row.mentor.pk for row in by_rank} == {m.pk for m in available + blocked}


def test_candidates_never_list_another_schools_mentors(district, client_for, roles, candidates):
    programme, mentee, url, _available, _blocked, theirs = candidates
    client = client_for(district.curator1)
    shown = {row.mentor.pk for row in client.get(url, {"per_page": 200}).context["listing"].rows}
    assert shown.isdisjoint({m.pk for m in theirs})
    # Another school's programme with this mentee, or this programme with another school's mentee: no page for
    # anyone, the municipal curator included, who sees both schools (another school's mentors ranked for a
    # child is nothing a curator can act on).
    their_programme = factories.ProgrammeFactory(organisation=district.school2)
    their_mentee = student(district.school2)
    mixed = [reverse("mentoring:candidates", args=[their_programme.pk, mentee.pk]),
             reverse("mentoring:candidates", args=[programme.pk, their_mentee.pk])]
    roles.expect(mixed, owner=404, municipal=404)


def test_candidates_answer_by_role(roles, candidates):
    roles.expect(candidates[2])


# --- every converted page ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mentoring:pair_list", "mentoring:meeting_list", "mentoring:order_list",
                                  "mentoring:programme_list"])
def test_hostile_list_parameters_fall_back_silently(district, client_for, name):
    client = client_for(district.municipal)
    for query in ({"sort": "--form"}, {"sort": "password"}, {"per_page": "100000"}, {"per_page": "-1"},
                  {"page": "x"}, {"page": "99999", "sort": "-organisation", "per_page": "25"}):
        response = client.get(reverse(name), query)
        assert response.status_code == 200, query
        assert "??" not in response.content.decode()

