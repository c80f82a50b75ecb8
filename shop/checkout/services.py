"""Settlement: price the selected cart lines with the shopper's choices (the same pure function
for the page and for paying), and place the order in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop.cart.models import CartLine
from shop.catalog.models import ProductStatus
from shop.core.errors import DomainError
from shop.core.money import ZERO
from shop.coupons import selectors as coupon_selectors
from shop.coupons.models import CouponScope
from shop.courses.services import COURSE
from shop.orders import services as order_services
from shop.orders.models import Order
from shop.wallet import selectors as wallet_selectors

from .pricing import LineInput, Quote, quote

log = logging.getLogger(__name__)


class PricesChanged(DomainError):
    def __init__(self):
        super().__init__(_("Prices changed — please review your order before paying."), code="prices_changed")


@dataclass(frozen=True)
class Choices:
    """What the shopper picked on the settlement page."""

    line_coupons: dict[int, int | None] = field(default_factory=dict)  # cart line id → claimed coupon id
    global_coupon: int | None = None
    balance: Decimal = ZERO


@dataclass
class Settlement:
    lines: list[CartLine]
    quote: Quote
    line_coupons: dict[int, object]  # cart line id → ClaimedCoupon
    global_coupon: object | None
    wallet_balance: Decimal
    notices: list[str] = field(default_factory=list)


def selected_lines(user, line_ids, *, lock: bool = False) -> list[CartLine]:
    """The shopper's own cart lines with these ids that can still be bought (refuses otherwise)."""
    ids = sorted({int(i) for i in line_ids})
    if not ids:
        raise DomainError(_("Choose at least one course to check out."), code="no_lines")
    lines = CartLine.objects.filter(cart__user=user, pk__in=ids).select_related("product", "policy").order_by("pk")
    if lock:  # the lines only (in pk order), not the products and policies everyone else is buying
        lines = lines.select_for_update(of=("self",))
    lines = list(lines)
    if len(lines) != len(ids):
        raise DomainError(_("Your cart changed — please review it."), code="lines_changed")
    for line in lines:
        if line.product.status != ProductStatus.ONLINE:
            raise DomainError(_("“%(title)s” is not on sale any more.") % {"title": line.product.title}, code="offline")
        if not line.policy.is_active or line.policy.product_id != line.product_id:
            raise DomainError(
                _("The price option of “%(title)s” is no longer available.") % {"title": line.product.title},
                code="policy_gone",
            )
    return lines


def _coupon(user, claimed_id, now, *, lock):
    coupon = coupon_selectors.usable_claimed(user, claimed_id, now=now, lock=lock)
    if coupon is None:
        raise DomainError(_("That coupon can't be used (used, expired or not yours)."), code="coupon_unusable")
    return coupon


def settle(user, line_ids, choices: Choices, *, now: datetime, lock: bool = False) -> Settlement:
    """Validate the choices against the database and price them. ``lock=True`` (inside the
    placing transaction) locks the coupons and re-reads everything."""
    lines = selected_lines(user, line_ids, lock=lock)
    if choices.balance < 0:
        raise DomainError(_("The balance to use can't be negative."), code="negative_balance")
    line_coupons = {}
    chosen_ids = []
    for line in lines:
        claimed_id = choices.line_coupons.get(line.pk)
        if claimed_id:
            coupon = _coupon(user, claimed_id, now, lock=lock)
            if coupon.coupon.scope != CouponScope.PRODUCT or coupon.coupon.product_id != line.product_id:
                raise DomainError(_("That coupon does not apply to “%(title)s”.") % {"title": line.product.title},
                                  code="coupon_wrong_product")
            line_coupons[line.pk] = coupon
            chosen_ids.append(coupon.pk)
    global_coupon = None
    if choices.global_coupon:
        global_coupon = _coupon(user, choices.global_coupon, now, lock=lock)
        if global_coupon.coupon.scope != CouponScope.GLOBAL:
            raise DomainError(_("That coupon can't be used for the whole order."), code="coupon_not_global")
        chosen_ids.append(global_coupon.pk)
    if len(chosen_ids) != len(set(chosen_ids)):
        raise DomainError(_("Each coupon can be used once."), code="coupon_twice")
    wallet_balance = wallet_selectors.current(user, "balance")
    result = quote(
        [
            LineInput(ref=str(line.pk), price=line.policy.price,
                      coupon=line_coupons[line.pk].pricing_terms() if line.pk in line_coupons else None)
            for line in lines
        ],
        global_coupon=global_coupon.pricing_terms() if global_coupon else None,
        balance_available=wallet_balance,
        balance_requested=choices.balance,
    )
    return Settlement(lines, result, line_coupons, global_coupon, wallet_balance,
                      notices=_notices(result, lines, line_coupons, global_coupon))


