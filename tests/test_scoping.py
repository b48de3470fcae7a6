"""The one scoping mechanism: who sees which organisation's rows, and what answers 404 or 403."""

import pytest
from django.urls import reverse

from registry.models import Organisation, Participant
from registry.scoping import Perm, Scope
from tests import factories
from tests.roles import LOGIN


def visible_organisations(user):
    return set(Organisation.objects.visible_to(Scope.for_user(user)).values_list("short_name", flat=True))


def test_each_role_sees_exactly_its_reach(district):
    assert visible_organisations(district.curator1) == {"МБОУ СОШ № 1"}
    assert visible_organisations(district.director1) == {"МБОУ СОШ № 1"}
    assert visible_organisations(district.member1) == {"МБОУ СОШ № 1"}
    assert visible_organisations(district.curator2) == {"МБОУ СОШ № 2"}
    assert visible_organisations(district.municipal) == {"МБОУ СОШ № 1", "МБОУ СОШ № 2", "ГБПОУ НСТ"}
    assert visible_organisations(district.foreign_municipal) == {"МКОУ СОШ № 10"}
    assert visible_organisations(district.observer) == {"МБОУ СОШ № 1", "МБОУ СОШ № 2", "ГБПОУ НСТ", "МКОУ СОШ № 10"}
    assert visible_organisations(district.nobody) == set()


def test_ended_role_assignment_gives_nothing(district):
    district.curator1.role_assignments.update(is_active=False)
    assert visible_organisations(district.curator1) == set()


def test_superuser_sees_everything(district):
    admin = factories.UserFactory(username="admin", is_superuser=True, is_staff=True)
    assert len(visible_organisations(admin)) == 4


def test_scope_filters_through_relations(district):
    mine = factories.ParticipantFactory(organisation=district.school1)
    factories.ParticipantFactory(organisation=district.school2)
    factories.ConsentFactory(participant=factories.TeacherFactory(organisation=district.school2))
    scope = Scope.for_user(district.curator1)
    assert list(Participant.objects.visible_to(scope)) == [mine]
    from registry.models import Consent

    assert not Consent.objects.visible_to(scope).exists()


@pytest.mark.parametrize(
    ("username", "perm", "expected"),
    [
        ("curator1", Perm.EDIT_REGISTRY, True),
        ("member1", Perm.EDIT_REGISTRY, True),
        ("director1", Perm.EDIT_REGISTRY, False),
        ("municipal", Perm.EDIT_REGISTRY, False),
        ("observer", Perm.EDIT_REGISTRY, False),
        ("curator1", Perm.EDIT_ORGANISATION, True),
        ("director1", Perm.EDIT_ORGANISATION, True),
        ("municipal", Perm.EDIT_ORGANISATION, True),
        ("member1", Perm.EDIT_ORGANISATION, False),
        ("observer", Perm.EDIT_ORGANISATION, False),
        ("curator2", Perm.VIEW, False),
    ],
)
def test_permission_table(district, username, perm, expected):
    user = getattr(district, username)
    assert Scope.for_user(user).can(perm, district.school1) is expected


@pytest.fixture
def school1_objects(district):
    """One of everything that belongs to school 1, with the files its pages serve."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    mentor = factories.MentorProfileFactory(
        participant__organisation=district.school1,
        certificate_file=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 cert"),
        portfolio_file=SimpleUploadedFile("portfolio.pdf", b"%PDF-1.4 portfolio"),
    )
    consent = factories.ConsentFactory(participant=mentor.participant, scan=pdf)
    partner = factories.PartnerFactory(
        organisation=district.school1, agreement_file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 agreement")
    )
    from registry.models import AcademicYear

    year = AcademicYear.objects.current()
    return {"participant": mentor.participant, "consent": consent, "partner": partner, "year": year,
            "organisation": district.school1}


def school1_urls(objs):
    """(reads, the school's own writes, the municipality's writes) of school 1's objects."""
    p, c, partner = objs["participant"].pk, objs["consent"].pk, objs["partner"].pk
    org = objs["organisation"].pk
    reads = [
        reverse("registry:participant_detail", args=[p]),
        reverse("registry:mentor_file", args=[p, "portfolio"]),
        reverse("registry:mentor_file", args=[p, "certificate"]),
        reverse("registry:consent_blank", args=[p]),
        reverse("registry:consent_scan", args=[c]),
        reverse("registry:partner_detail", args=[partner]),
        reverse("registry:partner_agreement", args=[partner]),
        reverse("registry:organisation_detail", args=[org]),
    ]
    school_writes = [
        reverse("registry:participant_edit", args=[p]),
        reverse("registry:participant_archive", args=[p]),
        reverse("registry:mentor_profile_edit", args=[p]),
        reverse("registry:mentee_profile_edit", args=[p]),
        reverse("registry:consent_create", args=[p]),
        reverse("registry:consent_revoke", args=[c]),
        reverse("registry:partner_edit", args=[partner]),
    ]
    # Head counts are the municipal curator's (the base the district is measured by); the organisation's
    # card is edited by its director, its curator and the municipality.
    municipal_writes = [reverse("registry:headcount_edit", args=[org, objs["year"].pk])]
    return reads, school_writes, municipal_writes


