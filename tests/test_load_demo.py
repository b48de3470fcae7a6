"""``manage.py load_demo``: the demo district is complete, valid by the registry's own rules, and idempotent."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from tests.clients import CsrfClient
from django.utils import timezone

from registry import demo
from registry.models import (
    AcademicYear,
    Consent,
    ConsentPurpose,
    ConsentState,
    ConsentText,
    MenteeProfile,
    MentorProfile,
    Municipality,
    Organisation,
    OrganisationHeadcount,
    Participant,
    Partner,
    Region,
    RoleAssignment,
    User,
)
from registry.models.people import age_on
from registry.scoping import Role, Scope
from registry.selectors import mentors_lacking_certificate

SMALL = {"organisations": 5, "participants": 20}
C = Participant.Category


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_password_from_the_caller(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


@pytest.fixture
def demo_output(db) -> str:
    return load()


def assignment(username: str) -> RoleAssignment:
    return RoleAssignment.objects.select_related("organisation").get(user__username=username)


# --- logins ----------------------------------------------------------------------------------


def test_logins_work_with_the_default_password(demo_output):
    for username in ("region", "municipal", "curator1", "curator2", "director1", "methodist1", "psychologist1",
                     "socped1", "organizer1"):
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEFAULT_PASSWORD), username
        assert user.last_name and user.first_name and user.patronymic, username
        assert username in demo_output
    # Through the login form (django-axes checks every attempt against the address it comes from); the
    # municipal login works without a second factor in the embedded default.
    for username in ("curator1", "municipal"):
        client = CsrfClient()
        response = client.post("/accounts/login/", {"username": username, "password": demo.DEFAULT_PASSWORD})
        assert response.status_code == 302 and client.get("/").status_code == 200, username
    assert demo.DEFAULT_PASSWORD in demo_output


def test_roles_and_scopes(demo_output):
    municipality = Municipality.objects.get(name="Селивановский район")
    assert municipality.region.name == "Владимирская область"
    assert municipality.education_authority == "Управление образования администрации Селивановского района"

    curator1, curator2, director1 = assignment("curator1"), assignment("curator2"), assignment("director1")
    assert curator1.role == curator2.role == Role.SCHOOL_CURATOR
    assert director1.role == Role.DIRECTOR
    assert curator1.organisation != curator2.organisation
    assert curator1.organisation.municipality == curator2.organisation.municipality == municipality
    assert director1.organisation == curator1.organisation
    # The director's user is the person named on the organisation's orders.
    director = User.objects.get(username="director1")
    signature = f"{director.first_name[0]}.{director.patronymic[0]}. {director.last_name}"
    assert curator1.organisation.director_name == signature

    municipal = assignment("municipal")
    assert (municipal.role, municipal.municipality, municipal.organisation) == (
        Role.MUNICIPAL_CURATOR, municipality, None)
    region = assignment("region")
    assert (region.role, region.region) == (Role.REGIONAL_OBSERVER, municipality.region)

    members = RoleAssignment.objects.filter(role=Role.WORKING_GROUP)
    assert members.count() >= 3
    for member in members:
        assert member.organisation == curator1.organisation
        assert member.position and member.duty
    duties = " ".join(members.values_list("duty", flat=True))
    assert "отбора и обучения наставников" in duties
    assert "персонифицированного учёта" in duties

    scope = Scope.for_user(User.objects.get(username="curator1"))
    assert scope.organisation_ids == {curator1.organisation.pk}
    assert Participant.objects.visible_to(scope).exists()
    assert not Participant.objects.visible_to(scope).exclude(organisation=curator1.organisation).exists()
    municipal_scope = Scope.for_user(User.objects.get(username="municipal"))
    assert Organisation.objects.visible_to(municipal_scope).count() == Organisation.objects.count()


def test_demo_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "другой-пароль-42")
    output = load()
    for username in ("curator1", "municipal", "region"):
        user = User.objects.get(username=username)
        assert user.check_password("другой-пароль-42")
        assert not user.check_password(demo.DEFAULT_PASSWORD)
    assert "другой-пароль-42" in output


# --- organisations and years -----------------------------------------------------------------


def test_organisations_years_and_head_counts(demo_output):
    organisations = Organisation.objects.all()
    assert organisations.count() == 5
    assert set(organisations.values_list("kind", flat=True)) >= {
        Organisation.Kind.SCHOOL, Organisation.Kind.COLLEGE, Organisation.Kind.CENTRE}
    assert organisations.filter(kind=Organisation.Kind.SCHOOL).count() >= 2
    for organisation in organisations:
        assert organisation.full_name and organisation.address and organisation.director_name
        assert organisation.participants.count() == SMALL["participants"]
    assert organisations.filter(short_name="МКОУ СОШ № 10").exists()

    current_start = AcademicYear.start_year_for(timezone.localdate())
    assert AcademicYear.objects.current().start_year == current_start
    assert set(AcademicYear.objects.values_list("start_year", flat=True)) == {
        current_start - 2, current_start - 1, current_start}

    assert OrganisationHeadcount.objects.count() == 5 * 3
    for count in OrganisationHeadcount.objects.select_related("organisation"):
        count.full_clean()
        assert count.students_aged_10_plus <= count.students_total
        assert count.young_specialists <= count.teachers_total
        if count.organisation.kind == Organisation.Kind.SCHOOL:
            assert 280 <= count.students_total <= 900
            assert 0.6 <= count.students_aged_10_plus / count.students_total <= 0.9
            assert 28 <= count.teachers_total <= 70
            assert 1 <= count.young_specialists <= 8


def test_extra_organisations_get_generated_names_and_only_new_ones_get_people(db):
    load()
    before = {o.short_name: o.participants.count() for o in Organisation.objects.all()}
    load(organisations=10)
    organisations = Organisation.objects.all()
    assert organisations.count() == 10
    generated = [o for o in organisations if o.short_name not in {s.short_name for s in demo.NAMED_ORGANISATIONS}]
    assert len(generated) == 10 - len(demo.NAMED_ORGANISATIONS)
    for organisation in generated:
        assert re.fullmatch(r"М[БКА]ОУ СОШ № \d+", organisation.short_name)
        assert organisation.short_name.split("№ ")[1] in organisation.full_name
    for organisation in organisations:
        expected = before.get(organisation.short_name, SMALL["participants"])
        assert organisation.participants.count() == expected
    assert OrganisationHeadcount.objects.count() == 10 * 3


# --- consents --------------------------------------------------------------------------------


def test_every_consent_state_is_present(demo_output):
    today = timezone.localdate()
    participants = Participant.objects.all()
    for state in ConsentState.values:
        assert participants.with_consent_state_filter(state).exists(), state
    mentoring = Consent.objects.filter(purpose=ConsentPurpose.MENTORING)
    assert mentoring.valid_on(today).exists()
    revoked = mentoring.filter(revoked_on__lte=today)
    assert revoked.exists()
    assert all(c.revocation_reason for c in revoked)
    assert mentoring.filter(revoked_on__isnull=True, valid_until__lt=today).exists()  # expired
    assert participants.exclude(consents__isnull=False).exists()  # missing
    assert mentoring.filter(valid_until__gte=today, revoked_on__isnull=True).exists()  # valid with a term
    assert Consent.objects.filter(purpose=ConsentPurpose.PUBLICATION).exists()
    for signed_by in Consent.SignedBy.values:
        assert mentoring.filter(signed_by=signed_by).exists(), signed_by
    assert "нет согласия" in demo_output


def test_consents_follow_the_signing_rules_by_age(demo_output):
    texts = {text.signer: text for text in ConsentText.objects.filter(purpose=ConsentPurpose.MENTORING,
                                                                       is_current=True)}
    # The wording follows who signed: the adult's, the representative's (under 14), the child's with the
    # representative (14–17).
    wording = {Consent.SignedBy.PARTICIPANT: texts["adult"], Consent.SignedBy.REPRESENTATIVE: texts["representative"],
               Consent.SignedBy.BOTH: texts["minor"]}
    for consent in Consent.objects.select_related("participant", "text"):
        participant = consent.participant
        assert consent.signed_by in Consent.required_signers(
            participant.birth_date, consent.signed_on, participant.category == C.STUDENT)
        assert consent.text.is_current and consent.text.purpose == consent.purpose
        if consent.purpose == ConsentPurpose.MENTORING:
            assert consent.text == wording[consent.signed_by]
        if participant.birth_date:
            age = age_on(participant.birth_date, consent.signed_on)
            if age < 14:
                assert consent.signed_by == Consent.SignedBy.REPRESENTATIVE
            elif age < 18:
                assert consent.signed_by == Consent.SignedBy.BOTH
        if consent.needs_representative:
            assert consent.representative_name and consent.representative_relation
            assert consent.representative_document


def test_generated_rows_pass_full_clean(demo_output):
    participants = list(Participant.objects.all())
    assert len(participants) == 5 * SMALL["participants"]
    for participant in participants:
        participant.full_clean()
    for model in (Consent, MentorProfile, MenteeProfile, Partner, RoleAssignment):
        rows = list(model.objects.all())
        assert rows, model
        for row in rows:
            row.full_clean()


# --- people ----------------------------------------------------------------------------------


FEMALE_NAMES = set(demo.CHILD_FEMALE_NAMES) | set(demo.ADULT_FEMALE_NAMES)
MALE_NAMES = set(demo.CHILD_MALE_NAMES) | set(demo.ADULT_MALE_NAMES)


def test_names_agree_with_gender(demo_output):
    for p in Participant.objects.all():
        female = p.patronymic.endswith("на")
        assert p.first_name in (FEMALE_NAMES if female else MALE_NAMES), p
        if female:
            assert not p.last_name.endswith(("ов", "ев", "ёв", "ин", "ын", "ий")), p
        else:
            assert not p.last_name.endswith(("ова", "ева", "ёва", "ина", "ына", "ая")), p
    assert demo.feminine_surname("Иванов") == "Иванова"
    assert demo.feminine_surname("Покровский") == "Покровская"
    assert demo.feminine_surname("Шевченко") == "Шевченко"
    assert demo.patronymic_for("Пётр", "m") == "Петрович"
    assert demo.patronymic_for("Пётр", "f") == "Петровна"


def test_students_classes_and_ages_match(demo_output):
    today = timezone.localdate()
    year = AcademicYear.objects.current()
    students = Participant.objects.filter(category=C.STUDENT).select_related("organisation")
    assert students.count() > 40
    for student in students:
        age = age_on(student.birth_date, today)
        if student.organisation.kind == Organisation.Kind.COLLEGE:
            match = re.fullmatch(r"[А-Я]{2}-(\d\d)", student.class_name)
            assert match, student.class_name
            course = year.start_year % 100 - int(match[1]) + 1
            assert 1 <= course <= 4
            assert 15 <= age <= 20
        else:
            match = re.fullmatch(r"(\d{1,2})[А-Я]", student.class_name)
            assert match, student.class_name
            assert age_on(student.birth_date, year.starts_on) == int(match[1]) + 6
            assert 7 <= age <= 18
    for participant in Participant.objects.exclude(category=C.STUDENT).exclude(birth_date=None):
        assert age_on(participant.birth_date, today) >= 18
    phones = Participant.objects.exclude(phone="").values_list("phone", flat=True)
    assert phones and all(re.fullmatch(r"\+7 9\d\d \d{3}-\d\d-\d\d", phone) for phone in phones)
    emails = Participant.objects.exclude(email="").values_list("email", flat=True)
    assert emails and all(email.endswith(".example") for email in emails)


def test_every_category_and_profile_kind(demo_output):
    assert set(Participant.objects.values_list("category", flat=True)) == set(C.values)
    total = Participant.objects.count()
    mentors, mentees = MentorProfile.objects.count(), MenteeProfile.objects.count()
    assert 0.15 * total <= mentors <= 0.35 * total
    assert 0.35 * total <= mentees <= 0.6 * total
    # «ученик – ученик»: a student who mentors younger ones and is mentored by a teacher.
    assert Participant.objects.filter(category=C.STUDENT, mentor_profile__isnull=False,
                                      mentee_profile__isnull=False).exists()
    assert MentorProfile.objects.filter(participant__category=C.TEACHER).exists()
    assert set(MenteeProfile.objects.values_list("participant__category", flat=True)) <= {C.STUDENT,
                                                                                         C.YOUNG_SPECIALIST}
    assert MenteeProfile.objects.filter(participant__category=C.YOUNG_SPECIALIST).exists()
    assert not MentorProfile.objects.filter(topics__isnull=True).exists()
    assert not MenteeProfile.objects.filter(topics__isnull=True).exists()
    assert not MenteeProfile.objects.filter(request="").exists()
    assert len(set(MenteeProfile.objects.values_list("request_source", flat=True))) >= 3
    assert MenteeProfile.objects.filter(is_rural=True).exists()

    # Outside mentors: most with the certificate on file, some without — the home page lists them.
    outside = MentorProfile.objects.filter(participant__category__in=Participant.OUTSIDE_CATEGORIES)
    lacking = mentors_lacking_certificate(MentorProfile.objects.all())
    assert lacking.exists()
    with_certificate = outside.exclude(certificate_date=None).exclude(certificate_file="")
    assert with_certificate.exists()
    for profile in with_certificate[:3]:
        with profile.certificate_file.open("rb") as file:
            assert file.read(5) == b"%PDF-"
    assert Consent.objects.exclude(scan="").exists()

    assert Partner.objects.exclude(agreement_number="").exclude(agreement_date=None).exists()
    archived = Participant.objects.filter(is_archived=True)
    assert archived.exists()
    assert all(p.archive_reason and p.archived_on for p in archived)


def test_curator_and_working_group_are_teachers_in_their_registry(demo_output):
    organisation = assignment("curator1").organisation
    staff = Participant.objects.filter(organisation=organisation, category=C.TEACHER)
    for username in ("curator1", "psychologist1"):
        user = User.objects.get(username=username)
        assert staff.filter(last_name=user.last_name, first_name=user.first_name, patronymic=user.patronymic,
                            is_archived=False).exists()


# --- idempotence, determinism, extension -----------------------------------------------------

MODELS = (Region, Municipality, Organisation, AcademicYear, OrganisationHeadcount, User, RoleAssignment, Partner,
          Participant, MentorProfile, MenteeProfile, Consent, MentorProfile.topics.through,
          MenteeProfile.topics.through)


def snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def test_links_own_questionnaires_and_support_without_a_pair_are_in_the_demo(demo_output):
    from mentoring.models import Support
    from monitoring.models import Questionnaire, Response

    # Mentees without a pair were supported, some more than once, with notes and who gave it.
    supports = Support.objects.select_related("mentee__participant")
    assert supports.exclude(note="").exclude(given_by="").count() >= 3
    assert len({s.mentee_id for s in supports}) < supports.count()
    # The first school's own intake questionnaire, answered; no other school has one.
    (own,) = Questionnaire.objects.filter(organisation__isnull=False)
    assert own.kind == Questionnaire.Kind.INTAKE and own.responses.filter(submitted_at__isnull=False).exists()
    # Links handed out to one class, waiting, tied to what they evaluate.
    waiting = Response.objects.filter(token__isnull=False, submitted_at__isnull=True).select_related("participant")
    assert waiting.filter(programme__isnull=False, pair__isnull=False).exists()
    assert len({r.participant.class_name for r in waiting}) == 1


def test_second_run_changes_nothing(demo_output):
    before = snapshot()
    output = load()
    assert snapshot() == before
    assert "ничего" in output


def test_same_seed_gives_same_people(db):
    ctx = demo.load_demo(organisations=2, participants=30, seed=7, password="x")
    for organisation in ctx.organisations:
        regenerated = {(p.participant.full_name, p.participant.birth_date, p.participant.class_name)
                       for p in demo.OrganisationPeople(ctx, organisation).build()}
        stored = {(p.full_name, p.birth_date, p.class_name) for p in organisation.participants.all()}
        assert regenerated == stored


def test_steps_of_other_apps_run_after_the_registry(db, monkeypatch):
    seen = []

    def later_step(ctx):
        seen.append((len(ctx.organisations), set(ctx.populated_organisation_ids)))

    monkeypatch.setitem(demo._STEPS, "tests.later_step", (100, later_step))
    load(organisations=3, participants=5)
    load(organisations=3, participants=5)
    first, second = seen
    assert first == (3, set(Organisation.objects.values_list("pk", flat=True)))
    assert second == (3, set())  # nothing new to build on: later steps stay idempotent too


def test_invalid_sizes_are_refused(db):
    with pytest.raises(CommandError):
        call_command("load_demo", "--organisations", "0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("load_demo", "--participants", "-1", stdout=io.StringIO())


def test_no_participants_still_builds_the_district(db):
    load(participants=0)
    assert Organisation.objects.count() == 5
    assert not Participant.objects.exists()
    assert User.objects.filter(username="curator1").exists()


def test_the_district_pages_show_the_demo_district(demo_output):
    """The municipal curator's district pages have something to show: growth by school and form, the mentors'
    and the mentees' satisfaction, the roadmaps item by item, and every dashboard number's list agrees."""
    from django.urls import reverse

    from monitoring.district import growth, roadmap_matrix, satisfaction
    from monitoring.models import Questionnaire
    from tests.test_district_numbers import counted_links

    year = AcademicYear.objects.current()
    municipality = Municipality.objects.get()
    schools = list(Organisation.objects.filter(municipality=municipality, is_active=True).order_by("short_name"))
    grown = growth.by_school_and_form(schools, year)
    assert len({row.form for row in grown.rows}) >= 2
    assert any(row.cells["motivation"]["change"] is not None for row in grown.rows)
    liked = satisfaction.by_school(schools, year)
    for kind in (Questionnaire.Kind.MENTOR_SATISFACTION, Questionnaire.Kind.MENTEE_SATISFACTION):
        assert sum(1 for row in liked.rows if row.values[kind] is not None) >= 3, kind
    matrix = roadmap_matrix.matrix(schools, year, today=timezone.localdate())
    assert matrix.rows and matrix.columns
    states = {cell.state for row in matrix.rows for cell in row.cells}
    assert {roadmap_matrix.DONE, roadmap_matrix.NOT_STARTED} <= states

    client = CsrfClient()
    client.force_login(User.objects.get(username="municipal"))
    for name in ("monitoring:district_growth", "monitoring:district_satisfaction", "monitoring:district_roadmap"):
        assert client.get(reverse(name)).status_code == 200
    links = counted_links(client.get(reverse("monitoring:dashboard")).content.decode())
    assert len(links) >= 40
    for address, number in set(links):
        assert client.get(address).context["listing"].count == number, address


def test_the_district_has_a_quarterly_table_and_an_analysis(demo_output):
    from monitoring import accounting
    from monitoring.models import DistrictAnalysis, MonitoringReport

    scope = Scope.for_user(User.objects.get(username="municipal"))
    this = accounting.Quarter.containing(timezone.localdate())
    totals = accounting.totals(scope, this)
    assert totals.people > 0 and totals.mentors > 0 and totals.mentees > 0 and totals.pairs > 0
    assert totals.meetings + accounting.totals(scope, this.shifted(-1)).meetings > 0
    assert accounting.rows(scope, this).count() >= totals.people
    analysis = DistrictAnalysis.objects.get()
    assert analysis.half == 1 and analysis.quality_analysis and analysis.growth_analysis
    assert set(analysis.reports.all()) == set(MonitoringReport.objects.filter(
        academic_year=analysis.academic_year, half=1, status=MonitoringReport.Status.ACCEPTED))
    assert analysis.reports.exists()
    decisions = list(analysis.decisions.select_related("roadmap_item__roadmap"))
    assert len(decisions) == 3
    assert all(d.roadmap_item.roadmap.municipality_id == analysis.municipality_id for d in decisions)
    assert "анализов мониторинга района" in demo_output


def test_the_signed_founding_orders_print_the_roadmap_they_approve(demo_output):
    """«2-н» approves the roadmap as its appendix 2: signed before roadmaps.demo had drawn it up, its frozen
    text said «Дорожная карта на учебный год не составлена» beside the roadmap approved by «3-н»."""
    from mentoring.models import Order

    signed = list(Order.objects.filter(kind=Order.Kind.ORGANISATION, status=Order.Status.SIGNED))
    assert len(signed) == 2
    for order in signed:
        roadmap_appendix = order.content["appendices"][1]
        assert roadmap_appendix["number"] == 2 and roadmap_appendix["roadmap"], order
        assert roadmap_appendix["roadmap"]["stages"] and not roadmap_appendix["note"]


def test_a_newcomer_finds_work_waiting(demo_output):
    """Logged in for the first time, each role has something to act on: the first school's curator a
    returned report with the reviewer's comment and proposals to confirm among her unread notices, the
    municipal curator a submitted report, the director an order awaiting signature on the home page."""
    from django.urls import reverse

    from mentoring.models import Pair
    from monitoring.models import MonitoringReport
    from registry.models import Notification

    curator = User.objects.get(username="curator1")
    unread = Notification.objects.filter(user=curator, read_at__isnull=True)
    assert unread.exists()
    returned = MonitoringReport.objects.get(status=MonitoringReport.Status.RETURNED)
    assert returned.organisation == assignment("curator1").organisation
    assert Pair.objects.filter(status=Pair.Status.PROPOSED, programme__organisation=returned.organisation).exists()
    assert Notification.objects.filter(user__username="municipal", read_at__isnull=True).exists()

    client = CsrfClient()
    client.force_login(User.objects.get(username="director1"))
    home = client.get(reverse("home")).content.decode()
    assert "Ждут подписи" in home
    client.force_login(curator)
    assert "Дополните выводы" in client.get(reverse("registry:notification_list")).content.decode()


def test_the_demo_proposals_can_be_confirmed(demo_output):
    """The proposals the demo leaves for the curator are ones she can confirm: each mentor still has a
    place for them once the rest of the demo's pairs are formed, and every other rule holds today."""
    from mentoring import services
    from mentoring.models import Pair

    kept = list(Pair.objects.filter(status=Pair.Status.PROPOSED).order_by("pk"))
    assert kept
    today = timezone.localdate()
    for pair in kept:
        services.confirm_proposal(pair, started_on=today)  # raises PairRuleError with the reason if refused
    assert Pair.objects.filter(pk__in=[p.pk for p in kept], status=Pair.Status.FORMING).count() == len(kept)
