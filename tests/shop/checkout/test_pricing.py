"""SPEC §3 pricing rules 1–7: examples for every rule and edge, then invariants (hypothesis)."""

import json
from dataclasses import FrozenInstanceError
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.checkout.pricing import CouponTerms, LineInput, allocate, discount, quote

FLAT20 = CouponTerms("flat", D("20"), ref="c-flat")
OVER100 = CouponTerms("threshold", D("30"), min_spend=D("100"), ref="c-over")
PAY79 = CouponTerms("percent", off_percent=79, ref="c-79")


def line(ref, price, coupon=None):
    return LineInput(ref, D(price), coupon)


# Rule 1 and 3: lines start at their price; the subtotal is their sum.


def test_quote_without_coupons_or_balance_is_the_sum_of_prices():
    q = quote([line("a", "100.00"), line("b", "50.00")])
    assert (q.original_total, q.subtotal, q.amount_after_coupons, q.payable) == (D("150.00"),) * 4
    assert q.line_discount_total == q.global_discount == q.balance_used == 0
    assert not q.balance_clamped and q.notices == () and q.applied_coupons == ()


def test_quote_keeps_line_order_and_refs():
    q = quote([line("z", "1"), line("a", "2"), line("m", "3")])
    assert [lq.ref for lq in q.lines] == ["z", "a", "m"]


# Rule 2: line coupons.


def test_flat_line_coupon_takes_its_value_off():
    q = quote([line("a", "100.00", FLAT20)])
    assert q.lines[0].line_discount == D("20.00") and q.lines[0].discounted == D("80.00")
    assert q.lines[0].coupon_ref == "c-flat" and q.applied_coupons == ("c-flat",)


def test_flat_coupon_larger_than_price_makes_the_line_free_without_cash_back():
    q = quote([line("a", "100.00", FLAT20), line("b", "15.00", FLAT20)])
    assert [lq.line_discount for lq in q.lines] == [D("20.00"), D("15.00")]
    assert q.lines[1].discounted == 0 and q.subtotal == D("80.00")


def test_threshold_coupon_applies_when_price_exactly_meets_minimum():
    q = quote([line("a", "100.00", OVER100)])
    assert q.payable == D("70.00") and q.notices == () and q.applied_coupons == ("c-over",)


def test_threshold_coupon_one_cent_below_minimum_does_not_apply_and_says_so():
    q = quote([line("a", "99.99", OVER100)])
    assert q.payable == D("99.99") and q.lines[0].line_discount == 0
    assert q.notices == ("line:a:threshold",)
    assert q.lines[0].coupon_ref is None and q.applied_coupons == ()


def test_threshold_coupon_worth_more_than_price_is_capped():
    q = quote([line("a", "50.00", CouponTerms("threshold", D("80"), min_spend=D("10")))])
    assert q.lines[0].line_discount == D("50.00") and q.payable == 0


def test_percent_coupon_rounds_half_up_to_cents():
    # 33.33 × 79 % = 26.3307 → 26.33, so the discount is 7.00
    q = quote([line("a", "33.33", PAY79)])
    assert q.lines[0].line_discount == D("7.00") and q.payable == D("26.33")
    # 0.50 × 79 % = 0.395 → 0.40 (half-up, not banker's 0.40/0.39)
    assert quote([line("a", "0.50", PAY79)]).payable == D("0.40")
    # 0.10 × 15 % = 0.015 → 0.02
    assert quote([line("a", "0.10", CouponTerms("percent", off_percent=15))]).payable == D("0.02")


def test_percent_coupon_on_a_free_line_gives_nothing():
    q = quote([line("a", "0.00", PAY79)])
    assert q.lines[0].line_discount == 0 and q.payable == 0


# Rule 4: the global coupon.


