import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.coupons.models import ClaimedCoupon
from shop.orders.models import Order
from shop.wallet.models import Wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_to_cart(page, live_server, product, plan_index=0):
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.locator("input[name=policy]").nth(plan_index).check()
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))


def test_operator_creates_a_course_and_a_shopper_finds_it(page, live_server, operator, browser, login):
    login("op", "pw-secret-123", next="/backoffice/catalog/new/")
    page.get_by_label("Title").fill("Rust for Pythonistas")
    page.get_by_label("Summary").fill("Ownership without tears.")
    page.get_by_label("Status").select_option("online")
    page.locator("#id_policies-0-label").fill("1 month")
    page.locator("#id_policies-0-price").fill("129")
    page.locator("#id_policies-0-days").fill("30")
    page.get_by_role("button", name="Save course").click()
    expect(page.get_by_text("“Rust for Pythonistas” saved.")).to_be_visible()
    page.goto(f"{live_server.url}/backoffice/catalog/")
    page.get_by_role("link", name="Rust for Pythonistas").click()
    page.locator("#id_policies-1-label").fill("1 year")
    page.locator("#id_policies-1-price").fill("999")
    page.locator("#id_policies-1-days").fill("365")
    page.get_by_role("button", name="Save course").click()

    shopper = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    shopper.goto(f"{live_server.url}/products/")
    shopper.get_by_placeholder("Search courses").fill("rust")
    shopper.get_by_placeholder("Search courses").press("Enter")
    # wait for the htmx swap (and its pushState) before following a link: a
    # pushState landing mid-navigation cancels that navigation
    expect(shopper.get_by_test_id("result-count")).to_contain_text("matching “rust”")
    expect(shopper.get_by_test_id("product-card")).to_have_count(1)
    shopper.get_by_role("link", name="Rust for Pythonistas").click()
    expect(shopper.get_by_text("1 year")).to_be_visible()
    expect(shopper.get_by_role("button", name="Add to cart")).to_be_visible()
    shopper.context.close()


