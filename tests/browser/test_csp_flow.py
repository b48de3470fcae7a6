"""The curator's main pages under the enforced Content-Security-Policy: no violation in the console, and
the behaviours that used to be inline scripts (showing fields by choice, year pickers) still work."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/", "/registry/participants/", "/registry/participants/?role=mentor", "/registry/partners/",
    "/registry/topics/", "/mentoring/programmes/", "/mentoring/pairs/", "/mentoring/meetings/",
    "/mentoring/orders/", "/roadmaps/", "/roadmaps/new/", "/roadmaps/my/", "/roadmaps/overdue/",
    "/roadmaps/notifications/", "/monitoring/", "/monitoring/reports/", "/monitoring/questionnaires/",
    "/monitoring/exports/", "/monitoring/cases/", "/registry/personal-data/",
]


def test_the_curators_pages_raise_no_policy_violation(district, page, login, shot):
    person = factories.MentorProfileFactory(participant__organisation=district.school1).participant
    factories.consent_for(person)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    login(page, district.curator1)
    for url in PAGES + [person.get_absolute_url()]:
        response = page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
    assert violations == []

    # What the inline scripts did still happens, from static/js/nastavnik.js.
    page.goto("/roadmaps/new/")
    template_choice = page.locator("#template-choice")
    page.get_by_label("Скопировать дорожную карту прошлого года", exact=False).check()
    expect(template_choice).to_be_hidden()
    page.get_by_label("По шаблону").check()
    expect(template_choice).to_be_visible()
    shot(page, "roadmap-create")
    assert violations == []
    page.problems.assert_none()
