"""The price of a settlement — one pure function (SPEC §3 rules 1–7).

No ORM, no I/O: Decimal in, frozen dataclasses out. The settlement page and the pay step call
the same function, so they cannot disagree. Rounding is half-up to cents after each coupon is
applied (a percent discount is the only step that produces sub-cent values) and for each
allocated share; every other step is exact on cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CouponTerms:
    kind: str  # "flat" | "threshold" | "percent"
    value: Decimal = ZERO  # flat and threshold: the amount off
    off_percent: int | None = None  # percent: what the shopper pays, 79 → pays 79 %
    min_spend: Decimal | None = None  # threshold: applies only when the amount ≥ min_spend
    ref: str = ""
    name: str = ""


@dataclass(frozen=True)
class LineInput:
    ref: str
    price: Decimal
    coupon: CouponTerms | None = None


@dataclass(frozen=True)
class LineQuote:
    ref: str
    original: Decimal
    line_discount: Decimal
    discounted: Decimal  # original − line discount
    global_share: Decimal  # this line's part of the global discount
    final: Decimal  # discounted − global share: what the line costs (money + balance)
    balance_share: Decimal  # this line's part of the balance used
    paid: Decimal  # final − balance share: this line's part of the payable


@dataclass(frozen=True)
class Quote:
    lines: tuple[LineQuote, ...]
    original_total: Decimal
    line_discount_total: Decimal
    subtotal: Decimal
    global_discount: Decimal
    amount_after_coupons: Decimal
    balance_used: Decimal
    payable: Decimal
    balance_clamped: bool
    notices: tuple[str, ...]


def discount(amount: Decimal, coupon: CouponTerms) -> tuple[Decimal, str | None]:
    """The discount ``coupon`` gives on ``amount`` (never more than the amount), and a notice
    when it does not apply."""
    if coupon.kind == "flat":
        off = coupon.value
    elif coupon.kind == "threshold":
        if coupon.min_spend is None or amount < coupon.min_spend:
            return ZERO, "threshold"
        off = coupon.value
    elif coupon.kind == "percent":
        if coupon.off_percent is None or not 0 < coupon.off_percent < 100:
            raise ValueError(f"bad off_percent {coupon.off_percent!r}")
        off = amount - _cents(amount * Decimal(coupon.off_percent) / 100)
    else:
        raise ValueError(f"unknown coupon kind {coupon.kind!r}")
    if off < 0:
        raise ValueError("a coupon can't add to the price")
    return min(_cents(off), amount), None


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over lines in proportion to ``weights``, cents reconciled on the last line
    with a positive weight; no share exceeds its weight when ``total ≤ sum(weights)``."""
    shares = [ZERO] * len(weights)
    weight_sum = sum(weights, ZERO)
    if total == 0 or weight_sum == 0:
        return shares
    positive = [i for i, w in enumerate(weights) if w > 0]
    remaining = total
    for i in positive[:-1]:
        share = min(_cents(total * weights[i] / weight_sum), weights[i], remaining)
        shares[i] = share
        remaining -= share
    last = positive[-1]
    shares[last] = remaining
    # If rounding pushed the last line over its weight, move the excess to earlier lines.
    excess = shares[last] - weights[last]
    if excess > 0:
        shares[last] = weights[last]
        for i in reversed(positive[:-1]):
            room = weights[i] - shares[i]
            take = min(room, excess)
            shares[i] += take
            excess -= take
            if excess == 0:
                break
    return shares


def quote(
    lines: Sequence[LineInput],
    *,
    global_coupon: CouponTerms | None = None,
    balance_available: Decimal = ZERO,
    balance_requested: Decimal = ZERO,
) -> Quote:
    if not lines:
        raise ValueError("nothing to price")
    if balance_requested < 0 or balance_available < 0:
        raise ValueError("balance must not be negative")
    notices: list[str] = []
    originals, line_discounts = [], []
    for line in lines:
        if line.price < 0:
            raise ValueError("price must not be negative")
        off = ZERO
        if line.coupon is not None:
            off, notice = discount(line.price, line.coupon)
            if notice:
                notices.append(f"line:{line.ref}:{notice}")
        originals.append(line.price)
        line_discounts.append(off)
    discounted = [o - d for o, d in zip(originals, line_discounts, strict=True)]
    subtotal = sum(discounted, ZERO)
    global_off = ZERO
    if global_coupon is not None:
        global_off, notice = discount(subtotal, global_coupon)
        if notice:
            notices.append(f"global:{notice}")
    after_coupons = subtotal - global_off
    usable = min(balance_available, after_coupons)
    balance_used = _cents(min(balance_requested, usable))
    clamped = balance_requested > usable
    payable = after_coupons - balance_used

    global_shares = allocate(global_off, discounted)
    finals = [d - g for d, g in zip(discounted, global_shares, strict=True)]
    balance_shares = allocate(balance_used, finals)
    line_quotes = tuple(
        LineQuote(
            ref=line.ref, original=o, line_discount=ld, discounted=d, global_share=g, final=f,
            balance_share=b, paid=f - b,
        )
        for line, o, ld, d, g, f, b in zip(
            lines, originals, line_discounts, discounted, global_shares, finals, balance_shares, strict=True
        )
    )
    return Quote(
        lines=line_quotes,
        original_total=sum(originals, ZERO),
        line_discount_total=sum(line_discounts, ZERO),
        subtotal=subtotal,
        global_discount=global_off,
        amount_after_coupons=after_coupons,
        balance_used=balance_used,
        payable=payable,
        balance_clamped=clamped,
        notices=tuple(notices),
    )