def _notices(result, lines, line_coupons, global_coupon) -> list[str]:
    """Human words for the pricing notices (a spend-and-save coupon below its minimum)."""
    titles = {str(line.pk): line.product.title for line in lines}
    messages = []
    for notice in result.notices:
        where, *rest = notice.split(":")
        if where == "line":
            coupon = line_coupons[int(rest[0])].coupon
            messages.append(_("“%(name)s” needs a price of at least %(min)s on “%(title)s”; it is not applied.") % {
                "name": coupon.name, "min": coupon.min_spend, "title": titles[rest[0]]})
        else:
            messages.append(_("“%(name)s” needs a subtotal of at least %(min)s; it is not applied.") % {
                "name": global_coupon.coupon.name, "min": global_coupon.coupon.min_spend})
    return messages


class AlreadyPlaced(DomainError):
    """This settlement form was already turned into an order (double click, replayed form)."""

    def __init__(self, order: Order):
        super().__init__(_("This order was already placed."), code="already_placed")
        self.order = order


def place_order(user, line_ids, choices: Choices, *, shown_payable: Decimal, now: datetime,
                idempotency_key: str | None = None) -> Order:
    """One transaction: lock the cart lines, re-validate, re-price, refuse if the payable differs
    from what the shopper saw, then open the order (lines, coupons used, balance debited).
    Payable 0 → paid at once.

    Placing is idempotent per settlement form: ``idempotency_key`` (a one-time token in the form)
    is unique per shopper, so a double click or a replayed form raises :class:`AlreadyPlaced` with
    the order the first one created — exactly one order and one debit."""
    key = (idempotency_key or "").strip()[:64] or None
    try:
        return _place(user, line_ids, choices, shown_payable=shown_payable, now=now, key=key)
    except IntegrityError:  # the same key committed by a concurrent request meanwhile
        existing = placed_order(user, key)
        if existing is None:
            raise
        raise AlreadyPlaced(existing) from None


def placed_order(user, key: str | None) -> Order | None:
    """The order already placed from the settlement form with this key, if any."""
    key = (key or "").strip()[:64]
    return Order.objects.filter(user=user, idempotency_key=key).first() if key else None


@transaction.atomic
def _place(user, line_ids, choices: Choices, *, shown_payable: Decimal, now: datetime, key: str | None) -> Order:
    try:
        # settle(lock=True) locks the chosen cart lines first: a concurrent placing of the same
        # lines waits there, then finds them gone — and the order placed under the same key.
        settlement = settle(user, line_ids, choices, now=now, lock=True)
    except DomainError:
        existing = placed_order(user, key)
        if existing is not None:
            raise AlreadyPlaced(existing) from None
        raise
    q = settlement.quote
    if q.payable != shown_payable:
        raise PricesChanged()
    spec = order_services.OrderSpec(
        kind=COURSE,
        lines=[
            order_services.LineSpec(
                title=line.product.title, product=line.product, policy=line.policy, policy_label=line.policy.label,
                days=0 if line.product.is_gift else line.policy.days, units=line.product.gift_units, coupon=settlement.line_coupons.get(line.pk), original=lq.original,
                line_discount=lq.line_discount, global_share=lq.global_share, balance_share=lq.balance_share,
                final=lq.final,
            )
            for line, lq in zip(settlement.lines, q.lines, strict=True)
        ],
        original_total=q.original_total, line_discount_total=q.line_discount_total, subtotal=q.subtotal,
        global_discount=q.global_discount, balance_used=q.balance_used, payable=q.payable,
        global_coupon=settlement.global_coupon, idempotency_key=key,
    )
    order = order_services.open_order(user=user, spec=spec, now=now)
    CartLine.objects.filter(pk__in=[line.pk for line in settlement.lines]).delete()
    return order
