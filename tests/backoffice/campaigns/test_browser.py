"""In a real browser: an operator adds a lottery campaign with prizes, watching the published odds
follow the weights as they type, and only the fields of the campaign's kind and of each prize's
grant shown."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username, password, next_url):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_operator_adds_a_campaign_and_sees_the_odds_live(page, live_server, operator):
    from django.utils import timezone

    from shop.core import clock

    now = timezone.localtime(clock.now())
    _login(page, live_server, "op", "pw-secret-123", "/backoffice/campaigns/new/")
    page.locator("#id_title").fill("Autumn wheel")
    page.get_by_label("Starts").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Kind").select_option("exchange")  # items priced in the asset: no draw fields
    expect(page.get_by_label("Paid with")).to_be_visible()
    for name in ("Draw cost", "Free chances per shopper", "Draws per shopper"):
        expect(page.get_by_label(name)).to_be_hidden()
    page.get_by_label("Kind").select_option("lottery")
    expect(page.get_by_label("Draw cost")).to_be_visible()

    rows = page.get_by_test_id("prize-row")
    first, second = rows.nth(0), rows.nth(1)
    first.get_by_label("Title").fill("Mug")
    first.get_by_label("Grants").select_option("physical")
    expect(first.get_by_label("Amount")).to_be_hidden()
    first.get_by_label("Weight").fill("3")
    second.get_by_label("Title").fill("Gems")
    second.get_by_label("Grants").select_option("credits")
    expect(second.get_by_label("Amount")).to_be_visible()
    expect(second.get_by_label("Coupon")).to_be_hidden()
    second.get_by_label("Asset").select_option("gem")
    second.get_by_label("Amount").fill("50")
    second.get_by_label("Weight").fill("1")
    second.get_by_label("Stock left").fill("10")
    first.get_by_label("Stock left").fill("10")

    page.get_by_role("button", name="Add a prize").click()
    expect(rows).to_have_count(4)
    rows.nth(3).get_by_label("Title").fill("Pen")
    rows.nth(3).get_by_label("Grants").select_option("physical")
    rows.nth(3).get_by_label("Stock left").fill("0")  # no stock: shown, never drawn

    odds = page.locator("#odds")
    expect(odds).to_contain_text("75.00 %")
    expect(odds).to_contain_text("25.00 %")
    second.get_by_label("Weight").fill("3")
    expect(odds).to_contain_text("50.00 %")

    page.get_by_role("button", name="Save campaign").click()
    expect(page.get_by_text("Campaign “Autumn wheel” saved.")).to_be_visible()
    expect(page.get_by_test_id("prize")).to_have_count(3)
    expect(page.locator(".badge", has_text="Online")).to_be_visible()


AXE_JS = Path(__file__).parents[2] / "e2e" / "vendor" / "axe.min.js"


@pytest.mark.parametrize("width", [1280, 375])
def test_area_pages_have_no_serious_axe_violations(page, live_server, operator, user, make_campaign, clock, width):
    """Every page of the area, at desktop and phone width: no serious or critical axe-core
    violation and no sideways scrolling of the page itself."""
    from shop.lottery import services
    from shop.lottery.models import CodePool
    from tests.shop.lottery.test_operations import valid_id_card

    campaign = make_campaign(free_chances=2, prizes=[{"title": "Mug"}, {"title": "Pen", "is_default": True}])
    pool = CodePool.objects.create(name="Keys")
    draw = services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    order = draw.order
    services.submit_details(user=user, number=order.number, recipient="Ada", id_card=valid_id_card(),
                            phone="13800000000", address="1 Main St", now=clock.now())
    base = "/backoffice/campaigns/"
    paths = [base, f"{base}new/", f"{base}{campaign.pk}/", f"{base}{campaign.pk}/edit/", f"{base}codes/",
             f"{base}codes/new/", f"{base}codes/{pool.pk}/", f"{base}codes/{pool.pk}/edit/", f"{base}orders/",
             f"{base}orders/?status=to_ship", f"{base}orders/{order.number}/ship/", f"{base}draws/",
             f"{base}draws/{draw.pk}/"]
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(reduced_motion="reduce")
    _login(page, live_server, "op", "pw-secret-123", base)
    problems = []
    for path in paths:
        assert page.goto(f"{live_server.url}{path}").status == 200, path
        page.wait_for_function("!document.querySelector('.htmx-request')")
        if (wide := page.evaluate("document.documentElement.scrollWidth")) > width:
            problems.append(f"{path}: {wide}px wide")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation.get("impact") in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} {targets}")
    assert not problems, "\n".join(problems)
