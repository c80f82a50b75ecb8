"""Every backoffice URL checks who asks before it looks anything up: an outsider gets the same
answer for an id that exists and one that does not (no probing of user ids, order numbers…)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import URLResolver, reverse

import backoffice.urls
from shop.checkout.services import Choices, place_order
from shop.orders.models import Enrollment
from tests.conftest import CsrfClient

UNKNOWN = {"pk": 987654, "user_id": 987654, "number": "B000000000NOPE", "pool_id": 987654, "draw_id": 987654,
           "lot_id": 987654, "colour_id": 987654, "word_id": 987654}


def _walk(patterns, namespace):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace
                             else namespace)
        else:
            yield namespace + pattern.name, sorted(pattern.pattern.converters)


BACKOFFICE_URLS = list(_walk(backoffice.urls.urlpatterns, "backoffice:"))


@pytest.fixture
def known(user, make_user, fund, make_product, make_coupon, cart_with, make_campaign, make_auction, clock):
    """One existing object of each kind the backoffice URLs name."""
    fund(user, balance="30")
    product = make_product(prices=["30.00"])
    line = cart_with(user, product)[0]
    order = place_order(user, [line.pk], Choices(balance=Decimal("30")), shown_payable=Decimal("0.00"), now=clock.now())
    objects = {
        "catalog": {"pk": product.pk}, "coupons": {"pk": make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), status="not_started").pk}, "wallets": {"user_id": user.pk},
        "orders": {"number": order.number, "pk": Enrollment.objects.get(user=user).pk},
    }
    from shop.lottery.models import CodePool
    from shop.lottery.services import draw

    campaign = make_campaign(free_chances=1, prizes=[{}])
    won = draw(user=user, campaign_id=campaign.pk, now=clock.now())
    objects["campaigns"] = {"pk": campaign.pk, "pool_id": CodePool.objects.create(name="Keys").pk,
                            "draw_id": won.pk, "number": won.order.number}
    from shop.auctions.models import BannedWord, CommentColour

    auction = make_auction(starts_at=clock.now() + timedelta(days=1), status="not_started")
    objects["auctions"] = {"pk": auction.pk, "lot_id": auction.lots.get().pk,
                           "colour_id": CommentColour.objects.create(name="Rose", css="#d63384", price=5).pk,
                           "word_id": BannedWord.objects.create(word="spam").pk}
    from shop.gifts.models import GiftHolding
    from shop.gifts.services import create_draw

    package = make_product("Tea box", kind="gift", units=3, days=1)
    giver = make_user("giver")
    GiftHolding.objects.create(user=giver, product=package, bought=3, available=3)
    objects["gifts"] = {"pk": create_draw(user=giver, product_id=package.pk, gifts=2, method="direct", wish="Enjoy",
                                          now=clock.now()).pk}
    return objects


def _kwargs_for(name, converters, known, *, unknown):
    area = name.split(":")[1]
    if unknown:
        return {c: UNKNOWN[c] for c in converters}
    missing = [c for c in converters if c not in known.get(area, {})]
    assert not missing, f"add a known object for {name} {missing} to the `known` fixture"
    return {c: known[area][c] for c in converters}


def _visitors(make_user, staff_without_areas):
    anonymous = CsrfClient(raise_request_exception=False)
    shopper = CsrfClient(raise_request_exception=False)
    shopper.force_login(make_user("prober"))
    plain_staff = CsrfClient(raise_request_exception=False)
    plain_staff.force_login(staff_without_areas)
    return {"anonymous": anonymous, "shopper": shopper, "staff without the area": plain_staff}


def test_the_url_list_is_complete():
    names = {name for name, _ in BACKOFFICE_URLS}
    assert {"backoffice:dashboard", "backoffice:wallets:detail", "backoffice:orders:detail",
            "backoffice:catalog:status"} <= names


def test_outsiders_get_the_same_answer_for_known_and_unknown_ids(known, make_user, staff_without_areas):
    visitors = _visitors(make_user, staff_without_areas)
    checked = 0
    for name, converters in BACKOFFICE_URLS:
        if not converters:
            continue
        known_url = reverse(name, kwargs=_kwargs_for(name, converters, known, unknown=False))
        unknown_url = reverse(name, kwargs=_kwargs_for(name, converters, known, unknown=True))
        for who, client in visitors.items():
            for method in ("get", "post"):
                answers = [getattr(client, method)(url) for url in (known_url, unknown_url)]
                codes = [a.status_code for a in answers]
                assert codes[0] == codes[1], f"{who} {method.upper()} {name}: {codes} (known, unknown)"
                assert codes[0] in (302, 403, 405), f"{who} {method.upper()} {name}: {codes[0]}"
                if who == "anonymous" and codes[0] == 302:
                    assert "/accounts/login/" in answers[0]["Location"]
                checked += 1
    assert checked >= 30


@pytest.mark.parametrize("name", [name for name, converters in BACKOFFICE_URLS if not converters])
def test_pages_without_ids_refuse_shoppers(name, make_user, db):
    shopper = CsrfClient(raise_request_exception=False)
    shopper.force_login(make_user("prober"))
    assert shopper.get(reverse(name)).status_code in (403, 405)
    assert shopper.post(reverse(name)).status_code in (403, 405)
