"""The shopper's campaign pages and their htmx partials (CSRF enforced on every POST)."""

from decimal import Decimal

import pytest

from shop.lottery.models import CodePool, Draw, PrizeOrder, PrizeOrderStatus, RedeemCode


@pytest.fixture
def client(csrf_client):
    return csrf_client


@pytest.fixture
def lottery(make_campaign):
    return make_campaign(title="Wheel", free_chances=1, draw_cost=Decimal("10"), prizes=[
        {"title": "Bike", "weight": 1, "stock_left": 3},
        {"title": "Gems", "grant": "credits", "asset": "gem", "amount": Decimal("5"), "weight": 3, "stock_left": 50}])


def test_list_shows_online_campaigns_teasers_and_gifts(client, make_campaign, clock):
    from datetime import timedelta

    make_campaign(title="Now running")
    make_campaign(title="Later on", starts_at=clock.now() + timedelta(days=2), ends_at=clock.now() + timedelta(days=3))
    make_campaign(title="Long gone", starts_at=clock.now() - timedelta(days=5), ends_at=clock.now() - timedelta(days=1))
    CodePool.objects.create(name="Welcome codes", members_gift=True)
    page = client.get("/lotteries/").content.decode()
    assert "Now running" in page and "Later on" in page and "Coming soon" in page
    assert "Long gone" not in page and "Welcome codes" in page and "Log in to get a code" in page


def test_empty_list_says_so(client):
    assert "No campaigns running right now" in client.get("/lotteries/").content.decode()


def test_campaign_page_publishes_odds_and_asks_visitors_to_log_in(client, lottery):
    page = client.get(f"/lotteries/{lottery.pk}/").content.decode()
    assert "Chance 25.00%" in page and "Chance 75.00%" in page
    assert "Log in to take part" in page and 'data-testid="draw-result"' in page


def test_unknown_campaign_is_404(client):
    assert client.get("/lotteries/999/").status_code == 404


def test_htmx_draw_swaps_the_panel_with_the_result(shopper_client, user, lottery, django_capture_on_commit_callbacks):
    shopper_client.get(f"/lotteries/{lottery.pk}/")
    response = shopper_client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "once"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    draw = Draw.objects.get(user=user)
    assert response.status_code == 200 and 'id="draw-panel"' in page and "You won" in page
    assert draw.prize.title in page and draw.free
    assert 'id="my-prizes" class="card mt-4" hx-swap-oob="true"' in page
    assert 'data-testid="free-chances">0<' in page


def test_a_replayed_draw_form_draws_once(shopper_client, user, fund, lottery):
    fund(user, gem=100)
    for _ in range(3):
        response = shopper_client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "same-form"})
        assert response.status_code == 302
    assert Draw.objects.filter(user=user).count() == 1
    draw = Draw.objects.get(user=user)
    assert response["Location"] == f"/lotteries/{lottery.pk}/?draw={draw.pk}#draw-result"
    page = shopper_client.get(response["Location"]).content.decode()
    assert draw.prize.title in page


def test_draw_refusal_is_a_message_not_an_error(shopper_client, user, lottery):
    shopper_client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "a"})  # the free chance
    response = shopper_client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "b"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Not enough gems in the wallet." in response.content.decode()
    assert Draw.objects.filter(user=user).count() == 1


def test_members_only_page_explains_the_rule(shopper_client, make_campaign):
    campaign = make_campaign(members_only=True, prizes=[{}])
    page = shopper_client.get(f"/lotteries/{campaign.pk}/").content.decode()
    assert "This campaign is for members only." in page and 'data-testid="refusal"' in page


def test_anonymous_draw_goes_to_log_in(client, lottery):
    response = client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "x"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_draw_without_csrf_token_is_refused(shopper_client, lottery):
    response = shopper_client.post(f"/lotteries/{lottery.pk}/draw/", {"key": "x"}, csrf=False)
    assert response.status_code == 403 and not Draw.objects.exists()


def test_draw_on_an_exchange_is_404(shopper_client, make_campaign):
    exchange = make_campaign(kind="exchange", prizes=[{"price": Decimal("5")}])
    assert shopper_client.post(f"/lotteries/{exchange.pk}/draw/", {"key": "x"}).status_code == 404