def test_every_object_url_is_the_owners_and_404_outside_the_scope(roles, school1_objects):
    reads, school_writes, municipal_writes = school1_urls(school1_objects)
    roles.expect(reads + [reverse("registry:organisation_edit", args=[school1_objects["organisation"].pk])])
    roles.expect(school_writes, municipal=403)
    roles.expect(municipal_writes, owner=403)


def test_posts_outside_the_scope_change_nothing(roles, school1_objects):
    participant, consent = school1_objects["participant"], school1_objects["consent"]
    outside = {"owner": None, "municipal": None}
    roles.expect(reverse("registry:participant_edit", args=[participant.pk]), method="post",
                 data={"last_name": "Взлом", "first_name": "Икс", "category": "teacher"}, **outside)
    roles.expect(reverse("registry:consent_revoke", args=[consent.pk]), method="post",
                 data={"revoked_on": "2026-01-01", "reason": "чужой"}, **outside)
    roles.expect(reverse("registry:participant_restore", args=[participant.pk]), method="post", **outside)
    participant.refresh_from_db()
    consent.refresh_from_db()
    assert participant.last_name != "Взлом"
    assert consent.revoked_on is None


@pytest.mark.parametrize("reader", ["director1", "municipal", "observer"])
def test_readers_see_but_may_not_edit_the_registry(district, client_for, school1_objects, reader):
    client = client_for(getattr(district, reader))
    participant = school1_objects["participant"]
    assert client.get(reverse("registry:participant_detail", args=[participant.pk])).status_code == 200
    for url in (
        reverse("registry:participant_edit", args=[participant.pk]),
        reverse("registry:consent_create", args=[participant.pk]),
        reverse("registry:consent_revoke", args=[school1_objects["consent"].pk]),
        reverse("registry:mentor_profile_edit", args=[participant.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_readers_cannot_create_participants(district, client_for):
    for reader in (district.director1, district.municipal, district.observer):
        assert client_for(reader).get(reverse("registry:participant_create")).status_code == 404


def test_organisation_card_is_edited_by_director_and_municipal_not_by_working_group(district, client_for):
    url = reverse("registry:organisation_edit", args=[district.school1.pk])
    assert client_for(district.director1).get(url).status_code == 200
    assert client_for(district.municipal).get(url).status_code == 200
    assert client_for(district.member1).get(url).status_code == 403
    assert client_for(district.observer).get(url).status_code == 403


def test_lists_show_only_the_scope(district, client_for):
    factories.ParticipantFactory(organisation=district.school1, last_name="Первошкольный")
    factories.ParticipantFactory(organisation=district.school2, last_name="Второшкольный")
    factories.ParticipantFactory(organisation=district.foreign_school, last_name="Чужерайонный")
    url = reverse("registry:participant_list")
    page = client_for(district.curator1).get(url).content.decode()
    assert "Первошкольный" in page and "Второшкольный" not in page and "Чужерайонный" not in page
    page = client_for(district.municipal).get(url).content.decode()
    assert "Первошкольный" in page and "Второшкольный" in page and "Чужерайонный" not in page


def test_filtering_by_a_foreign_organisation_shows_nothing(district, client_for):
    factories.ParticipantFactory(organisation=district.school2, last_name="Второшкольный")
    url = reverse("registry:participant_list") + f"?organisation={district.school2.pk}"
    page = client_for(district.curator1).get(url).content.decode()
    assert "Второшкольный" not in page


def test_pages_outside_the_scope_answer_with_a_russian_404_page(district, client_for, settings):
    settings.DEBUG = False
    participant = factories.ParticipantFactory(organisation=district.school1)
    response = client_for(district.curator2).get(reverse("registry:participant_detail", args=[participant.pk]))
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()
    assert participant.last_name not in response.content.decode()


def test_the_role_base_compares_every_role_at_once(roles, school1_objects):
    """tests/roles.py: the table of answers, and a failure that names every role that answered otherwise."""
    url = reverse("registry:participant_detail", args=[school1_objects["participant"].pk])
    assert roles.statuses(url) == {("anonymous", url): LOGIN, ("stranger", url): 404, ("outsider", url): 404,
                                   ("neighbour", url): 404, ("municipal", url): 200, ("owner", url): 200}
    with pytest.raises(AssertionError, match="neighbour.*outsider|outsider.*neighbour"):
        roles.expect(url, neighbour=200, outsider=200)
    with pytest.raises(AssertionError, match="no such role"):
        roles.expect(url, director=200)