def test_global_threshold_compares_the_subtotal_after_line_coupons():
    q = quote([line("a", "110.00", FLAT20)], global_coupon=OVER100)
    assert q.subtotal == D("90.00") and q.global_discount == 0
    assert q.notices == ("global:threshold",) and not q.global_coupon_applied
    q = quote([line("a", "120.00", FLAT20)], global_coupon=OVER100)
    assert q.global_discount == D("30.00") and q.payable == D("70.00") and q.global_coupon_applied
    assert q.applied_coupons == ("c-flat", "c-over")


def test_global_threshold_exactly_met_and_one_cent_below():
    assert quote([line("a", "60.00"), line("b", "40.00")], global_coupon=OVER100).global_discount == D("30.00")
    q = quote([line("a", "60.00"), line("b", "39.99")], global_coupon=OVER100)
    assert q.global_discount == 0 and q.notices == ("global:threshold",)


def test_global_percent_coupon_rounds_on_the_subtotal():
    q = quote([line("a", "20.00"), line("b", "13.33")], global_coupon=PAY79)
    assert q.amount_after_coupons == D("26.33") and q.global_discount == D("7.00")


def test_global_coupon_never_takes_the_amount_below_zero():
    q = quote([line("a", "10.00")], global_coupon=CouponTerms("flat", D("50")))
    assert q.global_discount == D("10.00") and q.amount_after_coupons == 0 and q.payable == 0


def test_notices_for_a_line_and_the_global_coupon_together():
    q = quote([line("a", "50.00", OVER100), line("b", "20.00")], global_coupon=OVER100)
    assert q.notices == ("line:a:threshold", "global:threshold")


# Rules 5 and 6: balance and payable.


def test_balance_within_limits_is_used_as_requested():
    q = quote([line("a", "80.00")], balance_available=D("50"), balance_requested=D("30"))
    assert q.balance_used == D("30.00") and q.payable == D("50.00") and not q.balance_clamped


def test_balance_larger_than_amount_is_clamped_to_the_amount_left():
    q = quote([line("a", "80.00")], balance_available=D("500"), balance_requested=D("100"))
    assert q.balance_used == D("80.00") and q.payable == 0 and q.balance_clamped


def test_balance_request_above_wallet_is_clamped_to_the_wallet():
    q = quote([line("a", "80.00")], balance_available=D("30"), balance_requested=D("50"))
    assert q.balance_used == D("30.00") and q.payable == D("50.00") and q.balance_clamped


def test_balance_request_exactly_at_the_limit_is_not_clamped():
    q = quote([line("a", "80.00")], balance_available=D("80.00"), balance_requested=D("80.00"))
    assert q.balance_used == D("80.00") and q.payable == 0 and not q.balance_clamped


def test_balance_request_is_rounded_half_up_to_cents_first():
    q = quote([line("a", "80.00")], balance_available=D("100"), balance_requested=D("10.005"))
    assert q.balance_used == D("10.01") and not q.balance_clamped


def test_balance_requested_on_a_free_order_is_clamped_to_zero():
    q = quote([line("a", "10.00", FLAT20)], balance_available=D("10"), balance_requested=D("10"))
    assert q.balance_used == 0 and q.payable == 0 and q.balance_clamped


def test_all_lines_free_gives_zero_everything_after_coupons():
    q = quote([line("a", "10.00", FLAT20), line("b", "5.00", FLAT20)], global_coupon=FLAT20)
    assert q.subtotal == 0 and q.global_discount == 0 and q.payable == 0
    assert all(lq.global_share == lq.final == lq.balance_share == lq.paid == 0 for lq in q.lines)


# Rule 7: allocation back to lines.


def test_global_discount_is_allocated_in_proportion_with_cents_on_the_last_line():
    q = quote([line(str(i), "33.33") for i in range(3)], global_coupon=CouponTerms("flat", D("10")))
    assert [lq.global_share for lq in q.lines] == [D("3.33"), D("3.33"), D("3.34")]
    assert sum(lq.final for lq in q.lines) == q.amount_after_coupons == D("89.99")


