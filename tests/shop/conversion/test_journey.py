"""A shopper converts gems in a real browser: the htmx preview follows the amount typed, the
checklist names the blocking rule, and the Convert button converts once."""

import pytest

from shop.conversion.models import Conversion


@pytest.mark.browser
def test_convert_gems_in_the_browser(page, live_server, terms, make_user, fund, clock):
    clock.reset()  # the live server runs on real time
    terms()
    shopper = make_user("gemma2", is_verified=True, password="pw-secret-123")
    fund(shopper, gem=300)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("gemma2")
    page.get_by_label("Password").fill("pw-secret-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/me/wallet/")
    page.get_by_role("link", name="Convert gems").click()
    page.get_by_label("Gems to convert").fill("400")
    page.wait_for_selector("[data-testid=blocked]:has-text('You have only 300 gems.')")
    assert page.get_by_role("button", name="Convert", exact=True).is_disabled()
    page.get_by_label("Gems to convert").fill("150")
    page.wait_for_selector("[data-testid=preview-credited]:has-text('¥14.25')")
    page.get_by_role("button", name="Convert", exact=True).click()
    page.wait_for_selector("text=Converted 150 gems into ¥14.25.")
    assert page.locator("[data-testid=rule-once_a_month]").get_attribute("data-ok") == "no"
    assert Conversion.objects.filter(user=shopper).count() == 1
