"""Pricing a 50-line cart with line coupons, a global coupon and balance (µs per quote),
against building the same 50 inputs and summing their prices."""

import timeit
from decimal import Decimal

from shop.checkout.pricing import CouponTerms, LineInput, quote

N = 2000


def _lines():
    coupon = CouponTerms("percent", off_percent=85)
    return [LineInput(str(i), Decimal("99.90") + i, coupon if i % 3 == 0 else None) for i in range(50)]


def run():
    global_coupon = CouponTerms("threshold", Decimal("30"), min_spend=Decimal("200"))
    lines = _lines()
    per_quote = min(timeit.repeat(
        lambda: quote(lines, global_coupon=global_coupon, balance_available=Decimal("500"),
                      balance_requested=Decimal("123.45")), number=N, repeat=3)) / N * 1e6
    baseline = min(timeit.repeat(lambda: sum((line.price for line in _lines()), Decimal(0)), number=N, repeat=3)) / N * 1e6
    yield ("pricing: 50-line quote", per_quote, "µs", baseline, "µs", per_quote / baseline)
