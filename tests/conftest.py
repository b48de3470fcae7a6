"""Shared fixtures: one district with two schools, a college in it, a school in another district, and
a user for every role, so that every view can be tried from inside and from outside its scope."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from registry import once
from registry.models import AcademicYear, Organisation
from registry.scoping import Role
from tests import factories

# The reminder tests' roadmap, curator and member, in one place for the three files that use them.
pytest_plugins = ["tests.reminder_fixtures"]


def pytest_configure(config):
    from tests import route_coverage

    route_coverage.install()


def pytest_sessionfinish(session, exitstatus):
    from tests import route_coverage

    route_coverage.check(session)


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


class CsrfClient(Client):
    """A client the CSRF check is enforced on, as on the server: a POST carries the ``csrftoken`` cookie
    and the same token back (the form field below, else the ``X-CSRFToken`` header a page's script
    sends), so a view that lost its protection or a form that lost its token is seen by every test."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "enforce_csrf_checks": True})

    def csrf_token(self) -> str:
        """The cookie's token; before the first page has set one, a fresh one, as a page would."""
        cookie = self.cookies.get(settings.CSRF_COOKIE_NAME)
        if cookie is None or not cookie.value:
            self.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
            cookie = self.cookies[settings.CSRF_COOKIE_NAME]
        return cookie.value

    def generic(self, method, path, *args, **extra):
        if method.upper() not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            extra.setdefault("HTTP_X_CSRFTOKEN", self.csrf_token())
        return super().generic(method, path, *args, **extra)


class FormClient(CsrfClient):
    """Posts like a browser sending a page's form: with the form's one-time token (``registry.once``), a
    fresh one for every POST unless the test passes its own. ``tests/test_double_submit.py`` tests the
    tokens themselves, with the ones the pages render, and POSTs without any (``client_for(user,
    tokens=False)``)."""

    def post(self, path, data=None, *args, **kwargs):
        data = {} if data is None else data
        if isinstance(data, dict) and once.FIELD not in data:
            data = {**data, once.FIELD: once.new_token()}
        if isinstance(data, dict):
            data = {"csrfmiddlewaretoken": self.csrf_token(), **data}
        return super().post(path, data, *args, **kwargs)


@pytest.fixture
def client_for():
    """A logged-in test client, CSRF enforced (``CsrfClient``)."""

    def make(user, *, tokens=True) -> Client:
        client = (FormClient if tokens else CsrfClient)()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def world(district):
    """A school to fill the create forms from (``tests/create_forms.py``)."""
    from tests.create_forms import make_world

    return make_world(district)