def test_exchange_and_then_send_details(shopper_client, user, fund, make_campaign):
    fund(user, gem=50)
    exchange = make_campaign(kind="exchange", prizes=[{"title": "Mug", "price": Decimal("20")}])
    item = exchange.prizes.get()
    url = f"/lotteries/{exchange.pk}/items/{item.pk}/exchange/"
    response = shopper_client.post(url, {"key": "k"})
    order = PrizeOrder.objects.get(user=user)
    assert response["Location"] == f"/me/prizes/{order.number}/"
    assert shopper_client.post(url, {"key": "k"}).status_code == 302  # replay: the same exchange
    assert PrizeOrder.objects.filter(user=user).count() == 1
    page = shopper_client.get(f"/me/prizes/{order.number}/").content.decode()
    assert "Where should we send it?" in page
    bad = shopper_client.post(f"/me/prizes/{order.number}/", {"recipient": "Ann", "id_card": "110101199003070000",
                                                              "phone": "13800000000", "address": "1 Road"})
    assert bad.status_code == 200 and "not valid" in bad.content.decode()
    good = shopper_client.post(f"/me/prizes/{order.number}/", {"recipient": "Ann", "id_card": "11010119900307803X",
                                                               "phone": "13800000000", "address": "1 Road"})
    assert good.status_code == 302
    order.refresh_from_db()
    assert order.status == PrizeOrderStatus.CLAIMED
    page = shopper_client.get(f"/me/prizes/{order.number}/").content.decode()
    assert "110***********803X" in page and "11010119900307803X" not in page


def test_details_form_is_prefilled_from_the_address_book(shopper_client, user, make_campaign):
    from shop.accounts.models import Address

    Address.objects.create(user=user, name="Ann Lee", phone="13800000000", address="9 Garden Rd", is_default=True)
    campaign = make_campaign(free_chances=1, prizes=[{"title": "Bike"}])
    shopper_client.post(f"/lotteries/{campaign.pk}/draw/", {"key": "k"})
    order = PrizeOrder.objects.get(user=user)
    page = shopper_client.get(f"/me/prizes/{order.number}/").content.decode()
    assert 'value="Ann Lee"' in page and "9 Garden Rd" in page


def test_other_shoppers_prize_orders_are_404(client, make_user, make_campaign):
    from shop.core import clock
    from shop.lottery import services

    owner = make_user()
    campaign = make_campaign(free_chances=1, prizes=[{}])
    order = services.draw(user=owner, campaign_id=campaign.pk, now=clock.now()).order
    client.force_login(make_user())
    assert client.get(f"/me/prizes/{order.number}/").status_code == 404
    assert client.post(f"/me/prizes/{order.number}/", {"recipient": "x"}).status_code == 404


def test_my_prizes_paginates_and_its_htmx_page_is_the_list(shopper_client, user, make_campaign, clock):
    from shop.lottery import services

    campaign = make_campaign(free_chances=30, prizes=[{"title": "Sticker", "stock_left": 30}])
    for _ in range(25):
        services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    page = shopper_client.get("/me/prizes/").content.decode()
    assert page.count('data-testid="prize-order"') == 20 and "Page 1 of 2" in page
    partial = shopper_client.get("/me/prizes/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert partial.count('data-testid="prize-order"') == 5 and "<html" not in partial
    campaign_partial = shopper_client.get(f"/lotteries/{campaign.pk}/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert campaign_partial.startswith('\n<section id="my-prizes"') or 'id="my-prizes"' in campaign_partial[:200]


def test_members_take_one_gift_code(shopper_client, user):
    user.is_member = True
    user.save()
    pool = CodePool.objects.create(name="Gift", members_gift=True)
    RedeemCode.objects.bulk_create([RedeemCode(pool=pool, code=f"G{i}") for i in range(3)])
    first = shopper_client.post(f"/lotteries/gifts/{pool.pk}/", follow=True).content.decode()
    again = shopper_client.post(f"/lotteries/gifts/{pool.pk}/", follow=True).content.decode()
    code = RedeemCode.objects.get(user=user).code
    assert f"Your code: {code}" in first and f"Your code: {code}" in again
    assert RedeemCode.objects.filter(user=user).count() == 1


def test_campaign_page_queries_do_not_grow_with_prizes(shopper_client, user, make_campaign, make_coupon,
                                                       django_assert_max_num_queries):
    coupon = make_coupon()
    campaign = make_campaign(prizes=[{"grant": "coupon", "coupon": coupon} for _ in range(12)])
    with django_assert_max_num_queries(12):
        assert shopper_client.get(f"/lotteries/{campaign.pk}/").status_code == 200


def test_a_prize_the_shopper_may_win_no_more_says_so(shopper_client, user, make_campaign, clock):
    from shop.lottery import services

    campaign = make_campaign(free_chances=1, prizes=[{"title": "Mug", "win_limit": 1, "stock_left": 12000},
                                                     {"title": "Pen", "weight": 0}])
    page = shopper_client.get(f"/lotteries/{campaign.pk}/").content.decode()
    assert "12,000 left" in page and "Chance 100.00%" in page
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    page = shopper_client.get(f"/lotteries/{campaign.pk}/").content.decode()
    assert "You have reached your win limit for this prize" in page and "11,999 left" in page
