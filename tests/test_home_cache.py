"""The municipal curator's home page reads its district figures and its «без согласия» rows from the cache
while the participants and consents are unchanged (issue 16: the scan of every participant of a district
cost 200 ms, the heaviest page of the saturation mix), and shows exactly what a fresh computation shows
after every kind of write: a consent signed or revoked through the services, an ``update()`` of the
consents (no signal at all), a participant added in bulk. Committed writes (``transaction=True``): the
cache is never read inside a transaction.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import services
from registry.home_counts import district_counts
from registry.models import Consent, Participant
from registry.scoping import Scope
from registry.selectors import participants_lacking_consent, visible_organisations, visible_participants
from tests import factories
from tests.reference_data import seed_reference_data

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()
SCAN = 'FROM "registry_participant"'


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    seed_reference_data()


def page(client):
    """(the figures and the «без согласия» names the page shows, whether it scanned the participants)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    scanned = any(SCAN in q["sql"] and "GROUP BY" in q["sql"] for q in captured.captured_queries)
    names = [p.last_name for p in response.context["lacking_consent"]]
    counts = {key: response.context["counts"][key] for key in ("total", "mentors", "mentees", "with_consent")}
    return counts, names, scanned


def fresh(district):
    """The same, computed now without any cache: the grouping's sums and the first people without consent."""
    scope = Scope.for_user(district.municipal)
    counts = {"total": 0, "mentors": 0, "mentees": 0, "with_consent": 0}
    organisations = visible_organisations(scope)
    for row in district_counts(organisations)[1]:  # sums checked against the plain counts below
        counts["total"] += row.participant_count
        counts["mentors"] += row.mentor_count
        counts["mentees"] += row.mentee_count
        counts["with_consent"] += row.consent_count
    current = visible_participants(scope).current()
    assert counts["total"] == current.count()
    assert counts["with_consent"] == current.count() - participants_lacking_consent(current).count()
    names = list(participants_lacking_consent(current).order_by("last_name", "first_name", "patronymic", "pk")
                 .values_list("last_name", flat=True)[:10])
    return counts, names


def test_home_figures_are_cached_and_right_after_every_write(district, client_for):
    people = [factories.TeacherFactory(organisation=district.school1 if i % 2 else district.school2,
                                       last_name=f"Учитель{i:02d}") for i in range(14)]
    for person in people[:6]:
        factories.consent_for(person)
    client = client_for(district.municipal)

    counts, names, scanned = page(client)
    assert scanned and (counts, names) == fresh(district)
    assert counts["with_consent"] == 6 and len(names) == 8
    counts, names, scanned = page(client)
    assert not scanned, "nothing changed: the district's participants were scanned again"
    assert (counts, names) == fresh(district)

    # A consent signed through the service: one person fewer without it.
    services.record_consent(participant=people[6], signed_on=TODAY, signed_by=Consent.SignedBy.PARTICIPANT)
    counts, names, scanned = page(client)
    assert scanned and (counts, names) == fresh(district)
    assert counts["with_consent"] == 7 and "Учитель06" not in names

    # Revoked through the service: back on the list.
    consent = Consent.objects.get(participant=people[0])
    services.revoke_consent(consent, on=TODAY, reason="Отозвал", by=district.curator1)
    counts, names, scanned = page(client)
    assert (counts, names) == fresh(district)
    assert counts["with_consent"] == 6 and "Учитель00" in names
    # Read fresh with their consent state: the revoked one is marked, one who never gave any is not.
    html = client.get("/").content.decode()
    assert "отозвано / истекло" in html.split("Учитель00", 1)[1].split("</li>", 1)[0]
    assert "отозвано / истекло" not in html.split("Учитель07", 1)[1].split("</li>", 1)[0]

    # An update() of the consents sends no signal: the trigger still changes the version.
    Consent.objects.filter(participant__in=people[1:3]).update(valid_until=TODAY - datetime.timedelta(days=1))
    counts, names, scanned = page(client)
    assert (counts, names) == fresh(district)
    assert counts["with_consent"] == 4

    # People added in bulk, one of them first by name.
    Participant.objects.bulk_create([Participant(organisation=district.school1, last_name="Ааронова",
                                                 first_name="Анна", category="teacher")])
    counts, names, scanned = page(client)
    assert (counts, names) == fresh(district)
    assert names[0] == "Ааронова" and counts["total"] == 15


def test_another_scope_is_not_served_the_districts_rows(district, client_for):
    """The key is the SQL with its parameters: a school's curator sees only the school's people."""
    factories.TeacherFactory(organisation=district.school1, last_name="Первошкольный")
    factories.TeacherFactory(organisation=district.school2, last_name="Второшкольный")
    assert page(client_for(district.municipal))[1] == ["Второшкольный", "Первошкольный"]
    response = client_for(district.curator1).get("/")
    assert [p.last_name for p in response.context["lacking_consent"]] == ["Первошкольный"]
