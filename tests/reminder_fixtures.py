"""Fixtures of the reminder tests (test_reminders, test_outbox, test_outbox_senders): the first school's
roadmap and two of its people with addresses. Loaded for every test module by ``tests/conftest.py``."""

import pytest

from registry.models import AcademicYear
from roadmaps.models import Roadmap


@pytest.fixture
def roadmap(district):
    return Roadmap.objects.create(organisation=district.school1, academic_year=AcademicYear.objects.current(),
                                  title="Дорожная карта внедрения целевой модели наставничества")


@pytest.fixture
def curator(district):
    user = district.curator1
    user.email = "curator1@example.org"
    user.save()
    return user


@pytest.fixture
def member(district):
    user = district.member1
    user.email = "member1@example.org"
    user.save()
    return user