def test_operator_creates_coupon_shopper_claims_it_once(page, live_server, operator, user, browser, login):
    from django.utils import timezone

    from shop.core import clock

    now = timezone.localtime(clock.now())
    ops = browser.new_context().new_page()
    login("op", "pw-secret-123", page=ops, next="/backoffice/coupons/new/")
    ops.get_by_label("Name").fill("Launch ¥15")
    ops.get_by_label("Type").select_option("flat")
    ops.get_by_label("Value").fill("15")
    ops.get_by_label("Quantity").fill("10")
    ops.get_by_label("Claim opens").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    ops.get_by_label("Claim closes").fill((now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    ops.get_by_label("A number of days after claiming").check()
    ops.get_by_label("Valid days after claiming").fill("7")
    ops.get_by_role("button", name="Save coupon").click()
    expect(ops.get_by_text("Coupon “Launch ¥15” saved.")).to_be_visible()
    ops.context.close()

    login("shopper", "pw-secret-123")
    other_tab = page.context.new_page()
    for tab in (page, other_tab):
        tab.goto(f"{live_server.url}/coupons/")
    card = page.get_by_test_id("coupon-card").filter(has_text="Launch ¥15")
    expect(card.get_by_test_id("remaining")).to_have_text("10 left")
    card.get_by_role("button", name="Claim").click()
    expect(card.get_by_test_id("remaining")).to_have_text("9 left")
    expect(card.get_by_text("Claimed!")).to_be_visible()
    # the stale tab still shows the button: the server refuses the second claim
    stale = other_tab.get_by_test_id("coupon-card").filter(has_text="Launch ¥15")
    stale.get_by_role("button", name="Claim").click()
    expect(stale.get_by_test_id("claim-error")).to_have_text("You have already claimed this coupon.")
    page.goto(f"{live_server.url}/me/coupons/")
    expect(page.get_by_test_id("my-coupon").filter(has_text="Launch ¥15")).to_be_visible()


def test_anonymous_cart_merges_at_login_and_updates_live(page, live_server, user, make_product, login):
    a = make_product("Cart course A", prices=["10.00", "30.00"])
    b = make_product("Cart course B", prices=["5.00"])
    _add_to_cart(page, live_server, a)
    _add_to_cart(page, live_server, b)
    login("shopper", "pw-secret-123")
    page.goto(f"{live_server.url}/cart/")
    expect(page.get_by_test_id("cart-count")).to_have_text("2")
    expect(page.get_by_test_id("cart-total")).to_have_text("¥15.00")
    page.get_by_label("Price option").first.select_option(label="Plan 2 · ¥30.00")
    expect(page.get_by_test_id("cart-total")).to_have_text("¥35.00")
    page.get_by_test_id("cart-line").filter(has_text="Cart course B").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)


@pytest.fixture
def alice_shop(make_user, fund, make_product, make_coupon, give_coupon):
    alice = make_user("alice2", password="alice-pass-123", email="alice@example.com")
    fund(alice, balance="50")
    python = make_product("Python course", prices=["200.00"])
    sql = make_product("SQL course", prices=["100.00"])
    line_coupon = give_coupon(alice, make_coupon(name="Python ¥40", value="40", scope="product", product=python))
    global_coupon = give_coupon(alice, make_coupon(name="Big spender", kind="threshold", value="30", min_spend="200"))
    return alice, python, sql, line_coupon, global_coupon


def _checkout(page, live_server, python, sql):
    _add_to_cart(page, live_server, python)
    _add_to_cart(page, live_server, sql)
    page.get_by_role("button", name="Checkout").click()
    expect(page).to_have_url(re.compile(r"/checkout/\?"))
    expect(page.get_by_test_id("payable")).to_have_text("¥300.00")


def test_checkout_with_coupons_and_balance_pays_in_sandbox(page, live_server, alice_shop, login):
    alice, python, sql, line_coupon, global_coupon = alice_shop
    login("alice2", "alice-pass-123")
    _checkout(page, live_server, python, sql)
    page.get_by_test_id("checkout-line").filter(has_text="Python course").get_by_label("Coupon").select_option(
        label="Python ¥40 · ¥40 off")
    expect(page.get_by_test_id("payable")).to_have_text("¥260.00")
    page.get_by_label("Global coupon").select_option(label="Big spender · ¥30 off orders over ¥200")
    expect(page.get_by_test_id("payable")).to_have_text("¥230.00")
    page.get_by_label("Use balance").fill("25.50")
    expect(page.get_by_test_id("payable")).to_have_text("¥204.50")
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_test_id("cashier-amount")).to_have_text("¥204.50")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    page.goto(f"{live_server.url}/me/courses/")
    expect(page.get_by_test_id("course").filter(has_text="Python course")).to_be_visible()
    assert Wallet.objects.get(user=alice).balance == Decimal("24.50")
    assert ClaimedCoupon.objects.filter(user=alice, status="used").count() == 2


def test_failed_payment_then_cancel(page, live_server, alice_shop, login):
    alice, python, sql, *_ = alice_shop
    login("alice2", "alice-pass-123")
    _checkout(page, live_server, python, sql)
    page.get_by_label("Use balance").fill("50")
    expect(page.get_by_test_id("payable")).to_have_text("¥250.00")
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("button", name="Fail").click()
    expect(page.get_by_test_id("payment-failed")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Awaiting payment")
    page.once("dialog", lambda dialog: dialog.dismiss())  # changed her mind: nothing happens
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Awaiting payment")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    assert Wallet.objects.get(user=alice).balance == Decimal("50.00")


def test_order_times_out_and_gives_back_balance_and_coupons(page, live_server, alice_shop, login, clock):
    from shop.scheduling.tasks import sweep

    alice, python, sql, line_coupon, global_coupon = alice_shop
    login("alice2", "alice-pass-123")
    _checkout(page, live_server, python, sql)
    page.get_by_label("Global coupon").select_option(label="Big spender · ¥30 off orders over ¥200")
    page.get_by_label("Use balance").fill("20")
    expect(page.get_by_test_id("payable")).to_have_text("¥250.00")
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_test_id("cashier-amount")).to_have_text("¥250.00")
    order = Order.objects.get(user=alice)
    clock.advance(timedelta(minutes=31))
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    expect(page.get_by_text("The payment window has closed.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Timed out")  # by the clock, before any job ran
    expect(page.get_by_role("button", name="Pay", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    sweep()  # what the cluster's per-minute sweeper does
    page.reload()
    expect(page.get_by_test_id("order-status")).to_have_text("Timed out")
    page.goto(f"{live_server.url}/me/wallet/")
    expect(page.get_by_test_id("balance")).to_have_text("¥50.00")
    page.goto(f"{live_server.url}/me/coupons/")
    expect(page.get_by_test_id("my-coupon").filter(has_text="Big spender")).to_be_visible()
