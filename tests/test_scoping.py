"""The one scoping mechanism: who sees which organisation's rows, and what answers 404 or 403."""

import re

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


# --- every scoping test on the role base ---------------------------------------------------------------

#: A test whose name says it checks the scope (who may see what) is to ask through the ``roles`` fixture.
SCOPING_NAME = re.compile(r"scope|outsider|404")

#: The scoping-named tests that do not ask through the base, and why. Keep the reason true: a test moved onto
#: the base leaves this list (test_the_allow_list_names_no_test_that_needs_it fails otherwise).
NOT_ON_THE_BASE = {
    # Which rows a scope sees (the contents of a list, a workbook, a form's choices), not who may open a
    # page: the base answers with statuses only.
    "test_exporters.py::test_the_organisations_reference_holds_the_scope_only": "rows by scope",
    "test_list_pages.py::test_the_scope_decides_the_rows_and_the_organisation_column": "rows by scope",
    "test_mentor_load.py::test_scope_decides_the_mentors": "rows by scope",
    "test_mentoring_lists.py::test_pair_list_shows_the_scope_without_rejected_proposals": "rows by scope",
    "test_mentoring_lists.py::test_meeting_list_shows_the_scope_newest_first": "rows by scope",
    "test_orders.py::test_register_lists_the_scope_filters_by_year_and_kind": "rows by scope",
    "test_questionnaires.py::test_the_list_counts_only_responses_in_scope": "rows by scope",
    "test_roadmap_pages.py::test_lists_show_only_what_is_in_scope": "rows by scope",
    "test_personal_data.py::test_views_changes_scans_and_exports_are_recorded_and_shown_in_scope": "rows by scope",
    "test_home_cache.py::test_another_scope_is_not_served_the_districts_rows": "rows by scope, from the cache",
    "test_replace_mentor.py::test_peer_form_excludes_a_younger_student_and_an_outsider_without_a_certificate":
        "a form's choices; 'outsider' there is a person outside the school, not a role",
    "test_scoping.py::test_lists_show_only_the_scope": "rows by scope",
    # No request at all: the Scope, a selector, a service or a task is called directly.
    "test_scoping.py::test_scope_filters_through_relations": "Scope unit",
    "test_export_jobs.py::test_a_forged_organisation_filter_does_not_widen_the_scope": "the task, no request",
    "test_export_jobs.py::test_the_scope_is_the_requesters_as_it_is_when_the_task_runs": "the task, no request",
    "test_exporters.py::test_the_permission_and_the_scope_decide_a_request":
        "PreparedExport unit (403 vs 404 raised), no request",
    "test_federal_statistics.py::test_a_job_for_an_organisation_outside_the_scope_fails_and_holds_nothing":
        "the task, no request",
    "test_roadmap_services.py::test_scope_reaches_district_roadmaps_read_only_for_schools": "service unit",
    "test_load_demo.py::test_roles_and_scopes": "the demo data's roles, no request",
    # A 404 that is no role's: a missing or malformed id, an unknown kind or token.
    "test_consent_blank.py::test_unknown_purpose_or_partner_is_404": "unknown parameter, not a role",
    "test_dashboards.py::test_school_dashboard_of_a_missing_organisation_is_404": "missing id, not a role",
    "test_hostile_input.py::test_an_id_beyond_any_integer_is_404_not_500": "hostile id, not a role",
    "test_orders.py::test_unknown_kind_is_404": "unknown kind, not a role",
    "test_questionnaires.py::test_unknown_or_malformed_tokens_answer_404": "public token, nobody logged in",
    # Not a role of the base: the same user whose rights changed, another user of the same school, the
    # Russian text of the 404 page.
    "test_safe_exports.py::test_a_download_rechecks_the_scope_it_was_built_for":
        "the same user after their role moved",
    "test_notifications.py::test_another_users_notice_answers_404_and_stays_unread":
        "a notice is one user's: another user of the same school",
    "test_scoping.py::test_pages_outside_the_scope_answer_with_a_russian_404_page": "the 404 page's text",
}


def scoping_tests_off_the_base():
    """{"file::test": uses the roles fixture} of every scoping-named test function in tests/."""
    import ast
    from pathlib import Path

    found = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and SCOPING_NAME.search(node.name):
                found[f"{path.name}::{node.name}"] = "roles" in {arg.arg for arg in node.args.args}
    return found


def test_every_scoping_test_asks_through_the_role_base():
    found = scoping_tests_off_the_base()
    off = sorted(name for name, on_base in found.items() if not on_base and name not in NOT_ON_THE_BASE)
    assert not off, "scoping tests without the roles fixture (tests/roles.py), nor in NOT_ON_THE_BASE: " + str(off)


def test_the_allow_list_names_no_test_that_needs_it():
    found = scoping_tests_off_the_base()
    stale = sorted(name for name in NOT_ON_THE_BASE if found.get(name, True))
    assert not stale, "NOT_ON_THE_BASE names tests that are gone, renamed or on the base now: " + str(stale)
