"""The price of a settlement — one pure function (SPEC §3 "Pricing rules", rules 1–7).

No ORM, no Django, no I/O: ``Decimal`` in, frozen dataclasses out. The settlement page and the
pay step call the same :func:`quote`, so they cannot disagree.

The steps, and where rounding (half-up to cents) happens:

0. Inputs: prices, coupon values, minimum spends and balances are amounts; ``int`` and
   ``Decimal`` are accepted, ``float``/NaN/infinity are refused (``TypeError``/``ValueError``)
   and every amount is rounded to cents once, here.
1. Each line starts at its price.
2. A line coupon gives a discount (flat: ``value``; threshold: ``value`` only when
   ``price ≥ min_spend``; percent: ``price − cents(price × off_percent / 100)`` — *rounded here*,
   the only step that can produce sub-cent values). The discount is capped at the price, so a
   line never goes below 0 (no cash back).
3. ``subtotal`` = sum of the discounted lines (exact).
4. The global coupon applies to ``subtotal`` with the same rules (*rounded the same way*);
   a threshold compares against the subtotal after line coupons; capped at the subtotal.
5. Balance: ``balance_used = min(cents(balance_requested), balance_available, amount left)``.
   A request above that is clamped and reported (``balance_clamped``); a negative request is a
   ``ValueError``.
6. ``payable = amount_after_coupons − balance_used`` (exact).
7. Allocation for refunds (*each share rounded, the cents reconciled on the last line that has
   something to take*): the global discount is split over the lines in proportion to their
   discounted price; the balance in proportion to what each line costs after that
   (``final``), which is the same proportion up to cents and guarantees ``paid ≥ 0``.

Per line: ``discounted = original − line_discount``; ``final = discounted − global_share`` (what
the line really cost, money + balance — the amount to give back if the line is refunded);
``paid = final − balance_share`` (its part of the payable). All of them are ≥ 0 and
``Σ final = amount_after_coupons``, ``Σ paid = payable``.

Notices (``Quote.notices``) are machine codes for coupons that do not apply; views turn them
into words: ``"line:<line ref>:threshold"`` (a line coupon below its minimum spend) and
``"global:threshold"``. A coupon that does not apply gives no discount and its ref is absent
from ``Quote.applied_coupons``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

FLAT, THRESHOLD, PERCENT = "flat", "threshold", "percent"
KINDS = (FLAT, THRESHOLD, PERCENT)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(value, what: str) -> Decimal:
    """An input amount as cents (step 0). Refuses floats, NaN, infinities and negatives."""
    if type(value) is Decimal:
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    else:
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{what} is not a finite amount: {value!r}")
    if amount < 0:
        raise ValueError(f"{what} must not be negative: {value!r}")
    try:
        return _cents(amount)
    except InvalidOperation as exc:  # more digits than the context can hold
        raise ValueError(f"{what} is too large: {value!r}") from exc


@dataclass(frozen=True)
class CouponTerms:
    """What a coupon does, as plain data.

    ``kind`` is ``"flat"`` (``value`` off), ``"threshold"`` (``value`` off when the amount is at
    least ``min_spend``) or ``"percent"`` (the shopper pays ``off_percent`` %, 1–99: 79 → pays
    79 %). ``ref`` identifies the claimed coupon (it comes back in ``Quote.applied_coupons``);
    ``name`` is for display only.
    """

    kind: str
    value: Decimal = ZERO
    off_percent: int | None = None
    min_spend: Decimal | None = None
    ref: str = ""
    name: str = ""


@dataclass(frozen=True)
class LineInput:
    """One line to price: ``ref`` identifies it (unique within a quote), ``price`` is its price
    policy's price, ``coupon`` the optional product-bound coupon chosen for it."""

    ref: str
    price: Decimal
    coupon: CouponTerms | None = None


@dataclass(frozen=True)
class LineQuote:
    ref: str
    original: Decimal  # the price
    line_discount: Decimal  # what the line coupon took off (0 when none or not applicable)
    discounted: Decimal  # original − line_discount
    global_share: Decimal  # this line's part of the global discount
    final: Decimal  # discounted − global_share: what the line cost (money + balance)
    balance_share: Decimal  # this line's part of the balance used
    paid: Decimal  # final − balance_share: this line's part of the payable
    coupon_ref: str | None = None  # ref of the line coupon that applied, None otherwise


@dataclass(frozen=True)
class Quote:
    lines: tuple[LineQuote, ...]
    original_total: Decimal
    line_discount_total: Decimal
    subtotal: Decimal  # original_total − line_discount_total
    global_discount: Decimal
    amount_after_coupons: Decimal  # subtotal − global_discount
    balance_used: Decimal
    payable: Decimal  # amount_after_coupons − balance_used
    balance_clamped: bool  # the requested balance was more than could be used
    notices: tuple[str, ...]  # coupons that do not apply (see the module docstring)
    applied_coupons: tuple[str, ...] = ()  # refs of the coupons that gave a discount (lines, then global)
    global_coupon_applied: bool = False

    def as_dict(self) -> dict:
        """A JSON-ready view for logs: amounts as strings, lines as dicts."""

        def plain(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, tuple):
                return [plain(v) for v in value]
            if isinstance(value, LineQuote):
                return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
            return value

        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}


