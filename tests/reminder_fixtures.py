"""Fixtures of the reminder tests (test_reminders, test_outbox, test_outbox_senders): the first school's
roadmap and two of its people with addresses. Loaded for every test module by ``tests/conftest.py``."""

import pytest

from tests import factories


@pytest.fixture
def roadmap(district):
    return factories.RoadmapFactory(organisation=district.school1)


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
