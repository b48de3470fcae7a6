"""One rule in one place (issue 17, item 4): initials and name formats, the individual-plan target, who
is a legal representative, which municipalities a user writes for. Each rule has one home; these tests
pin its output and that the places that used to carry copies now ask it."""

import datetime
import pathlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring import order_texts
from mentoring.models import Order
from mentoring.plan_target import DEFAULT_PLAN_TARGET_PERCENT, plan_target_percent
from mentoring.views.documents import _filename, _representative
from mentoring.wording import user_short_name
from monitoring import accounting
from monitoring.models import CoverageTarget
from registry import demo, grammar
from registry.exports import representatives
from registry.models import AcademicYear, Consent, Participant
from registry.models.consents import signer_by_age, text_signer
from registry.scoping import Perm, Scope
from registry.views.pdf import blank_signer
from tests import factories
from tests.test_documents import born, membership, plan, school  # noqa: F401 — the fixtures of the plan

TODAY = timezone.localdate()
ROOT = pathlib.Path(__file__).resolve().parent.parent


# --- (a) initials and name formats ---------------------------------------------------------------------


def test_initials_have_one_rule_and_every_format_follows_it():
    assert grammar.initials("Елена", " Викторовна ") == "Е. В."
    assert grammar.initials("Елена", "") == "Е."
    person = grammar.Person("Лебедева", "Елена", "Викторовна")
    assert (person.short, person.signature, person.in_filename) == (
        "Лебедева Е. В.", "Е. В. Лебедева", "Лебедева_ЕВ")
    assert grammar.Person("Лебедева", "Елена").in_filename == "Лебедева_Е"
    assert demo.initials_name("Лебедева", "Елена", "Викторовна") == person.signature


@pytest.mark.django_db
def test_people_users_files_and_the_accounting_row_print_the_same_initials():
    participant = factories.ParticipantFactory(last_name="Лебедева", first_name="Елена", patronymic="Викторовна")
    user = factories.UserFactory(last_name="Лебедева", first_name="Елена", patronymic="Викторовна")
    row = accounting.Row({"mentor_parts": accounting.NAME_PARTS_SEPARATOR.join(("Лебедева", "Елена", "Викторовна"))})
    assert {participant.short_name, user.get_short_name(), user_short_name(user), row.mentor_name} == {"Лебедева Е. В."}
    assert _filename("План", participant) == "План_Лебедева_ЕВ.pdf"


def test_no_module_builds_initials_by_hand():
    """A copy of the rule looks like one of these; ``registry/grammar.py`` is the one place that may."""
    copies = re.compile(r"\[0\]\}\.|part\[0\] for part|Substr\([^)]*(first_name|patronymic)[^)]*, 1, 1\)"
                        r"|first_name\[0\]|patronymic\[0\]")
    found = []
    for app in ("registry", "mentoring", "roadmaps", "monitoring"):
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "grammar.py" or "migrations" in path.parts:
                continue
            found += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                      if copies.search(line)]
    assert not found, f"initials built outside registry.grammar: {found}"


# --- (b) the plan target ------------------------------------------------------------------------------


def _set_plan_target(organisation, percent):
    return CoverageTarget.objects.create(municipality=organisation.municipality,
                                         academic_year=AcademicYear.objects.current(), plans_percent=percent)


def test_the_plan_target_is_the_seed_s_figure_until_the_municipality_sets_its_own(school):  # noqa: F811
    year = AcademicYear.objects.current()
    assert plan_target_percent(school, year) == DEFAULT_PLAN_TARGET_PERCENT == 90
    assert CoverageTarget().plans_percent == DEFAULT_PLAN_TARGET_PERCENT
    _set_plan_target(school, 80)
    assert plan_target_percent(school, year) == 80
    assert plan_target_percent(None, year) == DEFAULT_PLAN_TARGET_PERCENT


def test_a_municipality_set_to_80_sees_80_on_plan_pages(school, district, client_for, membership):  # noqa: F811
    client = client_for(district.curator1)
    page = client.get(reverse("mentoring:plan_detail", args=[membership.pk])).content.decode()
    assert "не менее 90%" in page and "не менее 80%" not in page
    _set_plan_target(school, 80)
    page = client.get(reverse("mentoring:plan_detail", args=[membership.pk])).content.decode()
    assert "не менее 80%" in page and "не менее 90%" not in page
    assert "Целевой показатель — не менее 80%" in plan(client, membership)


