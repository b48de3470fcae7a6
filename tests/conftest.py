"""Shared fixtures: one district with two schools, a college in it, a school in another district, and
a user for every role, so that every view can be tried from inside and from outside its scope."""

from dataclasses import dataclass

import pytest
from django.test import Client

from registry.models import AcademicYear, Organisation
from registry.scoping import Role
from tests import factories
from tests.clients import CsrfClient, FormClient

# The reminder tests' roadmap, curator and member, in one place for the three files that use them.
pytest_plugins = ["tests.reminder_fixtures"]


def pytest_configure(config):
    from tests import route_coverage

    route_coverage.install()


def pytest_sessionfinish(session, exitstatus):
    from tests import route_coverage

    route_coverage.check(session)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a worker has finished; its answered routes join the controller's."""
    from tests import route_coverage

    route_coverage.merge(node)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class District:
    region: object
    municipality: object
    school1: Organisation
    school2: Organisation
    college: Organisation
    foreign_school: Organisation
    observer: object
    municipal: object
    foreign_municipal: object
    curator1: object
    curator2: object
    director1: object
    member1: object
    nobody: object


@pytest.fixture
def district(db) -> District:
    AcademicYear.objects.current()
    region = factories.RegionFactory()
    municipality = factories.MunicipalityFactory(region=region, name="Селивановский район")
    other_municipality = factories.MunicipalityFactory(region=region, name="Судогодский район")
    school1 = factories.OrganisationFactory(municipality=municipality, short_name="МБОУ СОШ № 1")
    school2 = factories.OrganisationFactory(municipality=municipality, short_name="МБОУ СОШ № 2")
    college = factories.OrganisationFactory(
        municipality=municipality, short_name="ГБПОУ НСТ", kind=Organisation.Kind.COLLEGE
    )
    foreign_school = factories.OrganisationFactory(municipality=other_municipality, short_name="МКОУ СОШ № 10")

    def user(username, role, **where):
        account = factories.UserFactory(username=username)
        factories.RoleFactory(user=account, role=role, **where)
        return account

    return District(
        region=region,
        municipality=municipality,
        school1=school1,
        school2=school2,
        college=college,
        foreign_school=foreign_school,
        observer=user("observer", Role.REGIONAL_OBSERVER, region=region),
        municipal=user("municipal", Role.MUNICIPAL_CURATOR, municipality=municipality),
        foreign_municipal=user("foreign_municipal", Role.MUNICIPAL_CURATOR, municipality=other_municipality),
        curator1=user("curator1", Role.SCHOOL_CURATOR, organisation=school1),
        curator2=user("curator2", Role.SCHOOL_CURATOR, organisation=school2),
        director1=user("director1", Role.DIRECTOR, organisation=school1),
        member1=user("member1", Role.WORKING_GROUP, organisation=school1),
        nobody=factories.UserFactory(username="nobody"),
    )


@pytest.fixture
def client():
    """pytest-django's ``client``, CSRF enforced and the token sent as a browser sends it (``CsrfClient``):
    a test that posts anonymously goes through the same check as a page's form."""
    return CsrfClient()


@pytest.fixture
def client_for():
    """A logged-in test client, CSRF enforced (``CsrfClient``)."""

    def make(user, *, tokens=True) -> Client:
        client = (FormClient if tokens else CsrfClient)()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def roles(district, client_for):
    """Owner, same district (a neighbouring school's curator, the municipal curator), outsider, anonymous:
    the one base of the scoping tests (``tests/roles.py``)."""
    from tests.roles import Roles

    return Roles(district, client_for)


@pytest.fixture
def world(district):
    """A school to fill the create forms from (``tests/create_forms.py``)."""
    from tests.create_forms import make_world

    return make_world(district)