def discount(amount: Decimal, coupon: CouponTerms) -> tuple[Decimal, str | None]:
    """The discount ``coupon`` gives on ``amount`` (cents, never more than ``amount``), and a
    notice code when it does not apply. Malformed terms are a ``ValueError``."""
    if coupon.kind not in KINDS:
        raise ValueError(f"unknown coupon kind {coupon.kind!r}")
    if coupon.kind == PERCENT:
        percent = coupon.off_percent
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 < percent < 100:
            raise ValueError(f"a percent coupon needs off_percent from 1 to 99, not {percent!r}")
        return amount - _cents(amount * percent / HUNDRED), None
    off = _amount(coupon.value, "coupon value")
    if coupon.kind == THRESHOLD:
        if coupon.min_spend is None:
            raise ValueError("a threshold coupon needs min_spend")
        if amount < _amount(coupon.min_spend, "min_spend"):
            return ZERO, THRESHOLD
    return min(off, amount), None


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in proportion, each share rounded half-up to cents and the
    cents reconciled on the last positive weight.

    Guarantees (for cent amounts, ``0 ≤ total ≤ sum(weights)``): the shares sum to ``total``,
    every share is ``≥ 0`` and ``≤`` its weight, zero weights get zero. If rounding would push the
    last share over its weight the excess goes to the nearest earlier lines with room.
    """
    shares = [ZERO] * len(weights)
    weight_sum = sum(weights, ZERO)
    if total == 0 or weight_sum == 0:
        return shares
    if total < 0 or total > weight_sum:
        raise ValueError(f"cannot allocate {total} over {weight_sum}")
    positive = [i for i, w in enumerate(weights) if w > 0]
    remaining = total
    for i in positive[:-1]:
        share = min(_cents(total * weights[i] / weight_sum), weights[i], remaining)
        shares[i] = share
        remaining -= share
    last = positive[-1]
    shares[last] = remaining
    excess = shares[last] - weights[last]
    if excess > 0:
        shares[last] = weights[last]
        for i in reversed(positive[:-1]):
            take = min(weights[i] - shares[i], excess)
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
    """Price ``lines`` with their coupons, the optional global coupon and the balance the shopper
    asked to use (SPEC §3 rules 1–7; the steps and rounding are in the module docstring).

    Raises ``ValueError`` for an empty list, duplicate line refs, negative amounts (including a
    negative ``balance_requested``) and malformed coupon terms; ``TypeError`` for floats.
    """
    if not lines:
        raise ValueError("nothing to price")
    refs = [line.ref for line in lines]
    if len(set(refs)) != len(refs):
        raise ValueError("line refs must be unique")
    available = _amount(balance_available, "balance_available")
    requested = _amount(balance_requested, "balance_requested")

    notices: list[str] = []
    applied: list[str] = []
    originals: list[Decimal] = []
    line_discounts: list[Decimal] = []
    coupon_refs: list[str | None] = []
    for line in lines:
        price = _amount(line.price, f"price of line {line.ref!r}")
        off, coupon_ref = ZERO, None
        if line.coupon is not None:
            off, notice = discount(price, line.coupon)
            if notice:
                notices.append(f"line:{line.ref}:{notice}")
            else:
                coupon_ref = line.coupon.ref
                applied.append(coupon_ref)
        originals.append(price)
        line_discounts.append(off)
        coupon_refs.append(coupon_ref)
    discounted = [o - d for o, d in zip(originals, line_discounts, strict=True)]
    subtotal = sum(discounted, ZERO)

    global_off, global_applied = ZERO, False
    if global_coupon is not None:
        global_off, notice = discount(subtotal, global_coupon)
        if notice:
            notices.append(f"global:{notice}")
        else:
            global_applied = True
            applied.append(global_coupon.ref)
    after_coupons = subtotal - global_off

    usable = min(available, after_coupons)
    balance_used = min(requested, usable)
    payable = after_coupons - balance_used

    global_shares = allocate(global_off, discounted)
    finals = [d - g for d, g in zip(discounted, global_shares, strict=True)]
    balance_shares = allocate(balance_used, finals)
    line_quotes = tuple(
        LineQuote(ref=line.ref, original=o, line_discount=ld, discounted=d, global_share=g, final=f,
                  balance_share=b, paid=f - b, coupon_ref=c)
        for line, o, ld, d, g, f, b, c in zip(lines, originals, line_discounts, discounted, global_shares, finals,
                                               balance_shares, coupon_refs, strict=True)
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
        balance_clamped=requested > usable,
        notices=tuple(notices),
        applied_coupons=tuple(applied),
        global_coupon_applied=global_applied,
    )
