"""Gift-draw journey in real browsers: alice buys a gift package through the cart and the sandbox
cashier, creates a full-2 draw and copies its link; bob (logged in elsewhere) and a brand-new
shopper (signing up from the share link) join; the second join draws it; the winners see the
result and give an address; the fairness section checks itself in the browser."""

import re

import pytest
from playwright.sync_api import expect

from shop.accounts.models import Address
from shop.gifts.models import GiftDraw, GiftHolding, Participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_gives_bob_and_a_newcomer_join_winners_give_addresses(page, live_server, make_user, browser, login,
                                                                   make_gift_package):
    make_user("alice", password="alice-pass-123")
    bob = make_user("bob", password="bob-pass-123")
    Address.objects.create(user=bob, name="Bob Li", phone="13800000002", address="2 River Street", is_default=True)
    package = make_gift_package("Tea tasting gift box", units=3, price="88.00")

    # alice buys the package like any course
    login("alice", "alice-pass-123", next=package.get_absolute_url())
    expect(page.get_by_text("3 gifts in this package").first).to_be_visible()
    page.locator("input[name=policy]").first.check()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    page.goto(f"{live_server.url}/me/gifts/")
    expect(page.get_by_test_id("available")).to_have_text("3")

    # … and creates a full-2 draw of 2 gifts
    page.goto(f"{live_server.url}/gifts/new/")
    page.get_by_label("Number of gifts").fill("2")
    page.get_by_label("Your wish").fill("Tea for two friends!")
    page.get_by_label("Draw when full").check()
    page.get_by_label("Draw when this many have joined").fill("2")
    page.get_by_role("button", name="Create gift draw").click()
    expect(page.get_by_test_id("gift-panel")).to_have_attribute("data-page", "giver")
    share = page.get_by_test_id("share-link").input_value()
    draw = GiftDraw.objects.get()
    assert share.endswith(f"/gifts/{draw.token}/")
    expect(page.get_by_test_id("seed-hash")).to_have_text(draw.seed_hash)
    expect(page.get_by_role("img", name="QR code of the share link")).to_be_visible()

    # bob opens the link on his phone and joins
    bob_page = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    login("bob", "bob-pass-123", page=bob_page, next=f"/gifts/{draw.token}/")
    expect(bob_page.get_by_test_id("method")).to_have_text("Draws when 2 have joined")
    expect(bob_page.get_by_test_id("wish")).to_contain_text("Tea for two friends!")
    bob_page.get_by_role("button", name="Join").click()
    expect(bob_page.get_by_test_id("my-number")).to_have_text("You are participant number 1.")

    # a newcomer follows the link, is sent to log in, signs up and comes back to join
    new_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    new_page.goto(share)
    new_page.get_by_role("button", name="Join").click()
    expect(new_page).to_have_url(re.compile(r"/accounts/login/"))
    new_page.get_by_role("link", name="Create an account").click()
    new_page.get_by_label("Username").fill("carol")
    new_page.locator("#id_password1").fill("Carol-pass-123")
    new_page.get_by_label("Password confirmation").fill("Carol-pass-123")
    new_page.get_by_role("button", name="Sign up").click()
    expect(new_page).to_have_url(re.compile(rf"/gifts/{draw.token}/$"))
    new_page.get_by_role("button", name="Join").click()

    # the second join drew it: both won (2 gifts, 2 participants)
    expect(new_page.get_by_test_id("you-won")).to_be_visible()
    draw.refresh_from_db()
    assert draw.status == "drawn" and Participant.objects.filter(draw=draw, won=True).count() == 2
    expect(new_page.get_by_test_id("winner")).to_have_count(2)
    new_page.get_by_role("link", name="Add an address").click()
    new_page.get_by_label("Recipient").fill("Carol Zhang")
    new_page.get_by_label("Phone number").fill("13800000003")
    new_page.locator("#id_address").fill("3 Hill Road")
    new_page.get_by_role("button", name="Save").click()
    expect(new_page).to_have_url(re.compile(rf"/gifts/{draw.token}/$"))
    new_page.get_by_role("button", name="Send it here").click()
    expect(new_page.get_by_test_id("gift-address")).to_contain_text("Carol Zhang, 3 Hill Road")

    # bob's waiting page polls and shows the result without a reload
    expect(bob_page.get_by_test_id("you-won")).to_be_visible(timeout=12_000)
    bob_page.get_by_role("button", name="Send it here").click()
    expect(bob_page.get_by_test_id("gift-address")).to_contain_text("Bob Li, 2 River Street")
    assert Participant.objects.filter(draw=draw, shipping__isnull=False).count() == 2

    # anyone can check the draw: the seed is revealed and recomputes the winners in the browser
    expect(bob_page.get_by_test_id("seed")).to_have_text(draw.seed)
    bob_page.get_by_role("button", name="Check it in my browser").click()
    expect(bob_page.get_by_test_id("fairness-check")).to_have_attribute("data-result", "ok")
    bob_page.context.close()
    new_page.context.close()

    page.reload()
    expect(page.get_by_test_id("gift-panel")).to_have_attribute("data-page", "giver")
    expect(page.get_by_test_id("winner")).to_have_count(2)
    holding = GiftHolding.objects.get(product=package)
    assert (holding.bought, holding.available, holding.in_draws, holding.given) == (3, 1, 0, 2)
