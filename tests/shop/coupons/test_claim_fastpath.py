"""The flash-claim fast path: refusals are answered from cache hints without a query (and the
database path refuses without a write); a hint is written only from committed state and can
never refuse a claim that the database would grant."""

from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shop.coupons import claim_hints, services
from shop.coupons.models import ClaimedCoupon, Coupon
from shop.coupons.services import ClaimRefused, claim, coupon_delete

# Hints are written after commit: the tests commit, as requests do.
pytestmark = pytest.mark.django_db(transaction=True)


def _refusal(user, coupon, clock) -> str:
    with pytest.raises(ClaimRefused) as refused:
        claim(user=user, coupon_id=coupon.pk, now=clock.now())
    return refused.value.code


def _writes(queries) -> list[str]:
    reads = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(reads)]


def test_refusals_after_a_sell_out_need_no_query(make_user, make_coupon, clock, django_assert_num_queries):
    coupon = make_coupon(quantity=1)
    winner, late, later = make_user("winner"), make_user("late"), make_user("later")
    claim(user=winner, coupon_id=coupon.pk, now=clock.now())
    with CaptureQueriesContext(connection) as first:
        assert _refusal(late, coupon, clock) == "sold_out"  # learns it from the database: reads only
    assert first.captured_queries and not _writes(first.captured_queries)
    with django_assert_num_queries(0):
        assert _refusal(later, coupon, clock) == "sold_out"
        assert _refusal(late, coupon, clock) == "sold_out"
    claim_hints.clear_local()  # another process: one cache read, still no query
    with django_assert_num_queries(0):
        assert _refusal(later, coupon, clock) == "sold_out"


def test_a_shopper_at_the_limit_is_refused_without_a_query(user, make_coupon, clock, django_assert_num_queries):
    coupon = make_coupon(quantity=10)
    claim(user=user, coupon_id=coupon.pk, now=clock.now())
    with CaptureQueriesContext(connection) as first:
        assert _refusal(user, coupon, clock) == "limit"
    assert not _writes(first.captured_queries)
    with django_assert_num_queries(0):
        assert _refusal(user, coupon, clock) == "limit"


def test_an_ended_window_is_remembered(user, make_coupon, clock, django_assert_num_queries):
    coupon = make_coupon(claim_closes_at=clock.now() + timedelta(minutes=1))
    clock.advance(timedelta(minutes=2))
    assert _refusal(user, coupon, clock) == "ended"
    with django_assert_num_queries(0):
        assert _refusal(user, coupon, clock) == "ended"


def test_the_database_path_refuses_without_a_write(user, make_coupon, clock):
    """No hints at all (a cold cache): every refusal is one read."""
    cases = {
        "not_started": make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), status="not_started"),
        "ended": make_coupon(claim_closes_at=clock.now() - timedelta(minutes=1), status="ended"),
        "sold_out": make_coupon(quantity=1, claimed=1),
    }
    for code, coupon in cases.items():
        cache.clear()
        claim_hints.clear_local()
        with CaptureQueriesContext(connection) as queries:
            assert _refusal(user, coupon, clock) == code
        assert len(queries.captured_queries) == 1 and not _writes(queries.captured_queries), code


def test_no_hint_from_a_rolled_back_transaction(make_user, make_coupon, clock):
    """A refusal seen inside a transaction that rolls back (here: the last coupon was taken in
    it) leaves no hint: once it rolled back, the next shopper gets the coupon."""
    coupon = make_coupon(quantity=1)
    first, second = make_user("first"), make_user("second")
    with pytest.raises(RuntimeError), transaction.atomic():
        claim(user=first, coupon_id=coupon.pk, now=clock.now())
        assert _refusal(second, coupon, clock) == "sold_out"
        raise RuntimeError("the outer work failed")
    assert cache.get(claim_hints.coupon_key(coupon.pk)) is None
    assert claim(user=second, coupon_id=coupon.pk, now=clock.now())


