"""Claims, use and release, expiry, and the operator's writes."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.core.errors import DomainError
from shop.core.models import AuditLog
from shop.coupons.models import ClaimedCoupon, Coupon, CouponHolding
from shop.coupons.services import (
    ClaimRefused,
    claim,
    coupon_delete,
    coupon_save,
    expire_due,
    mark_used,
    release,
)


# --- claim ---------------------------------------------------------------------------------------
def test_claim_gives_a_unique_code_and_its_own_validity(user, other_user, make_coupon, clock):
    coupon = make_coupon(valid_days=7)
    start = clock.now()
    mine = claim(user=user, coupon_id=coupon.pk, now=start)
    clock.advance(timedelta(hours=1))
    theirs = claim(user=other_user, coupon_id=coupon.pk, now=clock.now())
    coupon.refresh_from_db()
    assert coupon.claimed == 2 and coupon.remaining == coupon.quantity - 2
    assert len(mine.code) == 12 and mine.code != theirs.code
    assert (mine.claimed_at, mine.valid_from, mine.valid_until) == (start, start, start + timedelta(days=7))
    assert theirs.valid_until - mine.valid_until == timedelta(hours=1)
    assert mine.status == "unused" and mine.order_ref == "" and mine.used_at is None


def test_fixed_date_coupons_carry_their_dates(user, make_coupon, clock):
    now = clock.now()
    coupon = make_coupon(valid_days=None, valid_from=now + timedelta(days=2), valid_until=now + timedelta(days=5))
    claimed = claim(user=user, coupon_id=coupon.pk, now=now)
    assert (claimed.valid_from, claimed.valid_until) == (coupon.valid_from, coupon.valid_until)


@pytest.mark.parametrize("fields, code, words", [
    ({"claim_opens_at_h": 1, "claim_closes_at_h": 2}, "not_started", "not started"),
    ({"claim_opens_at_h": -2, "claim_closes_at_h": 0}, "ended", "ended"),
])
def test_claim_outside_the_window_is_refused(user, make_coupon, clock, fields, code, words):
    now = clock.now()
    coupon = make_coupon(claim_opens_at=now + timedelta(hours=fields["claim_opens_at_h"]),
                         claim_closes_at=now + timedelta(hours=fields["claim_closes_at_h"]), status="claiming")
    with pytest.raises(ClaimRefused, match=words) as refused:
        claim(user=user, coupon_id=coupon.pk, now=now)
    assert refused.value.code == code
    coupon.refresh_from_db()
    assert coupon.claimed == 0


def test_claim_obeys_the_clock_even_if_the_stored_status_lags(user, make_coupon, clock):
    coupon = make_coupon(claim_opens_at=clock.now() - timedelta(minutes=1), status="not_started")
    assert claim(user=user, coupon_id=coupon.pk, now=clock.now())


def test_second_claim_and_sold_out_are_refused(user, other_user, make_coupon, clock):
    single = make_coupon(quantity=1)
    claim(user=user, coupon_id=single.pk, now=clock.now())
    with pytest.raises(ClaimRefused, match="already claimed") as again:
        claim(user=user, coupon_id=single.pk, now=clock.now())
    with pytest.raises(ClaimRefused, match="None left") as gone:
        claim(user=other_user, coupon_id=single.pk, now=clock.now())
    assert (again.value.code, gone.value.code) == ("limit", "sold_out")
    single.refresh_from_db()
    assert single.claimed == 1
    assert not CouponHolding.objects.filter(user=other_user, coupon=single, count__gt=0).exists()


def test_per_user_limit_above_one(user, make_coupon, clock):
    coupon = make_coupon(per_user_limit=2)
    claim(user=user, coupon_id=coupon.pk, now=clock.now())
    claim(user=user, coupon_id=coupon.pk, now=clock.now())
    with pytest.raises(ClaimRefused, match="already claimed"):
        claim(user=user, coupon_id=coupon.pk, now=clock.now())
    assert CouponHolding.objects.get(user=user, coupon=coupon).count == 2
    assert ClaimedCoupon.objects.filter(user=user, coupon=coupon).count() == 2


def test_deleted_or_unknown_coupon_cannot_be_claimed(user, operator, make_coupon, clock):
    coupon = make_coupon()
    coupon_delete(coupon_id=coupon.pk, actor=operator, now=clock.now())
    for coupon_id in (coupon.pk, 999_999):
        with pytest.raises(ClaimRefused, match="does not exist"):
            claim(user=user, coupon_id=coupon_id, now=clock.now())


def test_coupon_whose_fixed_validity_is_over_cannot_be_claimed(user, make_coupon, clock):
    now = clock.now()
    coupon = make_coupon(valid_days=None, valid_from=now - timedelta(days=3), valid_until=now - timedelta(days=1))
    with pytest.raises(ClaimRefused, match="ended"):
        claim(user=user, coupon_id=coupon.pk, now=now)


def test_a_refused_claim_leaves_nothing_behind(user, make_coupon, clock):
    """The quantity UPDATE fails after the holding was counted: the holding rolls back too."""
    coupon = make_coupon(quantity=1)
    Coupon.objects.filter(pk=coupon.pk).update(claimed=1)  # taken between the early read and the UPDATE
    from shop.coupons.services import _claim

    with pytest.raises(ClaimRefused, match="None left"):
        _claim(user=user, coupon=coupon, now=clock.now())
    assert not CouponHolding.objects.filter(count__gt=0).exists()
    assert not ClaimedCoupon.objects.exists()


# --- use and release (checkout) ------------------------------------------------------------------
def test_mark_used_links_the_order_and_refuses_a_second_use(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon())
    mark_used([claimed.pk], order_ref="order:A", now=clock.now())
    claimed.refresh_from_db()
    assert (claimed.status, claimed.order_ref, claimed.order_number, claimed.used_at) == (
        "used", "order:A", "A", clock.now())
    with pytest.raises(DomainError) as refused:
        mark_used([claimed.pk], order_ref="order:B", now=clock.now())
    assert refused.value.code == "coupon_used"
    claimed.refresh_from_db()
    assert claimed.order_ref == "order:A"


def test_mark_used_is_all_or_nothing(user, make_coupon, give_coupon, clock):
    good = give_coupon(user, make_coupon())
    expired = give_coupon(user, make_coupon(valid_days=1))
    with pytest.raises(DomainError):
        mark_used([good.pk, expired.pk], order_ref="order:C", now=clock.now() + timedelta(days=1, hours=1))
    good.refresh_from_db()
    assert good.status == "unused" and good.order_ref == ""


def test_mark_used_refuses_not_yet_valid_and_other_shoppers_coupons(user, other_user, make_coupon, give_coupon,
                                                                    clock):
    now = clock.now()
    early = give_coupon(user, make_coupon(valid_days=None, valid_from=now + timedelta(days=1),
                                          valid_until=now + timedelta(days=2)))
    with pytest.raises(DomainError):
        mark_used([early.pk], order_ref="order:D", now=now)
    theirs = give_coupon(other_user, make_coupon())
    with pytest.raises(DomainError):
        mark_used([theirs.pk], order_ref="order:D", now=now, user=user)
    mark_used([], order_ref="order:D", now=now)  # nothing to use: nothing to refuse


def test_release_gives_back_or_expires(user, make_coupon, give_coupon, clock):
    short = give_coupon(user, make_coupon(valid_days=1))
    long = give_coupon(user, make_coupon(valid_days=10))
    never_used = give_coupon(user, make_coupon(valid_days=10))
    mark_used([short.pk, long.pk], order_ref="order:E", now=clock.now())
    release([short.pk, long.pk, never_used.pk], now=clock.now() + timedelta(days=2))
    for claimed in (short, long, never_used):
        claimed.refresh_from_db()
    assert (short.status, short.order_ref, short.used_at) == ("expired", "", None)
    assert (long.status, long.order_ref, long.used_at) == ("unused", "", None)
    assert never_used.status == "unused"
    release([long.pk], now=clock.now())  # again: nothing changes
    long.refresh_from_db()
    assert long.status == "unused"


# --- expiry --------------------------------------------------------------------------------------
def test_expired_coupons_are_never_usable_even_before_the_sweeper(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon(valid_days=1))
    clock.advance(timedelta(days=1))
    claimed.refresh_from_db()
    assert claimed.status == "unused" and not claimed.is_usable(clock.now())
    with pytest.raises(DomainError):
        mark_used([claimed.pk], order_ref="order:X", now=clock.now())
    assert expire_due(now=clock.now()) == 1
    assert expire_due(now=clock.now()) == 0
    claimed.refresh_from_db()
    assert claimed.status == "expired"


def test_used_coupons_do_not_expire(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon(valid_days=1))
    mark_used([claimed.pk], order_ref="order:F", now=clock.now())
    assert expire_due(now=clock.now() + timedelta(days=3)) == 0


# --- operators -----------------------------------------------------------------------------------
def _new_coupon(clock, **fields):
    now = clock.now()
    values = {"name": "Autumn", "kind": "flat", "value": Decimal("15"), "quantity": 10,
              "claim_opens_at": now + timedelta(hours=1), "claim_closes_at": now + timedelta(days=1), "valid_days": 5}
    values.update(fields)
    return Coupon(**values)


def test_create_and_edit_are_audited(operator, clock):
    coupon = coupon_save(coupon=_new_coupon(clock), actor=operator, now=clock.now())
    assert coupon.status == "not_started"
    coupon.value = Decimal("25")
    coupon_save(coupon=coupon, actor=operator, now=clock.now())
    created, updated = AuditLog.objects.filter(target_id=str(coupon.pk)).order_by("pk")
    assert (created.action, created.actor, created.before) == ("coupon.create", operator, None)
    assert updated.action == "coupon.update"
    assert (updated.before["value"], updated.after["value"]) == ("15.00", "25")


def test_a_coupon_created_already_open_stores_claiming(operator, clock):
    coupon = coupon_save(coupon=_new_coupon(clock, claim_opens_at=clock.now() - timedelta(minutes=1)),
                         actor=operator, now=clock.now())
    assert coupon.status == "claiming"


def test_edit_is_refused_once_claiming_started_or_deleted(operator, clock):
    coupon = coupon_save(coupon=_new_coupon(clock), actor=operator, now=clock.now())
    clock.advance(timedelta(hours=1))
    coupon.name = "Changed"
    with pytest.raises(DomainError, match="no longer be edited") as refused:
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    assert refused.value.code == "locked"
    fresh = coupon_save(coupon=_new_coupon(clock), actor=operator, now=clock.now())
    coupon_delete(coupon_id=fresh.pk, actor=operator, now=clock.now())
    with pytest.raises(DomainError, match="no longer be edited"):
        coupon_save(coupon=fresh, actor=operator, now=clock.now())
    assert Coupon.objects.get(pk=coupon.pk).name == "Autumn"


def test_delete_is_soft_audited_and_keeps_claims(operator, user, make_coupon, give_coupon, clock):
    coupon = make_coupon()
    claimed = give_coupon(user, coupon)
    coupon_delete(coupon_id=coupon.pk, actor=operator, now=clock.now())
    coupon.refresh_from_db()
    assert coupon.is_deleted and coupon.deleted_at == clock.now()
    assert ClaimedCoupon.objects.get(pk=claimed.pk).is_usable(clock.now())
    assert AuditLog.objects.filter(action="coupon.delete", target_id=str(coupon.pk), actor=operator).exists()
    with pytest.raises(Coupon.DoesNotExist):
        coupon_delete(coupon_id=coupon.pk, actor=operator, now=clock.now())
