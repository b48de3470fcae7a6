"""What the busiest pages do instead of the template engine and the per-row objects (issue 16), and that
it shows what it replaced: the filter fields as crispy-forms writes them, the list rows as the templates
wrote them (names escaped), the pairs' people as the prefetched links give them, the object addresses
as ``reverse`` gives them, the home page's district figures as ``registry_counts`` and
``organisation_summaries`` count them, in a number of queries that does not grow with the district.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from mentoring.filters import MeetingFilter, PairFilter
from mentoring.list_rows import people_of_pairs
from mentoring.models import Meeting, Membership, MentoringForm, MentorLink, Pair, Programme
from mentoring.selectors import pairs_with_people
from mentoring.templatetags.mentoring_rows import people
from registry import paths
from registry.filters import participant_filter
from registry.home_counts import district_counts
from registry.models import AcademicYear, Consent, MenteeProfile, MentorProfile, Organisation, Participant
from registry.scoping import Scope
from registry.selectors import organisation_summaries
from tests import factories

TODAY = timezone.localdate()


class _Tokens(HTMLParser):
    """Tags (attributes sorted, class words sorted) and text with whitespace collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []

    def handle_starttag(self, tag, attrs):
        self.out.append((tag, sorted((k, " ".join(sorted((v or "").split()))) for k, v in attrs)))

    def handle_endtag(self, tag):
        self.out.append(("/" + tag,))

    def handle_data(self, data):
        if " ".join(data.split()):
            self.out.append(" ".join(data.split()))


def tokens(html: str) -> list:
    parser = _Tokens()
    parser.feed(html)
    return parser.out


def _pair(programme, mentor_people, mentee_people, **fields):
    pair = Pair.objects.create(programme=programme, status=Pair.Status.ACTIVE, started_on=TODAY, **fields)
    for person, ended in mentor_people:
        MentorLink.objects.create(pair=pair, mentor=MentorProfile.objects.get_or_create(participant=person)[0],
                                  started_on=TODAY - datetime.timedelta(days=30 if ended else 1),
                                  ended_on=TODAY - datetime.timedelta(days=2) if ended else None)
    for person, left in mentee_people:
        Membership.objects.create(pair=pair, mentee=MenteeProfile.objects.get_or_create(participant=person)[0],
                                  joined_on=TODAY - datetime.timedelta(days=20), left_on=TODAY if left else None)
    return pair


@pytest.fixture
def programme(district):
    year = AcademicYear.objects.current()
    return Programme.objects.create(organisation=district.school1, academic_year=year,
                                    form=MentoringForm.objects.get(name="учитель – ученик"),
                                    starts_on=year.starts_on, ends_on=year.ends_on)


def person(organisation, last, **fields):
    return factories.ParticipantFactory(organisation=organisation, last_name=last, first_name="Тест",
                                        patronymic="", **fields)


def test_people_of_pairs_name_the_current_mentor_and_mentees_as_the_prefetched_links(district, programme):
    school = district.school1
    replaced = _pair(programme, [(person(school, "Бывший"), True), (person(school, "Нынешний"), False)],
                     [(person(school, "Ушедший", class_name="5А"), True), (person(school, "Оставшийся", class_name="6Б"), False),
                      (person(school, "<b>Жирный</b>"), False)])
    empty = Pair.objects.create(programme=programme, status=Pair.Status.FORMING)
    template = Template('{% include "mentoring/_pair_people.html" %}')
    with CaptureQueriesContext(connection) as captured:
        found = people_of_pairs([replaced.pk, empty.pk])
    assert len(captured) == 1
    for pair in pairs_with_people(Pair.objects.filter(pk__in=[replaced.pk, empty.pk])):
        assert tokens(people(found[pair.pk])) == tokens(template.render(Context({"pair": pair}))), pair
    assert found[replaced.pk].mentor == "Нынешний Тест"
    assert [name for name, _class in found[replaced.pk].mentees] == ["Оставшийся Тест", "<b>Жирный</b> Тест"]
    assert "&lt;b&gt;Жирный" in people(found[replaced.pk])


@pytest.mark.parametrize("query", [{}, {"organisation": "x", "date_from": "31.02.2026", "year": "20", "kind": "nope"},
                                   {"q": 'Ив"<', "archived": "on", "consent": "valid", "role": "mentor"}])
