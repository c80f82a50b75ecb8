from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.checkout.pricing import CouponTerms, LineInput, allocate, quote

FLAT20 = CouponTerms("flat", D("20"))
OVER100 = CouponTerms("threshold", D("30"), min_spend=D("100"))
PAY79 = CouponTerms("percent", off_percent=79)


def test_no_coupons_no_balance():
    q = quote([LineInput("a", D("100.00")), LineInput("b", D("50.00"))])
    assert (q.original_total, q.subtotal, q.payable) == (D("150.00"), D("150.00"), D("150.00"))


def test_flat_line_coupon_and_coupon_larger_than_price():
    q = quote([LineInput("a", D("100.00"), FLAT20), LineInput("b", D("15.00"), FLAT20)])
    assert [line.line_discount for line in q.lines] == [D("20.00"), D("15.00")]
    assert q.subtotal == D("80.00")  # the 15.00 line is free, no cash back


def test_threshold_exactly_met_and_one_cent_below():
    assert quote([LineInput("a", D("100.00"), OVER100)]).payable == D("70.00")
    q = quote([LineInput("a", D("99.99"), OVER100)])
    assert q.payable == D("99.99") and q.notices == ("line:a:threshold",)


def test_percent_rounds_half_up():
    # 33.33 × 79% = 26.3307 → 26.33; discount 7.00
    q = quote([LineInput("a", D("33.33"), PAY79)])
    assert q.lines[0].line_discount == D("7.00") and q.payable == D("26.33")
    # 0.50 × 79% = 0.395 → 0.40
    assert quote([LineInput("a", D("0.50"), PAY79)]).payable == D("0.40")


def test_global_threshold_compares_subtotal_after_line_coupons():
    lines = [LineInput("a", D("110.00"), FLAT20)]
    q = quote(lines, global_coupon=OVER100)
    assert q.subtotal == D("90.00") and q.global_discount == 0 and q.notices == ("global:threshold",)
    q = quote([LineInput("a", D("120.00"), FLAT20)], global_coupon=OVER100)
    assert q.global_discount == D("30.00") and q.payable == D("70.00")


def test_global_coupon_never_below_zero():
    q = quote([LineInput("a", D("10.00"))], global_coupon=CouponTerms("flat", D("50")))
    assert q.global_discount == D("10.00") and q.payable == 0


def test_balance_is_clamped_to_what_is_left_and_available():
    q = quote([LineInput("a", D("80.00"))], balance_available=D("500"), balance_requested=D("100"))
    assert q.balance_used == D("80.00") and q.payable == 0 and q.balance_clamped
    q = quote([LineInput("a", D("80.00"))], balance_available=D("30"), balance_requested=D("50"))
    assert q.balance_used == D("30.00") and q.payable == D("50.00") and q.balance_clamped


def test_zero_payable_and_all_free_lines():
    q = quote([LineInput("a", D("10.00"), FLAT20), LineInput("b", D("5.00"), FLAT20)],
              global_coupon=FLAT20, balance_available=D("10"), balance_requested=D("10"))
    assert q.payable == 0 and q.balance_used == 0 and all(line.paid == 0 for line in q.lines)


def test_allocation_reconciles_cents_on_last_line():
    q = quote([LineInput(str(i), D("33.33")) for i in range(3)], global_coupon=CouponTerms("flat", D("10")))
    assert [line.global_share for line in q.lines] == [D("3.33"), D("3.33"), D("3.34")]
    assert sum(line.final for line in q.lines) == q.amount_after_coupons


def test_refusals():
    with pytest.raises(ValueError):
        quote([])
    with pytest.raises(ValueError):
        quote([LineInput("a", D("1"))], balance_requested=D("-1"))
    with pytest.raises(ValueError):
        quote([LineInput("a", D("1"), CouponTerms("percent", off_percent=100))])


def test_allocate_never_exceeds_weights():
    assert allocate(D("0.02"), [D("0.01"), D("0.00"), D("0.01")]) == [D("0.01"), D("0.00"), D("0.01")]
    assert allocate(D("5"), [D("0"), D("0")]) == [D("0.00"), D("0.00")]


money = st.decimals(min_value=D("0"), max_value=D("5000"), places=2, allow_nan=False, allow_infinity=False)
coupons = st.one_of(
    st.none(),
    st.builds(lambda v: CouponTerms("flat", v), st.decimals(min_value=D("0.01"), max_value=D("300"), places=2)),
    st.builds(lambda v, m: CouponTerms("threshold", v, min_spend=v + m),
              st.decimals(min_value=D("0.01"), max_value=D("200"), places=2),
              st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)),
    st.builds(lambda p: CouponTerms("percent", off_percent=p), st.integers(min_value=1, max_value=99)),
)


@settings(max_examples=300, deadline=None)
@given(prices=st.lists(st.tuples(money, coupons), min_size=1, max_size=8), global_coupon=coupons,
       available=money, requested=money)
def test_quote_invariants(prices, global_coupon, available, requested):
    q = quote([LineInput(str(i), p, c) for i, (p, c) in enumerate(prices)], global_coupon=global_coupon,
              balance_available=available, balance_requested=requested)
    assert q.payable >= 0
    assert q.balance_used <= available and q.balance_used <= requested
    assert sum(line.final for line in q.lines) == q.amount_after_coupons
    assert sum(line.global_share for line in q.lines) == q.global_discount
    assert sum(line.balance_share for line in q.lines) == q.balance_used
    assert q.original_total - q.line_discount_total - q.global_discount - q.balance_used == q.payable
    for line in q.lines:
        assert line.global_share >= 0 and line.balance_share >= 0 and line.paid >= 0
        assert line.global_share <= line.discounted and line.balance_share <= line.final
        assert line.discounted == line.original - line.line_discount >= 0
