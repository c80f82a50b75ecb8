from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from shop.core import fragments, sql

from .models import ClaimedCoupon, ClaimedStatus, Coupon, CouponHolding, CouponScope


class CentreCoupons:
    """Coupons whose claim has opened (claiming first, then ended), for a ``Paginator``: the
    count and each page (with its courses) read with written-out SELECTs (``shop.core.sql``) —
    the coupon centre is where a flash sale's crowd waits."""

    ordered = True  # (for the paginator's check)

    def __init__(self, now: datetime):
        self.now = now

    def _where(self):
        return "is_deleted = %s AND claim_opens_at <= %s", [False, self.now]

    def count(self) -> int:
        where, params = self._where()
        return sql.execute(f"SELECT COUNT(*) FROM {sql.table(Coupon)} WHERE {where}", params)[1][0]

    def __getitem__(self, page: slice) -> list[Coupon]:
        where, params = self._where()
        coupons = sql.select(Coupon, where, params, order_by="claim_closes_at DESC, id DESC",
                             limit=page.stop - page.start, offset=page.start)
        sql.load_related(coupons, "product")
        return coupons


def centre_coupons(now: datetime) -> CentreCoupons:
    return CentreCoupons(now)


def centre_key(request, page, cards) -> str | None:
    """The coupon centre's cached content (:mod:`shop.core.fragments`), addressed by what it
    shows: each card's coupon (definition, claimed count, state by the clock, the shopper's
    holding, its course), the page and the shopper. None for a browser without a CSRF secret
    (each card's claim form carries a token)."""
    secret = fragments.csrf_secret(request)
    if secret is None:
        return None
    shown = [(c["coupon"].pk, c["coupon"].updated_at, c["coupon"].claimed, c["state"], c["held"],
              c["coupon"].product.updated_at if c["coupon"].product_id else None) for c in cards]
    return fragments.key("coupon-centre", request.user.pk, secret, page.number, page.paginator.num_pages, shown)


def holdings_of(user, coupon_ids) -> dict[int, int]:
    if not user.is_authenticated:
        return {}
    held = sql.select_in(CouponHolding, "coupon_id", coupon_ids, where="user_id = %s", params=[user.pk])
    return {holding.coupon_id: holding.count for holding in held}


TABS = (ClaimedStatus.UNUSED, ClaimedStatus.USED, ClaimedStatus.EXPIRED)


def my_coupons(user, tab: str, now: datetime):
    """One tab of "My coupons", by the clock: unused soonest-to-expire first, the others newest first."""
    ordering = {ClaimedStatus.UNUSED: ("valid_until", "id"), ClaimedStatus.USED: ("-used_at", "-id")}
    return (
        ClaimedCoupon.objects.filter(user=user).in_tab(tab, now)
        .select_related("coupon__product").order_by(*ordering.get(tab, ("-valid_until", "-id")))
    )


def usable_of(user, now: datetime):
    """This shopper's coupons that can be used at this instant (read against the clock)."""
    return ClaimedCoupon.objects.usable_for(user, now).select_related("coupon").order_by("valid_until", "id")


def usable_claimed(user, claimed_id, *, now: datetime, lock: bool = False) -> ClaimedCoupon | None:
    coupons = usable_of(user, now)
    if lock:
        coupons = coupons.select_for_update(of=("self",))
    return coupons.filter(pk=claimed_id).first()


def checkout_options(user, product_ids, now: datetime):
    """(per product id → usable product coupons, usable global coupons)."""
    per_product: dict[int, list[ClaimedCoupon]] = {}
    global_coupons = []
    for claimed in usable_of(user, now).filter(
        Q(coupon__scope=CouponScope.GLOBAL) | Q(coupon__scope=CouponScope.PRODUCT, coupon__product_id__in=product_ids)
    ):
        if claimed.coupon.scope == CouponScope.GLOBAL:
            global_coupons.append(claimed)
        else:
            per_product.setdefault(claimed.coupon.product_id, []).append(claimed)
    return per_product, global_coupons
