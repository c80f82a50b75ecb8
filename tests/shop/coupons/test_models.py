"""Derived state read against the clock, and the words and plain data a coupon gives."""

from datetime import timedelta
from decimal import Decimal

from shop.coupons.models import ClaimedCoupon, Terms
from shop.coupons.services import mark_used


def test_claim_status_follows_the_clock_whatever_is_stored(make_coupon, clock):
    now = clock.now()
    coupon = make_coupon(claim_opens_at=now + timedelta(hours=1), claim_closes_at=now + timedelta(hours=2),
                         status="ended")
    assert coupon.claim_status_at(now) == "not_started"
    assert coupon.claim_status_at(now + timedelta(hours=1)) == "claiming"
    assert coupon.claim_status_at(now + timedelta(hours=2) - timedelta(microseconds=1)) == "claiming"
    assert coupon.claim_status_at(now + timedelta(hours=2)) == "ended"


def test_validity_is_fixed_dates_or_days_from_the_claim(make_coupon, clock):
    now = clock.now()
    by_days = make_coupon(valid_days=7)
    assert by_days.validity_for(now) == (now, now + timedelta(days=7))
    fixed = make_coupon(valid_days=None, valid_from=now + timedelta(days=1), valid_until=now + timedelta(days=3))
    assert fixed.validity_for(now) == (now + timedelta(days=1), now + timedelta(days=3))


def test_words_for_each_kind(make_coupon):
    flat = make_coupon(kind="flat", value="20")
    threshold = make_coupon(kind="threshold", value="30", min_spend=Decimal("199"))
    percent = make_coupon(kind="percent", value="0", off_percent=79)
    odd = make_coupon(kind="flat", value="12.50")
    assert (flat.headline, flat.amount_text, flat.condition_text) == ("¥20 off", "¥20 off", "no minimum spend")
    assert threshold.headline == "¥30 off orders over ¥199"
    assert (threshold.amount_text, threshold.condition_text) == ("¥30 off", "on orders over ¥199")
    assert (percent.headline, percent.condition_text) == ("21% off", "you pay 79%")
    assert odd.headline == "¥12.50 off"


def test_remaining_and_claimed_share(make_coupon):
    coupon = make_coupon(quantity=8, claimed=2)
    assert coupon.remaining == 6 and coupon.claimed_percent == 25


def test_scope_words(make_coupon, make_product):
    product = make_product("Rust basics")
    assert make_coupon(scope="product", product=product).scope_text == "Rust basics"
    assert make_coupon().scope_text == "Any order"


def test_terms_are_plain_data_for_pricing(user, make_coupon, make_product, give_coupon):
    product = make_product()
    claimed = give_coupon(user, make_coupon(kind="threshold", value="30", min_spend=Decimal("199"), scope="product",
                                            product=product))
    assert claimed.terms() == Terms(kind="threshold", value=Decimal("30.00"), off_percent=None,
                                    min_spend=Decimal("199.00"), scope="product", product_id=product.pk)
    pricing = claimed.pricing_terms()
    assert (pricing.kind, pricing.value, pricing.min_spend, pricing.ref) == (
        "threshold", Decimal("30.00"), Decimal("199.00"), str(claimed.pk))


def test_usable_for_reads_the_clock_and_the_owner(user, other_user, make_coupon, give_coupon, clock):
    now = clock.now()
    fresh = give_coupon(user, make_coupon(valid_days=1))
    later = give_coupon(user, make_coupon(valid_days=None, valid_from=now + timedelta(days=1),
                                          valid_until=now + timedelta(days=2)))
    spent = give_coupon(user, make_coupon())
    mark_used([spent.pk], order_ref="order:A1", now=now)
    give_coupon(other_user, make_coupon())
    assert list(ClaimedCoupon.objects.usable_for(user, now)) == [fresh]
    assert fresh.is_usable(now) and not later.is_usable(now)
    tomorrow = now + timedelta(days=1)
    assert list(ClaimedCoupon.objects.usable_for(user, tomorrow)) == [later]  # fresh has expired, unswept
    fresh.refresh_from_db()
    assert fresh.status == "unused" and fresh.status_at(tomorrow) == "expired" and not fresh.is_usable(tomorrow)


def test_tabs_put_unswept_expired_coupons_under_expired(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon(valid_days=1))
    later = clock.now() + timedelta(days=1)
    assert not ClaimedCoupon.objects.in_tab("unused", later).exists()
    assert list(ClaimedCoupon.objects.in_tab("expired", later)) == [claimed]
    assert list(ClaimedCoupon.objects.in_tab("unused", clock.now())) == [claimed]
