"""Lottery journey in a real browser: free draw, paid draw, a physical prize claimed with the
shopper's details, shipped by an operator, seen by the shopper with the notification."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.lottery.models import Draw, PrizeOrder
from shop.wallet.models import Wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_draws_wins_a_physical_prize_and_it_is_shipped(page, live_server, make_user, fund, make_campaign,
                                                             operator, browser, login):
    alice = make_user("alice", password="alice-pass-123", is_member=True)
    fund(alice, gem=100)
    campaign = make_campaign(title="Lucky Wheel", free_chances=1, draw_cost=Decimal("20"), prizes=[
        {"title": "Headphones", "weight": 1, "stock_left": 5}])
    login("alice", "alice-pass-123", next=f"/lotteries/{campaign.pk}/")

    expect(page.get_by_test_id("odds")).to_have_text("Chance 100.00%")
    expect(page.get_by_test_id("free-chances")).to_have_text("1")
    page.get_by_role("button", name="Draw").click()
    result = page.get_by_test_id("draw-result")
    expect(result).to_contain_text("You won")
    expect(result).to_contain_text("Headphones")
    expect(page.get_by_test_id("free-chances")).to_have_text("0")
    assert Draw.objects.get(user=alice).free

    page.get_by_role("button", name="Draw").click()  # now with gems
    expect(page.get_by_test_id("credits")).to_have_text("80 gems")
    assert Draw.objects.filter(user=alice, free=False).count() == 1
    assert Wallet.objects.get(user=alice).gem == Decimal("80")

    result.get_by_role("link", name="Send your shipping details").click()
    expect(page).to_have_url(re.compile(r"/me/prizes/P\w+/$"))
    page.get_by_label("Recipient").fill("Alice Wang")
    page.get_by_label("ID-card number").fill("11010119900307803X")
    page.get_by_label("Phone number").fill("138 0000 0001")
    page.get_by_label("Address").fill("1 Garden Road, Hangzhou")
    page.get_by_role("button", name="Send details").click()
    expect(page.get_by_test_id("prize-status")).to_have_text("Claimed")
    expect(page.get_by_text("110***********803X")).to_be_visible()
    order = PrizeOrder.objects.get(user=alice, status="claimed")

    operator_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login("op", "pw-secret-123", page=operator_page, next="/backoffice/campaigns/orders/?status=claimed")
    row = operator_page.get_by_role("row").filter(has_text=order.number)
    row.get_by_role("link", name=re.compile("Mark shipped")).click()
    operator_page.get_by_label("Carrier").fill("SF Express")
    operator_page.get_by_label("Tracking number").fill("SF1234567890")
    operator_page.get_by_role("button", name="Mark shipped").click()
    expect(operator_page.get_by_text(f"Prize order {order.number} marked shipped.")).to_be_visible()

    page.goto(f"{live_server.url}/me/prizes/")
    expect(page.get_by_test_id("prize-order").filter(has_text=order.prize.title).first).to_contain_text("Shipped")
    page.goto(f"{live_server.url}/me/notifications/")
    expect(page.get_by_text("Your prize Headphones is on its way")).to_be_visible()
