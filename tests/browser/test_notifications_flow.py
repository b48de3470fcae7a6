"""The director sees the bell's count, opens «Уведомления» from it, follows the notice to the order that
waits for the signature, and the count is gone; the home page opened with «Ждут подписи»."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentoring import orders as order_service
from mentoring.models import Order
from registry.models import AcademicYear, Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_director_follows_the_bell_to_the_order_to_sign(district, page, login, shot):
    order = order_service.prepare_order(organisation=district.school1, academic_year=AcademicYear.objects.current(),
                                        kind=Order.Kind.ORGANISATION, number="12-н", issued_on=timezone.localdate(),
                                        by=district.curator1)

    login(page, district.director1)
    expect(page.locator("#awaiting-signature")).to_contain_text("Приказ № 12-н")
    bell = page.locator("#notice-bell")
    expect(bell.locator("#notice-count")).to_have_text("непрочитанных: 1")
    shot(page, "home-with-bell")

    bell.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Уведомления")
    notice = page.get_by_role("link", name="Приказ № 12-н", exact=False)
    expect(notice).to_contain_text("ждёт вашей подписи")
    shot(page, "notifications")

    notice.click()
    page.wait_for_url(f"**{order.get_absolute_url()}")
    expect(page.locator("#notice-count")).to_have_count(0)
    assert Notification.objects.get(user=district.director1).read_at is not None
    page.problems.assert_none()