def test_balance_is_allocated_over_what_lines_cost_after_the_global_discount():
    q = quote([line("a", "75.00"), line("b", "25.00")], global_coupon=CouponTerms("flat", D("20")),
              balance_available=D("40"), balance_requested=D("40"))
    assert [lq.global_share for lq in q.lines] == [D("15.00"), D("5.00")]
    assert [lq.final for lq in q.lines] == [D("60.00"), D("20.00")]
    assert [lq.balance_share for lq in q.lines] == [D("30.00"), D("10.00")]
    assert [lq.paid for lq in q.lines] == [D("30.00"), D("10.00")] and q.payable == D("40.00")


def test_allocation_skips_free_lines_even_when_they_come_last():
    q = quote([line("a", "30.00"), line("b", "10.00", FLAT20)], global_coupon=CouponTerms("flat", D("5")),
              balance_available=D("100"), balance_requested=D("25"))
    assert q.lines[1].global_share == q.lines[1].balance_share == q.lines[1].final == 0
    assert (q.lines[0].global_share, q.lines[0].balance_share, q.lines[0].paid) == (D("5.00"), D("25.00"), 0)


def test_line_quote_fields_tie_together():
    q = quote([line("a", "33.33", PAY79), line("b", "70.00")], global_coupon=FLAT20,
              balance_available=D("9.99"), balance_requested=D("9.99"))
    for lq in q.lines:
        assert lq.discounted == lq.original - lq.line_discount
        assert lq.final == lq.discounted - lq.global_share
        assert lq.paid == lq.final - lq.balance_share
    assert sum(lq.paid for lq in q.lines) == q.payable


def test_allocate_never_exceeds_weights_and_handles_zero_weights():
    assert allocate(D("0.02"), [D("0.01"), D("0.00"), D("0.01")]) == [D("0.01"), D("0.00"), D("0.01")]
    assert allocate(D("5"), [D("0"), D("0")]) == [D("0.00"), D("0.00")]
    assert allocate(D("0.00"), [D("1"), D("2")]) == [D("0.00"), D("0.00")]
    # 0.03 over four equal weights of 0.01: rounding gives the first three a cent each
    assert allocate(D("0.03"), [D("0.01")] * 4) == [D("0.01"), D("0.01"), D("0.01"), D("0.00")]
    # rounding would push the last share over its weight: the excess moves to earlier lines
    assert allocate(D("1.01"), [D("1.00"), D("0.01")]) == [D("1.00"), D("0.01")]
    assert sum(allocate(D("0.05"), [D("0.01")] * 5 + [D("0.00")])) == D("0.05")


def test_allocate_refuses_more_than_the_weights():
    with pytest.raises(ValueError):
        allocate(D("2.00"), [D("1.00"), D("0.50")])


# Refusals and plumbing.


def test_empty_cart_is_refused():
    with pytest.raises(ValueError):
        quote([])


def test_negative_balance_request_is_refused():
    with pytest.raises(ValueError, match="balance_requested"):
        quote([line("a", "1")], balance_requested=D("-1"))
    with pytest.raises(ValueError):
        quote([line("a", "1")], balance_available=D("-0.01"))


@pytest.mark.parametrize("terms", [
    CouponTerms("percent", off_percent=100), CouponTerms("percent", off_percent=0),
    CouponTerms("percent", off_percent=None), CouponTerms("threshold", D("5")),
    CouponTerms("flat", D("-1")), CouponTerms("bogo", D("1")),
])
def test_malformed_coupon_terms_are_refused(terms):
    with pytest.raises(ValueError):
        quote([line("a", "10", terms)])
    with pytest.raises(ValueError):
        quote([line("a", "10")], global_coupon=terms)


def test_bad_amounts_are_refused():
    with pytest.raises(ValueError):
        quote([line("a", "-1.00")])
    with pytest.raises(ValueError):
        quote([LineInput("a", D("NaN"))])
    with pytest.raises(TypeError):
        quote([LineInput("a", 9.99)])
    with pytest.raises(ValueError):
        quote([line("a", "1"), line("a", "2")])  # duplicate refs