def test_filter_fields_write_what_crispy_wrote(district, programme, query):
    crispy = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
    fast = Template("{% load filter_fields %}{{ field|filter_field }}")
    for user in (district.municipal, district.curator1):
        request = RequestFactory().get("/", query | {"programme": str(programme.pk)})
        request.user, request.scope = user, Scope.for_user(user)
        filtersets = [participant_filter(request),
                      PairFilter(request.GET, queryset=Pair.objects.visible_to(request.scope), scope=request.scope),
                      MeetingFilter(request.GET, queryset=Meeting.objects.visible_to(request.scope), scope=request.scope)]
        for filterset in filtersets:
            filterset.is_valid()
            for name in filterset.form.fields:
                field = filterset.form[name]
                assert tokens(fast.render(Context({"field": field}))) == tokens(crispy.render(Context({"field": field}))), (
                    user, type(filterset).__name__, name)


def test_list_rows_escape_and_link_like_the_templates(district, client_for, programme):
    school = district.school1
    sneaky = person(school, '<script>x</script>', class_name="5<А>")
    _pair(programme, [(person(school, "Наставник&Ко"), False)], [(sneaky, False)])
    client = client_for(district.municipal)
    for url in (reverse("registry:participant_list"), reverse("mentoring:pair_list")):
        html = client.get(url).content.decode()
        assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html, url
    html = client.get(reverse("registry:participant_list")).content.decode()
    assert f'href="{reverse("registry:participant_detail", args=[sneaky.pk])}"' in html
    assert "5&lt;А&gt;" in html


def test_object_url_is_reverse(district):
    for name, pk in (("registry:participant_detail", 7), ("mentoring:pair_detail", 12345), ("mentoring:meeting_detail", 1)):
        assert paths.object_url(name, pk) == reverse(name, args=[pk])
    set_script_prefix("/portal/")
    try:
        assert paths.object_url("mentoring:pair_detail", 5) == reverse("mentoring:pair_detail", args=[5])
        assert paths.object_url("mentoring:pair_detail", 5).startswith("/portal/")
    finally:
        set_script_prefix("/")


def _people(organisation, n, *, archived=0, consent=0, mentors=0, mentees=0):
    made = [person(organisation, f"Человек{i:03d}", is_archived=i < archived) for i in range(n)]
    for p in made[archived:archived + consent]:
        factories.consent_for(p)
    for p in made[archived:archived + mentors]:
        MentorProfile.objects.create(participant=p)
    for p in made[archived + mentors:archived + mentors + mentees]:
        MenteeProfile.objects.create(participant=p)


def registry_counts(participants, *, on: datetime.date | None = None) -> dict:
    """The home page's figures as they were counted before ``district_counts``: the plain definition."""
    on = on or timezone.localdate()
    valid_consent = Exists(
        Consent.objects.valid_on(on).filter(participant=OuterRef("pk"), purpose=Consent.Purpose.MENTORING)
    )
    current = participants.current()
    counts = current.aggregate(
        total=Count("pk"),
        mentors=Count("pk", filter=Q(mentor_profile__isnull=False)),
        mentees=Count("pk", filter=Q(mentee_profile__isnull=False)),
        with_consent=Count("pk", filter=Q(valid_consent)),
    )
    counts["without_consent"] = counts["total"] - counts["with_consent"]
    counts["consent_percent"] = round(100 * counts["with_consent"] / counts["total"]) if counts["total"] else 0
    return counts


def test_district_counts_are_registry_counts_and_organisation_summaries(district):
    _people(district.school1, 6, archived=1, consent=3, mentors=2, mentees=1)
    _people(district.school2, 4, consent=4, mentees=3)
    _people(district.foreign_school, 5, consent=5)  # another district: not counted
    scope = Scope.for_user(district.municipal)
    organisations = Organisation.objects.visible_to(scope)
    counts, rows = district_counts(organisations)
    assert counts == registry_counts(Participant.objects.visible_to(scope))
    expected = {o.pk: (o.short_name, o.participant_count, o.mentor_count, o.mentee_count, o.consent_count)
                for o in organisation_summaries(organisations)}
    assert {r.pk: (r.short_name, r.participant_count, r.mentor_count, r.mentee_count, r.consent_count)
            for r in rows} == expected
    assert counts["total"] == 9 and counts["with_consent"] == 7


def test_home_page_of_a_district_costs_the_same_at_3_and_30_organisations(district, client_for):
    client = client_for(district.municipal)
    client.get(reverse("password_change"))  # the session's first touch is not the page's

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    _people(district.school1, 3, consent=2)
    few = queries()
    for i in range(27):
        _people(factories.OrganisationFactory(municipality=district.municipality, short_name=f"Школа {i:02d}"), 2,
                consent=1)
    many = queries()
    assert len(many) == len(few)
    # The participants are read once, grouped by organisation, for the totals and the table alike.
    grouped = [sql for sql in many if re.search(r'FROM "registry_participant"', sql) and "GROUP BY" in sql]
    assert len(grouped) == 1
