"""Every number of the district dashboard opens a list of exactly that many rows (issue 14, item 7a).

The dashboard is rendered on a district whose data sit on every edge a count can slip on: pairs in every
state (a rejected proposal, a quiet one, last year's), an organisation no longer active, archived people,
consents valid, lapsed and missing, last year's roadmap, the municipality's own roadmap, reports in every
state. Each number's link is then followed and the list's «Найдено N» compared with the number — for the
cards one by one (a test per number), then for every counted link on the page (table rows and charts).
"""

import datetime
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting, MentoringForm, Pair, Programme
from monitoring.models import MonitoringReport
from registry.models import AcademicYear, Organisation
from roadmaps.models import Occurrence, Roadmap
from tests import factories
from tests.test_dashboards import populate

TODAY = timezone.localdate()


class _CountedLinks(HTMLParser):
    """``(href, count)`` of every ``<a data-count>`` in a page (HTML and inline SVG alike)."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-count" in attrs:
            self.links.append((unescape(attrs["href"]), int(attrs["data-count"])))


def counted_links(content: str) -> list[tuple[str, int]]:
    parser = _CountedLinks()
    parser.feed(content)
    return parser.links


FOUND = re.compile(r"Найден[аоы]?\s+([\d\s\u00a0]+?)\s+запис")


def found(response) -> int:
    """The list's own «Найдено N записей», read from the page, checked against its listing (an empty
    list's rows, when it says no more than that nothing was found)."""
    assert response.status_code == 200, response.status_code
    listing = response.context["listing"]
    match = FOUND.search(response.content.decode())
    if match is None:  # an empty list says «не найдено» in its own words, without the count
        assert listing.count == 0 and not list(listing.rows), response.request["QUERY_STRING"]
        return 0
    shown = int(re.sub(r"\D", "", match.group(1)))
    assert shown == listing.count
    return shown


def _roadmap(owner: dict, year, statuses) -> Roadmap:
    roadmap = factories.RoadmapFactory(academic_year=year, title="Дорожная карта", **{"organisation": None, **owner})
    for index, (status, days) in enumerate(statuses, start=1):
        factories.OccurrenceFactory(item__roadmap=roadmap, item__position=index, item__title=f"Мероприятие {index}",
                                    starts_on=TODAY - datetime.timedelta(days=90),
                                    due_on=TODAY + datetime.timedelta(days=days), status=status)
    return roadmap


@pytest.fixture
def edges(district):
    """The fixture district with three populated schools and every edge the counts must get right."""
    year = AcademicYear.objects.current()
    last_year = AcademicYear.objects.get_or_create(start_year=year.start_year - 1)[0]
    populate(district.municipality, 3)
    school = district.school1
    forms = list(MentoringForm.objects.order_by("position")[:2])
    programme = Programme.objects.create(organisation=school, academic_year=year, form=forms[0],
                                         starts_on=year.starts_on, ends_on=year.ends_on)
    month_ago = TODAY - datetime.timedelta(days=45)
    for status in (Pair.Status.FORMING, Pair.Status.COMPLETED, Pair.Status.PROPOSED, Pair.Status.REJECTED,
                   Pair.Status.SUSPENDED, Pair.Status.ENDED_EARLY, Pair.Status.ACTIVE, Pair.Status.ACTIVE):
        Pair.objects.create(programme=programme, status=status,
                            started_on=None if status in (Pair.Status.PROPOSED, Pair.Status.REJECTED) else month_ago)
    # Last year's programme: its pair and meeting are not this year's.
    old = Programme.objects.create(organisation=school, academic_year=last_year, form=forms[1],
                                   starts_on=last_year.starts_on, ends_on=last_year.ends_on)
    old_pair = Pair.objects.create(programme=old, status=Pair.Status.ACTIVE, started_on=last_year.starts_on)
    Meeting.objects.create(programme=old, pair=old_pair, held_on=last_year.starts_on, topic="Прошлый год")
    # People: an archived one, a lapsed consent, a missing one.
    factories.ParticipantFactory(organisation=school, is_archived=True)
    lapsed = factories.ParticipantFactory(organisation=school)
    factories.consent_for(lapsed, signed_on=TODAY - datetime.timedelta(days=400), revoked_on=TODAY - datetime.timedelta(days=3))
    factories.ParticipantFactory(organisation=school)
    # An organisation no longer active: not a row of the table, but in the lists.
    closed = factories.OrganisationFactory(municipality=district.municipality, short_name="МБОУ ООШ № 7 (закрыта)",
                                           is_active=False)
    closed_programme = Programme.objects.create(organisation=closed, academic_year=year, form=forms[0],
                                                starts_on=year.starts_on, ends_on=year.ends_on)
    Pair.objects.create(programme=closed_programme, status=Pair.Status.ACTIVE, started_on=TODAY)
    factories.ParticipantFactory(organisation=closed)
    _roadmap({"organisation": closed}, year, [(Occurrence.Status.NOT_STARTED, -10)])
    # Roadmaps: school 1's this year, last year's (overdue, not this year's), the municipality's own.
    _roadmap({"organisation": school}, year, [(Occurrence.Status.DONE, -20), (Occurrence.Status.IN_PROGRESS, -2),
                                              (Occurrence.Status.NOT_STARTED, 30), (Occurrence.Status.CANCELLED, -5)])
    _roadmap({"organisation": school}, last_year, [(Occurrence.Status.NOT_STARTED, -200)])
    _roadmap({"municipality": district.municipality}, year,
             [(Occurrence.Status.DONE, -30), (Occurrence.Status.NOT_STARTED, -1), (Occurrence.Status.IN_PROGRESS, 20)])
    # Reports of the first half in every state, one of them late.
    for organisation, status, submitted in ((school, MonitoringReport.Status.ACCEPTED, True),
                                            (district.school2, MonitoringReport.Status.RETURNED, True),
                                            (district.college, MonitoringReport.Status.DRAFT, False)):
        MonitoringReport.objects.create(organisation=organisation, academic_year=year, half=1,
                                        due_on=TODAY - datetime.timedelta(days=1), status=status,
                                        submitted_at=timezone.now() if submitted else None)
    return district


