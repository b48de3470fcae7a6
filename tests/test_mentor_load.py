"""«Загрузка наставников» (mentoring.pages.MentorLoadPage): each mentor's capacity, load and free places."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.models import Pair
from mentoring.selectors import mentor_load
from tests import factories
from tests.lists import walk

URL = reverse("mentoring:mentor_load")


def _loaded_mentor(programme, *, capacity, mentees):
    pair = factories.PairFactory(programme=programme)
    mentor = pair.mentor_links.get().mentor
    mentor.capacity = capacity
    mentor.save(update_fields=["capacity"])
    for _ in range(mentees - 1):
        factories.MembershipFactory(pair=pair)  # a mentee of the same school, joined when the pair started
    return mentor


def test_load_and_free_places_follow_the_matching_rule(district, client_for):
    programme = factories.ProgrammeFactory(organisation=district.school1)
    full = _loaded_mentor(programme, capacity=2, mentees=2)
    half = _loaded_mentor(programme, capacity=3, mentees=1)
    idle = factories.MentorProfileFactory(participant__organisation=district.school1, capacity=2)
    closed = factories.PairFactory(programme=programme, status=Pair.Status.COMPLETED).mentor_links.get().mentor  # a completed pair holds no place
    client = client_for(district.curator1)
    page = client.get(URL)
    shown = {row.pk: row.page_load for row in page.context["listing"].rows}
    assert shown == {full.pk: 2, half.pk: 1, idle.pk: 0, closed.pk: 0}
    assert shown == {pk: mentor_load([pk]).get(pk, 0) for pk in shown}
    assert {m.pk for m in client.get(URL, {"places": "free"}).context["listing"].rows} == {half.pk, idle.pk, closed.pk}
    assert {m.pk for m in client.get(URL, {"places": "full"}).context["listing"].rows} == {full.pk}
    assert "Организация" not in [str(column.label) for column in page.context["columns"]]


def test_the_list_walks_with_its_filter(district, client_for):
    programme = factories.ProgrammeFactory(organisation=district.school1)
    for _ in range(30):
        _loaded_mentor(programme, capacity=1, mentees=1)
    factories.MentorProfileFactory(participant__organisation=district.school1, capacity=2)
    first, sorts = walk(client_for(district.curator1), URL, {"places": "full"},
                        keep=lambda m: m.page_load >= m.capacity)
    assert first.context["listing"].count == 30
    assert len(sorts) == 2


def test_scope_decides_the_mentors(district, client_for):
    mine = factories.MentorProfileFactory(participant__organisation=district.school1)
    neighbour = factories.MentorProfileFactory(participant__organisation=district.school2)
    factories.MentorProfileFactory(participant__organisation=district.foreign_school)
    archived = factories.MentorProfileFactory(participant__organisation=district.school1)
    archived.participant.is_archived = True
    archived.participant.save(update_fields=["is_archived"])
    assert [m.pk for m in client_for(district.curator1).get(URL).context["listing"].rows] == [mine.pk]
    municipal = client_for(district.municipal).get(URL, {"organisation": district.foreign_school.pk})
    assert municipal.status_code == 200
    assert {m.pk for m in client_for(district.municipal).get(URL).context["listing"].rows} == {mine.pk, neighbour.pk}


def test_queries_do_not_grow_with_the_rows(district, client_for):
    programme = factories.ProgrammeFactory(organisation=district.school1)
    _loaded_mentor(programme, capacity=2, mentees=1)
    client = client_for(district.municipal)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"places": "free"})
    for _ in range(20):
        _loaded_mentor(programme, capacity=2, mentees=2)
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"places": "free"})
    assert len(many) == len(few)