def test_inputs_are_rounded_to_cents_and_ints_accepted():
    q = quote([LineInput("a", D("10.005")), LineInput("b", 5)])
    assert [lq.original for lq in q.lines] == [D("10.01"), D("5.00")] and q.payable == D("15.01")


def test_discount_helper_reports_notice_without_discount():
    assert discount(D("99.99"), OVER100) == (D("0.00"), "threshold")
    assert discount(D("10.00"), FLAT20) == (D("10.00"), None)


def test_quote_is_frozen_and_as_dict_is_json_ready():
    q = quote([line("a", "33.33", PAY79)], global_coupon=OVER100, balance_available=D("5"),
              balance_requested=D("9"))
    with pytest.raises(FrozenInstanceError):
        q.payable = D("0")
    data = json.loads(json.dumps(q.as_dict()))
    assert data["payable"] == "21.33" and data["balance_clamped"] is True
    assert data["lines"][0]["original"] == "33.33" and data["notices"] == ["global:threshold"]


# Invariants.

money = st.decimals(min_value=D("0"), max_value=D("5000"), places=2, allow_nan=False, allow_infinity=False)
small_money = st.decimals(min_value=D("0"), max_value=D("1"), places=2)  # cents-level rounding edges
coupons = st.one_of(
    st.none(),
    st.builds(lambda v: CouponTerms("flat", v, ref="f"),
              st.decimals(min_value=D("0.01"), max_value=D("300"), places=2)),
    st.builds(lambda v, m: CouponTerms("threshold", v, min_spend=m, ref="t"),
              st.decimals(min_value=D("0.01"), max_value=D("200"), places=2),
              st.decimals(min_value=D("0"), max_value=D("700"), places=2)),
    st.builds(lambda p: CouponTerms("percent", off_percent=p, ref="p"), st.integers(min_value=1, max_value=99)),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prices=st.lists(st.tuples(st.one_of(money, small_money), coupons), min_size=1, max_size=8),
       global_coupon=coupons, available=money, requested=st.one_of(money, small_money))
def test_quote_invariants(prices, global_coupon, available, requested):
    q = quote([LineInput(str(i), p, c) for i, (p, c) in enumerate(prices)], global_coupon=global_coupon,
              balance_available=available, balance_requested=requested)
    assert q.payable >= 0
    assert 0 <= q.balance_used <= available and q.balance_used <= requested
    assert q.balance_clamped == (q.balance_used < requested)
    assert q.original_total - q.line_discount_total - q.global_discount - q.balance_used == q.payable
    assert q.subtotal == q.original_total - q.line_discount_total
    assert q.amount_after_coupons == q.subtotal - q.global_discount
    assert sum(lq.final for lq in q.lines) == q.amount_after_coupons
    assert sum(lq.global_share for lq in q.lines) == q.global_discount
    assert sum(lq.balance_share for lq in q.lines) == q.balance_used
    assert sum(lq.paid for lq in q.lines) == q.payable
    for lq in q.lines:
        assert lq.discounted == lq.original - lq.line_discount >= 0
        assert lq.global_share >= 0 and lq.balance_share >= 0 and lq.paid >= 0
        assert lq.global_share + lq.balance_share <= lq.discounted
        for amount in (lq.line_discount, lq.global_share, lq.balance_share, lq.final, lq.paid):
            assert amount == amount.quantize(D("0.01"))


@settings(max_examples=150, deadline=None)
@given(total_cents=st.integers(min_value=0, max_value=10**6),
       weights=st.lists(st.one_of(money, small_money), min_size=1, max_size=10))
def test_allocate_invariants(total_cents, weights):
    weight_sum = sum(weights, D("0"))
    total = min(D(total_cents) / 100, weight_sum)
    shares = allocate(total, weights)
    assert sum(shares, D("0")) == total
    assert all(D("0") <= s <= w for s, w in zip(shares, weights, strict=True))
