"""An operator creates a coupon in the backoffice; a shopper claims it in the coupon centre (in
place), finds it under Unused in My coupons, and a second claim is refused with a message."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_creates_spend_and_save_coupon_and_shopper_claims_it(page, live_server, operator, user, browser,
                                                                       login):
    from django.utils import timezone

    from shop.core import clock

    now = timezone.localtime(clock.now())
    ops = browser.new_context().new_page()
    login("op", "pw-secret-123", page=ops, next="/backoffice/coupons/new/")
    ops.get_by_label("Name").fill("Autumn ¥25 off ¥150")
    ops.get_by_label("Type").select_option("threshold")
    expect(ops.get_by_label("Pay percent")).to_be_hidden()  # only the fields the type uses
    ops.get_by_label("Value").fill("25")
    ops.get_by_label("Minimum spend").fill("20")
    ops.get_by_label("Quantity").fill("3")
    ops.get_by_label("Claim opens").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    ops.get_by_label("Claim closes").fill((now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    ops.get_by_label("A number of days after claiming").check()
    expect(ops.get_by_label("Use from")).to_be_hidden()
    ops.get_by_label("Valid days after claiming").fill("7")
    ops.get_by_role("button", name="Save coupon").click()
    expect(ops.get_by_text("The minimum spend must be greater than the value.")).to_be_visible()
    ops.get_by_label("Minimum spend").fill("150")
    ops.get_by_role("button", name="Save coupon").click()
    expect(ops.get_by_text("Coupon “Autumn ¥25 off ¥150” saved.")).to_be_visible()

    login("shopper", "pw-secret-123", next="/coupons/")
    stale = page.context.new_page()
    stale.goto(f"{live_server.url}/coupons/")
    card = page.get_by_test_id("coupon-card").filter(has_text="Autumn ¥25 off ¥150")
    expect(card.get_by_text("¥25 off", exact=True)).to_be_visible()
    expect(card.get_by_text("on orders over ¥150")).to_be_visible()
    expect(card.get_by_test_id("remaining")).to_have_text("3 left")
    card.get_by_role("button", name="Claim").click()
    expect(card.get_by_test_id("remaining")).to_have_text("2 left")
    expect(card.get_by_text("Claimed!")).to_be_visible()
    expect(card.get_by_role("button", name="Claim")).to_have_count(0)
    assert page.url.endswith("/coupons/")  # swapped in place, no navigation

    stale_card = stale.get_by_test_id("coupon-card").filter(has_text="Autumn ¥25 off ¥150")
    stale_card.get_by_role("button", name="Claim").click()
    expect(stale_card.get_by_test_id("claim-error")).to_have_text("You have already claimed this coupon.")
    expect(stale_card.get_by_test_id("remaining")).to_have_text("2 left")

    page.goto(f"{live_server.url}/me/coupons/")
    mine = page.get_by_test_id("my-coupon").filter(has_text="Autumn ¥25 off ¥150")
    expect(mine).to_be_visible()
    code = mine.get_by_test_id("coupon-code").inner_text()
    page.get_by_role("tab", name="Used", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/me/coupons/?tab=used")
    expect(page.get_by_text("You have not used a coupon yet.")).to_be_visible()
    page.go_back()
    expect(page.get_by_test_id("my-coupon").filter(has_text="Autumn ¥25 off ¥150")).to_be_visible()

    ops.goto(f"{live_server.url}/backoffice/coupons/")
    row = ops.locator("tr").filter(has_text="Autumn ¥25 off ¥150")
    expect(row).to_contain_text("2/3")
    expect(row.get_by_role("link", name="Edit")).to_have_count(0)  # claiming has started
    row.get_by_role("link", name="Autumn ¥25 off ¥150", exact=True).click()
    expect(ops.get_by_text(code)).to_be_visible()
    ops.context.close()


def test_ticket_labels_stay_whole_on_a_phone_in_chinese(page, live_server, user, make_coupon, login):
    """Chinese may break between any two characters: a ticket whose stub says more (a spend
    threshold) once squeezed its Claim button into a column of single characters."""
    from django.conf import settings

    from tests.e2e.test_accessibility import BROKEN_LABELS

    make_coupon(kind="threshold", value="30", min_spend="199", name="Welcome ¥30 off ¥199",
                description="For any order of ¥199 or more.", quantity=500)
    make_coupon(kind="flat", value="20", name="¥20 off")
    page.set_viewport_size({"width": 375, "height": 800})
    login("shopper", "pw-secret-123")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/coupons/")
    expect(page.get_by_role("button", name="领取")).to_have_count(2)
    assert page.evaluate(BROKEN_LABELS) == []
    stubs = page.locator(".ticket-value").evaluate_all("els => els.map(el => el.getBoundingClientRect().width)")
    assert len(set(stubs)) == 1, f"ticket stubs differ in width: {stubs}"
