import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signup_wallet_and_operator_grant(page, live_server, operator, browser, login):
    # A new shopper signs up and sees an empty wallet.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("carol")
    page.locator("#id_password1").fill("Carol-pass-123")
    page.get_by_label("Password confirmation").fill("Carol-pass-123")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to Bazaar, carol!")).to_be_visible()
    page.goto(f"{live_server.url}/me/wallet/")
    expect(page.get_by_test_id("balance")).to_have_text("¥0.00")

    # An operator, in another browser context, finds carol and grants balance.
    ops = browser.new_context(viewport={"width": 1280, "height": 900})
    op = ops.new_page()
    login("op", "pw-secret-123", page=op, next="/backoffice/")
    op.get_by_role("link", name="Wallets").click()
    op.get_by_label("Find a shopper").fill("carol")
    op.get_by_role("link", name="carol").click()
    op.get_by_label("Action").select_option("grant")
    op.get_by_label("Asset").select_option("balance")
    op.get_by_label("Amount").fill("88.80")
    op.get_by_label("Memo").fill("Welcome bonus")
    dialogs = []
    op.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    op.get_by_role("button", name="Record").click()
    expect(op.get_by_test_id("bo-balance")).to_have_text("¥88.80")
    assert "carol" in dialogs[0]  # money-moving: the operator confirmed first
    ops.close()

    # The shopper sees it, with the memo in the history.
    page.reload()
    expect(page.get_by_test_id("balance")).to_have_text("¥88.80")
    expect(page.get_by_text("Welcome bonus")).to_be_visible()
    page.get_by_role("link", name="Gems", exact=True).click()
    expect(page).to_have_url(re.compile(r"asset=gem"))
    expect(page.get_by_text("No transactions yet.")).to_be_visible()


def test_login_logout_and_language_switch(page, live_server, user, login):
    login("shopper", "pw-secret-123")
    page.goto(f"{live_server.url}/")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("#language").select_option("en")  # the label now reads 语言
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()


def test_a_long_word_in_a_notification_wraps_on_a_phone(page, live_server, user, login):
    """An order number is one long word: on a 375 px screen the inbox breaks it instead of
    scrolling sideways (it did for a number of wide letters)."""
    from shop.notifications.services import notify

    notify(user, "Order WWWWWWWWWWWWWWWWWWWWWW is paid", "Body WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", email=False)
    page.set_viewport_size({"width": 375, "height": 800})
    login("shopper", "pw-secret-123", next="/me/notifications/")
    page.get_by_text("is paid").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