def dashboard(client, year):
    response = client.get(reverse("monitoring:dashboard"), {"year": year.start_year})
    assert response.status_code == 200
    return response.content.decode()


def _pairs(**query):
    return reverse("mentoring:pair_list") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


# The cards' numbers, one by one: (name, the address its link must have, the count the fixture gives).
def card_numbers(year):
    y = year.start_year
    participants = reverse("registry:participant_list")
    overdue = reverse("roadmaps:overdue")
    reports = reverse("monitoring:report_list")
    return [
        # 3 populated schools' active pairs, school 1's forming and 2 active ones (not the suspended), the
        # closed school's active pair
        ("pairs in work", _pairs(year=y, status="working"), 7),
        ("active pairs", _pairs(year=y, status="active"), 6),  # the closed school's active pair is in the list
        ("forming pairs", _pairs(year=y, status="forming"), 1),
        ("completed pairs", _pairs(year=y, status="completed"), 1),
        ("proposed pairs", _pairs(year=y, status="proposed"), 1),
        ("quiet pairs", _pairs(year=y, status="quiet"), 3),
        ("all pairs of the year", _pairs(year=y), 3 + 7 + 1),  # never the rejected proposal nor last year's
        ("participants", participants, 9 + 2 + 1),  # never the archived one
        ("no consent", f"{participants}?consent=missing", 6 + 1 + 1),
        ("consent lapsed", f"{participants}?consent=lapsed", 1),
        ("meetings of the year", f"{reverse('mentoring:meeting_list')}?year={y}", 3),
        ("overdue items", f"{overdue}?year={y}&level=organisation", 3 + 1 + 1),
        ("accepted reports", f"{reports}?year={y}&half=1&status=accepted", 1),
        ("reports on review", f"{reports}?year={y}&half=1&status=submitted", 3),
        ("returned reports", f"{reports}?year={y}&half=1&status=returned", 1),
    ]


@pytest.mark.parametrize("index", range(15))
def test_each_card_number_opens_a_list_of_that_many(edges, client_for, index):
    year = AcademicYear.objects.current()
    name, address, expected = card_numbers(year)[index]
    client = client_for(edges.municipal)
    links = dict(counted_links(dashboard(client, year)))
    assert address in links, f"{name}: no counted link to {address}"
    listed = found(client.get(address))
    assert links[address] == listed, f"{name}: the dashboard says {links[address]}, the list finds {listed}"
    if expected is not None:
        assert listed == expected, name


def test_every_counted_link_on_the_dashboard_opens_that_many_rows(edges, client_for):
    year = AcademicYear.objects.current()
    client = client_for(edges.municipal)
    links = counted_links(dashboard(client, year))
    # cards, the table's rows and total, the charts of pairs, reports, consents and roadmaps
    assert len(links) >= 60, len(links)
    wrong = []
    for address, number in sorted(set(links)):
        listed = found(client.get(address))
        if listed != number:
            wrong.append(f"{address}: {number} on the dashboard, {listed} in the list")
    assert not wrong, "\n".join(wrong)
    # The table's rows are the active organisations; the closed school is only counted.
    closed = Organisation.objects.get(is_active=False)
    assert f"organisation={closed.pk}" not in " ".join(address for address, _n in links)


def test_the_closed_organisation_is_said_apart(edges, client_for):
    content = dashboard(client_for(edges.municipal), AcademicYear.objects.current())
    assert "Недействующие организации (1)" in content


def test_a_number_that_disagreed_with_its_list_is_caught(edges, client_for):
    """The check can fail: «в работе» shown over the list of every pair of the year (the old link) differs."""
    year = AcademicYear.objects.current()
    client = client_for(edges.municipal)
    links = dict(counted_links(dashboard(client, year)))
    working = links[_pairs(year=year.start_year, status="working")]
    assert found(client.get(_pairs(year=year.start_year))) != working