def test_a_stale_sold_out_hint_never_refuses_a_claim_that_should_succeed(make_user, make_coupon, clock, operator):
    """A hint left from an earlier state (another coupon with this id, an operator's raise of
    the quantity) is dropped when the definition is saved: the claim then succeeds."""
    from shop.coupons.services import coupon_save

    coupon = make_coupon(quantity=1)
    winner, next_shopper = make_user("winner"), make_user("next")
    claim(user=winner, coupon_id=coupon.pk, now=clock.now())
    assert _refusal(next_shopper, coupon, clock) == "sold_out"
    # An operator raises the quantity (through the service, the only writer of definitions;
    # the date check is moved aside so that the edit is allowed).
    Coupon.objects.filter(pk=coupon.pk).update(claim_opens_at=clock.now() + timedelta(minutes=5))
    coupon.refresh_from_db()
    coupon.quantity = 2
    coupon_save(coupon=coupon, actor=operator, now=clock.now())
    clock.advance(timedelta(minutes=6))
    assert claim(user=next_shopper, coupon_id=coupon.pk, now=clock.now())


def test_a_holder_hint_under_another_limit_refuses_nothing(user, make_coupon, clock):
    coupon = make_coupon(quantity=10, per_user_limit=2)
    claim(user=user, coupon_id=coupon.pk, now=clock.now())
    # A hint that says "holds the limit of 1", next to the coupon's hint of a limit of 2.
    cache.set(claim_hints.holder_key(coupon.pk, user.pk), 1)
    cache.set(claim_hints.coupon_key(coupon.pk), claim_hints.CouponHint(
        opens_at=coupon.claim_opens_at, closes_at=coupon.claim_closes_at, valid_until=None, quantity=10,
        per_user_limit=2, sold_out=False))
    assert claim(user=user, coupon_id=coupon.pk, now=clock.now())
    assert _refusal(user, coupon, clock) == "limit"


def test_a_deleted_coupon_forgets_its_hint(user, other_user, operator, make_coupon, clock):
    coupon = make_coupon(quantity=1)
    claim(user=other_user, coupon_id=coupon.pk, now=clock.now())
    assert _refusal(user, coupon, clock) == "sold_out"
    coupon_delete(coupon_id=coupon.pk, actor=operator, now=clock.now())
    assert _refusal(user, coupon, clock) == "missing"


def test_a_failing_cache_never_fails_a_claim(user, make_coupon, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set", broken)
    coupon = make_coupon(quantity=1)
    assert claim(user=user, coupon_id=coupon.pk, now=clock.now())
    assert _refusal(user, coupon, clock) == "limit"


def test_refusal_messages_follow_the_language(user, make_coupon, clock):
    from django.utils import translation

    coupon = make_coupon(quantity=1, claimed=1)
    with translation.override("en"):
        with pytest.raises(ClaimRefused, match="None left"):
            claim(user=user, coupon_id=coupon.pk, now=clock.now())
    with translation.override("zh-hans"), pytest.raises(ClaimRefused) as refused:
        claim(user=user, coupon_id=coupon.pk, now=clock.now())
    assert "None left" not in refused.value.message


@pytest.mark.parametrize("queue", [True, False], ids=["process-queue", "database-only"])
def test_a_race_with_hints_keeps_both_limits(run_concurrently, make_user, make_coupon, monkeypatch, queue):
    """Hints and the SQLite queue only save work: with the queue off, the database alone keeps
    the quantity and the per-shopper limit while hints are being written (SQLite and PostgreSQL)."""
    if not queue:
        monkeypatch.setattr(services.writer, "queue", lambda name: nullcontext())
    coupon = make_coupon(quantity=8, per_user_limit=2)
    shoppers = [make_user(f"hint-racer-{i}") for i in range(6)]

    def attempt(i):
        from shop.core import clock

        return claim(user=shoppers[i % len(shoppers)], coupon_id=coupon.pk, now=clock.now())

    results, errors = run_concurrently(attempt, 36)
    assert all(e is None or isinstance(e, ClaimRefused) for e in errors), [e for e in errors if e][:3]
    granted = [r for r in results if r is not None]
    coupon.refresh_from_db()
    assert len(granted) == coupon.claimed == ClaimedCoupon.objects.filter(coupon=coupon).count() == 8
    per_shopper = {s.pk: ClaimedCoupon.objects.filter(coupon=coupon, user=s).count() for s in shoppers}
    assert max(per_shopper.values()) <= 2