def test_the_plans_order_quotes_the_municipality_s_target(school, district, membership):  # noqa: F811
    _set_plan_target(school, 85)
    order = factories.OrderFactory(organisation=school, kind=Order.Kind.PLANS, number="40", pairs=[membership.pair])
    text = repr(order_texts.build_content(order))
    assert "не менее чем на 85%" in text and "на 90%" not in text


# --- (c) who is a legal representative ----------------------------------------------------------------


@pytest.mark.django_db
def test_one_rule_decides_who_signs_and_who_is_the_representative(district):
    on = TODAY
    for age in (8, 13, 14, 15, 17, 18, 30):
        birth = on.replace(year=on.year - age) - datetime.timedelta(days=1)
        student = factories.ParticipantFactory(organisation=district.school1, birth_date=birth,
                                               category=Participant.Category.STUDENT)
        signer = signer_by_age(birth, on, is_student=True)
        assert {signer} == Consent.required_signers(birth, on, True), age
        representative = signer in Consent.REPRESENTATIVE_SIGNERS
        assert representative == (age < 18), age
        assert blank_signer(student) == text_signer(signer), age
        assert Consent(signed_by=signer).needs_representative == representative, age


@pytest.mark.django_db
def test_a_name_left_in_the_representative_fields_of_an_adult_s_consent_makes_no_representative(district):
    adult = factories.ParticipantFactory(organisation=district.school1, birth_date=born(30),
                                         category=Participant.Category.TEACHER)
    factories.ConsentFactory(participant=adult, signed_by=Consent.SignedBy.PARTICIPANT,
                             signed_on=TODAY - datetime.timedelta(days=5), representative_name="Иванова Анна Петровна")
    assert representatives([adult.pk]) == {}
    assert _representative(adult, TODAY)["name"] == ""
    minor = factories.ParticipantFactory(organisation=district.school1, birth_date=born(15))
    factories.ConsentFactory(participant=minor, signed_by=Consent.SignedBy.BOTH,
                             signed_on=TODAY - datetime.timedelta(days=5), representative_name="Смирнова Ольга Петровна",
                             representative_relation=Consent.Relation.MOTHER, representative_document="паспорт")
    assert representatives([minor.pk]) == {minor.pk: "Смирнова Ольга Петровна (мать)"}
    assert _representative(minor, TODAY)["name"] == "Смирнова Ольга Петровна"


# --- (d) the municipality check -----------------------------------------------------------------------


MUNICIPAL_PERMS = (Perm.PREPARE_ORDERS, Perm.EDIT_TARGETS, Perm.DISTRICT_ANALYSIS, Perm.EDIT_ROADMAP,
                   Perm.EDIT_VOCABULARY)


@pytest.mark.django_db
def test_the_municipalities_a_user_writes_for_come_from_one_helper(district):
    scope = Scope.for_user
    for perm in MUNICIPAL_PERMS:
        assert scope(district.municipal).editable_municipalities(perm) == [district.municipality], perm
        for user in (district.curator1, district.director1, district.observer, district.member1, district.nobody):
            assert scope(user).editable_municipalities(perm) == [], (perm, user.username)
    assert scope(district.municipal).editable_municipalities(Perm.EDIT_REGISTRY) == []
    admin = factories.UserFactory(username="admin", is_superuser=True)
    everything = scope(admin).editable_municipalities(Perm.EDIT_TARGETS)
    assert district.municipality in everything and district.foreign_school.municipality in everything


def test_the_views_ask_the_helper_instead_of_a_copy_of_the_check():
    """The pages that offered a municipality to write for each had their own loop over
    ``permissions_for_municipality``; now they ask ``Scope.editable_municipalities``."""
    for path in ("registry/views/topics.py", "mentoring/views/orders.py", "monitoring/views/reports.py",
                 "monitoring/views/analysis.py", "roadmaps/views/pages.py"):
        source = (ROOT / path).read_text()
        assert "editable_municipalities(" in source, path
        assert not re.search(r"for \w+ in .*\n?.*if Perm\.\w+ in \w+\.permissions_for_municipality", source), path
