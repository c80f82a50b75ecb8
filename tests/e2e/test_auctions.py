"""Auction journey in two real browsers: alice pays a deposit and bids, bob outbids her in
another context, alice's page shows the new price and that she was outbid without a reload;
she bids again, the lot ends (moved clock), and she pays her won lot through the sandbox."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.accounts.models import Address
from shop.auctions.models import Deposit, Lot
from shop.orders.models import Order
from shop.wallet.models import Wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_bids_is_outbid_live_wins_and_pays(page, live_server, make_user, fund, make_auction, browser, login,
                                                 clock):
    alice = make_user("alice", password="alice-pass-123", is_member=True)
    bob = make_user("bob", password="bob-pass-123")
    fund(alice, balance=1000)
    fund(bob, balance=1000)
    Address.objects.create(user=alice, name="Alice Wang", phone="13800000001", address="1 Garden Road",
                           is_default=True)
    session = make_auction(title="Spring teas", deposit=Decimal("100"),
                           lots=[{"title": "2006 Menghai 7542", "start_price": Decimal("100"),
                                  "increment": Decimal("10")}])
    lot = session.lots.get()

    login("alice", "alice-pass-123", next=lot.get_absolute_url())
    expect(page.get_by_test_id("current-price")).to_have_text("¥100.00")
    page.get_by_role("button", name="Pay deposit").click()
    expect(page.get_by_test_id("deposit-held")).to_be_visible()
    assert Wallet.objects.get(user=alice).deposit == Decimal("100")
    expect(page.get_by_label("Your bid")).to_have_value("100.00")
    page.get_by_role("button", name="Place bid").click()
    expect(page.get_by_test_id("my-status")).to_contain_text("You lead")

    bob_page = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    login("bob", "bob-pass-123", page=bob_page, next=lot.get_absolute_url())
    bob_page.get_by_role("button", name="Pay deposit").click()
    bob_page.get_by_label("Your bid").fill("150")
    bob_page.get_by_role("button", name="Place bid").click()
    expect(bob_page.get_by_test_id("current-price")).to_have_text("¥150.00")
    expect(bob_page.get_by_test_id("my-status")).to_contain_text("You lead")

    # alice never reloads: the live part brings the new price and the news
    expect(page.get_by_test_id("current-price")).to_have_text("¥150.00", timeout=5000)
    expect(page.get_by_test_id("my-status")).to_contain_text("You were outbid", timeout=5000)
    expect(page.get_by_label("Your bid")).to_have_value("160.00")
    page.get_by_role("button", name="Place bid").click()
    expect(page.get_by_test_id("current-price")).to_have_text("¥160.00")
    expect(bob_page.get_by_test_id("my-status")).to_contain_text("You were outbid", timeout=5000)
    bob_page.context.close()

    clock.freeze(Lot.objects.get(pk=lot.pk).ends_at + timedelta(seconds=5))  # the lot ends
    from shop.scheduling.tasks import sweep

    sweep()
    assert Deposit.objects.get(user=bob).status == "refunded"
    order = Order.objects.get(kind="auction", user=alice)
    assert order.payable == Decimal("60.00")  # ¥160 less the ¥100 deposit

    page.goto(f"{live_server.url}/me/auctions/?tab=pay")
    page.get_by_test_id("order-to-pay").get_by_role("link", name=re.compile("^Pay")).click()
    expect(page.get_by_test_id("deposit-applied")).to_contain_text("¥100.00")
    page.get_by_label("Use balance").fill("10")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/"))
    expect(page.get_by_test_id("order-deposit")).to_have_text("−¥100.00")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("cashier-amount")).to_have_text("¥50.00")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    assert Lot.objects.get(pk=lot.pk).status == "paid"
    assert Deposit.objects.get(user=alice).status == "applied"
    wallet = Wallet.objects.get(user=alice)
    assert (wallet.balance, wallet.deposit) == (Decimal("890.00"), Decimal("0.00"))
