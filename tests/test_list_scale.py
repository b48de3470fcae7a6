"""The district's lists compute only what their page shows (issue 16).

As the municipal curator, the participants, pairs and meetings lists cost the same number of queries at
10 and at 300 rows, and nothing is aggregated over the whole scope: the count and the sort run over bare
rows, and whatever is grouped or looked up per row (consent state, last meeting, attendees) is computed
in a second query over the page's own ids.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting, Membership, MentoringForm, MentorLink, Pair
from registry.models import AcademicYear, Consent, MenteeProfile, MentorProfile, Participant
from tests import factories

TODAY = timezone.localdate()
PAGE = 50

LISTS = {
    # url name: (the list's table, the sorts to try besides the default)
    "registry:participant_list": ("registry_participant", ["-name", "organisation", "-created"]),
    "mentoring:pair_list": ("mentoring_pair", ["-last_meeting", "status", "organisation"]),
    "mentoring:meeting_list": ("mentoring_meeting", ["-attendees", "kind", "organisation"]),
}


def add_rows(district, n: int, start: int = 0):
    """``n`` people with a consent, ``n`` pairs (a mentor and a mentee each) and ``n`` meetings with two
    attendees, over two schools of the district: a few bulk inserts."""
    year = AcademicYear.objects.current()
    form = MentoringForm.objects.get(name="учитель – ученик")
    programmes = {
        school: factories.ProgrammeFactory(organisation=school, academic_year=year, form=form)
        for school in (district.school1, district.school2)
    }
    people = []
    for i in range(start, start + n):
        school = district.school1 if i % 2 else district.school2
        for last, category in ((f"Учителев{i:04d}", "teacher"), (f"Ученик{i:04d}", "student")):
            person = Participant(organisation=school, last_name=last, first_name="Тест", category=category,
                                 birth_date=datetime.date(2011, 1, 1))
            person.fill_search_name()
            people.append(person)
    people = Participant.objects.bulk_create(people)
    text = factories.consent_text()
    Consent.objects.bulk_create(Consent(participant=p, text=text, signed_by="participant",
                                        signed_on=TODAY - datetime.timedelta(days=10)) for p in people)
    teachers, students = people[0::2], people[1::2]
    mentors = MentorProfile.objects.bulk_create(MentorProfile(participant=p) for p in teachers)
    mentees = MenteeProfile.objects.bulk_create(MenteeProfile(participant=p) for p in students)
    pairs = Pair.objects.bulk_create(
        Pair(programme=programmes[m.participant.organisation], status=Pair.Status.ACTIVE,
             started_on=TODAY - datetime.timedelta(days=40))
        for m in mentors)
    MentorLink.objects.bulk_create(MentorLink(pair=pair, mentor=m, started_on=pair.started_on)
                                   for pair, m in zip(pairs, mentors))
    Membership.objects.bulk_create(Membership(pair=pair, mentee=m, joined_on=pair.started_on)
                                   for pair, m in zip(pairs, mentees))
    meetings = Meeting.objects.bulk_create(
        Meeting(programme=pair.programme, pair=pair, held_on=TODAY - datetime.timedelta(days=i % 60),
                topic="Встреча") for i, pair in enumerate(pairs))
    through = Meeting.attendees.through
    through.objects.bulk_create(through(meeting_id=meeting.pk, participant_id=person.pk)
                                for meeting, m, e in zip(meetings, teachers, students) for person in (m, e))


def capture(client, url, query=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def of_table(queries, table):
    return [sql for sql in queries if re.search(rf'FROM "{table}"', sql)]


def assert_nothing_over_the_whole_scope(queries, table, page_ids):
    """Every query of the list's table that groups, aggregates or looks a value up per row is limited
    to the page's ids; the count is a plain count."""
    for sql in of_table(queries, table):
        per_row = "GROUP BY" in sql or "MAX(" in sql or "EXISTS(" in sql or re.search(r"\(SELECT", sql)
        if sql.startswith("SELECT COUNT(*)"):
            assert not per_row, f"the count aggregates or looks up per row: {sql}"
        elif per_row:
            found = re.search(rf'"{table}"\."id" IN \(([^)]*)\)', sql)
            assert found, f"a per-row computation over the whole scope: {sql}"
            ids = {int(value) for value in found.group(1).split(",")}
            assert ids == page_ids, f"computed for other rows than the page's: {sql}"


@pytest.mark.parametrize("name", LISTS)
def test_district_lists_cost_the_same_at_10_and_300_rows_and_compute_only_the_page(district, client_for, name):
    table, sorts = LISTS[name]
    client = client_for(district.municipal)
    url = reverse(name)
    client.get(reverse("password_change"))  # the session's first touch is not the list's
    add_rows(district, 10)
    counts = {}
    for rows in (10, 300):
        if rows == 300:
            add_rows(district, 290, start=10)
        for sort in [None, *sorts]:
            response, queries = capture(client, url, {"sort": sort} if sort else {})
            listing = response.context["listing"]
            assert listing.count >= rows
            page_ids = {row.pk for row in listing.rows}
            assert len(page_ids) == min(listing.count, PAGE)
            if sort is None or not sort.lstrip("-") in ("last_meeting", "attendees"):
                # (a sort by the per-row value itself computes it for the sort, through an index)
                assert_nothing_over_the_whole_scope(queries, table, page_ids)
            counts.setdefault(sort, set()).add(len(queries))
    assert all(len(found) == 1 for found in counts.values()), counts


def test_the_page_rows_carry_what_the_old_lists_showed(district, client_for):
    """The values computed over the page's ids are the ones the lists showed when they computed them for
    every row: the last meeting, the attendees, the consent state."""
    add_rows(district, 3)
    client = client_for(district.municipal)
    pairs = client.get(reverse("mentoring:pair_list")).context["listing"].rows
    for pair in pairs:
        assert pair.last_meeting_on == max(m.held_on for m in pair.meetings.all())
    meetings = client.get(reverse("mentoring:meeting_list")).context["listing"].rows
    assert [m.attendee_count for m in meetings] == [m.attendees.count() for m in meetings]
    people = client.get(reverse("registry:participant_list")).context["listing"].rows
    assert all(p.has_valid_consent and p.has_any_consent for p in people if p.last_name.startswith("Уч"))
