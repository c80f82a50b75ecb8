from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Q

from shop.catalog.models import Product
from shop.core import fragments, sql
from shop.core.sessions import read_with_this_session

from .models import ClaimedCoupon, ClaimedStatus, Coupon, CouponHolding, CouponScope


class CentreCoupons:
    """Coupons whose claim has opened (claiming first, then ended), for a ``Paginator``: the
    count and each page (with its courses) read with written-out SELECTs (``shop.core.sql``) —
    the coupon centre is where a flash sale's crowd waits."""

    ordered = True  # (for the paginator's check)

    def __init__(self, now: datetime):
        self.now = now

    def where(self, alias: str = ""):
        """The SQL condition (``alias``: the table's alias with its dot) and its parameters."""
        return f"{alias}is_deleted = %s AND {alias}claim_opens_at <= %s", [False, self.now]

    def count(self) -> int:
        where, params = self.where()
        return sql.execute(f"SELECT COUNT(*) FROM {sql.table(Coupon)} WHERE {where}", params)[1][0]

    def __getitem__(self, page: slice) -> list[Coupon]:
        where, params = self.where()
        coupons = sql.select(Coupon, where, params, order_by="claim_closes_at DESC, id DESC",
                             limit=page.stop - page.start, offset=page.start)
        sql.load_related(coupons, "product")
        return coupons


def centre_coupons(now: datetime) -> CentreCoupons:
    return CentreCoupons(now)


CENTRE_PAGE_SIZE = 24


def centre_page_number(value) -> int:
    """The requested page as a number from 1 to 100,000 (junk reads as the first page, as
    ``get_page`` does; a page past the end is the last one)."""
    try:
        return min(max(1, int(value)), 100_000)
    except (TypeError, ValueError):
        return 1


def centre_key(request, now: datetime, number: int) -> tuple[str | None, int]:
    """The coupon centre's cached content (:mod:`shop.core.fragments`), addressed by what it shows,
    and the page number it shows (a page past the end shows the last one, as ``get_page`` does).

    What a card shows for that page (:func:`_centre_shown`) is read as one text: for a signed-in
    shopper with their session (:func:`shop.core.sessions.read_with_this_session`), so a page
    served from the cache makes no query of its own; otherwise by one SELECT. The coupons and
    their courses are read as models only when the content is rendered. None for a browser
    without a CSRF secret (each card's claim form carries a token)."""
    secret = fragments.csrf_secret(request)
    if secret is None:
        return None, number
    read_with_this_session(request, "centre_shown", _centre_shown, _centre_params(now, number))
    user_id = request.user.pk
    shown = getattr(request.user, "centre_shown", None)
    if shown is None:
        shown = _centre_shown_now(now, user_id, number)
    if not shown and number > 1:  # past the end: the last page
        number = max(1, -(-CentreCoupons(now).count() // CENTRE_PAGE_SIZE))
        shown = _centre_shown_now(now, user_id, number)

    def key(shown) -> str:
        return fragments.key("coupon-centre", user_id, secret, number, shown)

    return fragments.read_first(key(shown), lambda: key(_centre_shown_now(now, user_id, number))), number


def _centre_shown(user_id_column: str) -> str:
    """What a page of the coupon centre shows, as a scalar subquery on the shopper's row (SQL
    text; parameters :func:`_centre_params`): per coupon, in the page's order, the shopper's
    holding, its id, definition (``updated_at``), claimed count, whether its claim is still open by
    the clock, its course's ``updated_at``, and the number of opened coupons; ``''`` for none.
    Times stay text: they are only compared."""
    coupons, products, holdings = sql.table(Coupon), sql.table(Product), sql.table(CouponHolding)
    where, _params = CentreCoupons(None).where("c.")
    card = " || ':' || ".join((
        f"COALESCE((SELECT CAST(h.count AS TEXT) FROM {holdings} h WHERE h.coupon_id = c.id "
        f"AND h.user_id = {user_id_column}), '')",
        "CAST(c.id AS TEXT)", "CAST(c.updated_at AS TEXT)", "CAST(c.claimed AS TEXT)",
        "CASE WHEN c.claim_closes_at > %s THEN 'open' ELSE 'closed' END",
        "COALESCE(CAST(p.updated_at AS TEXT), '')", "CAST(COUNT(*) OVER () AS TEXT)"))
    page = (f"SELECT {card} AS card, c.claim_closes_at AS closes, c.id AS id FROM {coupons} c "
            f"LEFT JOIN {products} p ON p.id = c.product_id "
            f"WHERE {where} ORDER BY c.claim_closes_at DESC, c.id DESC LIMIT %s OFFSET %s")
    if connection.vendor == "postgresql":
        return f"(SELECT COALESCE(string_agg(card, ',' ORDER BY closes DESC, id DESC), '') FROM ({page}) cards)"
    return f"(SELECT COALESCE(group_concat(card, ','), '') FROM ({page}))"


def _centre_params(now: datetime, number: int) -> list:
    _where, params = CentreCoupons(now).where()
    return [now, *params, CENTRE_PAGE_SIZE, (number - 1) * CENTRE_PAGE_SIZE]


def _centre_shown_now(now: datetime, user_id: int | None, number: int) -> str:
    """:func:`_centre_shown` read by its own SELECT."""
    return sql.execute(f"SELECT {_centre_shown('%s')}", [user_id, *_centre_params(now, number)])[1][0]


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
