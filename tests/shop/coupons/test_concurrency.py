"""Never more claims than the quantity, never more than the per-user limit — under real
concurrency (threads with their own connections). PostgreSQL runs the 200-thread flash claim;
the smaller race runs on SQLite too (BEGIN IMMEDIATE + busy timeout)."""

from collections import Counter

import pytest
from django.db.models import Count

from shop.coupons.models import ClaimedCoupon, CouponHolding
from shop.coupons.services import ClaimRefused, claim


def _race(run_concurrently, make_user, coupon, *, users, attempts):
    """``attempts`` threads over ``users`` shoppers: shoppers ``0 … attempts-users-1`` claim twice at once."""
    shoppers = [make_user(f"racer{coupon.pk}-{i}") for i in range(users)]
    jobs = [shoppers[i % users] for i in range(attempts)]

    def attempt(i):
        from shop.core import clock

        return claim(user=jobs[i], coupon_id=coupon.pk, now=clock.now())

    results, errors = run_concurrently(attempt, attempts)
    unexpected = [e for e in errors if e is not None and not isinstance(e, ClaimRefused)]
    assert not unexpected, unexpected[:3]
    refusals = Counter(e.code for e in errors if isinstance(e, ClaimRefused))
    return [r for r in results if r is not None], refusals


def _assert_consistent(coupon, granted, *, limit):
    coupon.refresh_from_db()
    rows = ClaimedCoupon.objects.filter(coupon=coupon)
    assert coupon.claimed == rows.count() == len(granted)
    assert rows.values("code").distinct().count() == len(granted)
    per_user = rows.values("user").annotate(n=Count("id"))
    assert max(row["n"] for row in per_user) <= limit
    holdings = dict(CouponHolding.objects.filter(coupon=coupon, count__gt=0).values_list("user", "count"))
    assert holdings == {row["user"]: row["n"] for row in per_user}


def test_concurrent_claims_respect_quantity_and_limit(run_concurrently, make_user, make_coupon):
    coupon = make_coupon(quantity=5)
    granted, refusals = _race(run_concurrently, make_user, coupon, users=8, attempts=16)
    _assert_consistent(coupon, granted, limit=1)
    assert len(granted) == 5
    assert set(refusals) <= {"limit", "sold_out"}


def test_concurrent_claims_of_one_shopper_stop_at_the_limit(run_concurrently, make_user, make_coupon):
    coupon = make_coupon(quantity=50, per_user_limit=3)
    granted, refusals = _race(run_concurrently, make_user, coupon, users=1, attempts=10)
    _assert_consistent(coupon, granted, limit=3)
    assert len(granted) == 3 and refusals == {"limit": 7}


@pytest.mark.postgres
def test_flash_claim_200_threads_quantity_50(run_concurrently, make_user, make_coupon):
    coupon = make_coupon(quantity=50)
    granted, refusals = _race(run_concurrently, make_user, coupon, users=150, attempts=200)
    _assert_consistent(coupon, granted, limit=1)
    assert len(granted) == 50 == coupon.claimed
    assert sum(refusals.values()) == 150


@pytest.mark.postgres
def test_flash_claim_with_a_limit_of_two_under_load(run_concurrently, make_user, make_coupon):
    coupon = make_coupon(quantity=60, per_user_limit=2)
    granted, _ = _race(run_concurrently, make_user, coupon, users=40, attempts=160)  # each shopper tries 4 times
    _assert_consistent(coupon, granted, limit=2)
    assert len(granted) == 60
