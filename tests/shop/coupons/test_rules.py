"""Every rule of a coupon definition (SPEC §4): the form's messages, the service's refusal, and
the table's CheckConstraints behind them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shop.coupons import rules
from shop.coupons.forms import CouponForm
from shop.coupons.models import Coupon
from shop.coupons.services import InvalidCoupon, coupon_save


@pytest.mark.parametrize("overrides, field, message", [
    ({"value": "0"}, "value", "Enter a value greater than zero."),
    ({"value": "-3"}, "value", "Enter a value greater than zero."),
    ({"value": ""}, "value", "Enter a value greater than zero."),
    ({"kind": "threshold", "value": "0", "min_spend": "100"}, "value", "Enter a value greater than zero."),
    ({"kind": "threshold", "value": "30", "min_spend": ""}, "min_spend", "needs a minimum spend"),
    ({"kind": "threshold", "value": "30", "min_spend": "30"}, "min_spend", "must be greater than the value"),
    ({"kind": "threshold", "value": "30", "min_spend": "20"}, "min_spend", "must be greater than the value"),
    ({"kind": "percent", "off_percent": ""}, "off_percent", "from 1 to 99"),
    ({"kind": "percent", "off_percent": "0"}, "off_percent", "from 1 to 99"),
    ({"kind": "percent", "off_percent": "100"}, "off_percent", "from 1 to 99"),
    ({"kind": ""}, "kind", "required"),
    ({"scope": "product"}, "product", "Choose the course"),
    ({"scope": "session"}, "auction_session", "Choose the auction session"),
    ({"validity": "days", "valid_days": "0"}, "valid_days", "greater than zero"),
    ({"validity": "days", "valid_days": ""}, "valid_days", "greater than zero"),
    ({"validity": ""}, "validity", "required"),
    ({"validity": "fixed"}, "valid_from", "can first be used"),
    ({"validity": "fixed", "valid_from": "2026-12-01T00:00"}, "valid_until", "stops being valid"),
    ({"validity": "fixed", "valid_from": "2026-12-10T00:00", "valid_until": "2026-12-01T00:00"}, "valid_until",
     "must be after its start"),
    ({"validity": "fixed", "valid_from": "2026-12-10T00:00", "valid_until": "2026-12-10T00:00"}, "valid_until",
     "must be after its start"),
    ({"quantity": "0"}, "quantity", ""),
    ({"quantity": ""}, "quantity", "required"),
    ({"per_user_limit": "0"}, "per_user_limit", ""),
    ({"claim_opens_at": ""}, "claim_opens_at", "required"),
    ({"name": ""}, "name", "required"),
])
def test_form_refuses_each_invalid_definition_with_a_message(db, form_data, overrides, field, message):
    form = CouponForm(form_data(**overrides))
    assert not form.is_valid()
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])


def test_form_refuses_claim_close_before_open(db, clock, form_data, local):
    form = CouponForm(form_data(claim_closes_at=local(clock.now() - timedelta(days=1))))
    assert not form.is_valid()
    assert form.errors["claim_closes_at"] == ["Claiming must close after it opens."]


def test_form_accepts_claim_close_equal_to_open(db, clock, form_data, local):
    moment = local(clock.now() + timedelta(hours=2))
    assert CouponForm(form_data(claim_opens_at=moment, claim_closes_at=moment)).is_valid()


@pytest.mark.parametrize("overrides", [
    {"kind": "flat", "value": "0.01"},
    {"kind": "threshold", "value": "30", "min_spend": "30.01"},
    {"kind": "percent", "off_percent": "1", "value": ""},
    {"kind": "percent", "off_percent": "99"},
    {"validity": "fixed", "valid_from": "2026-12-01T00:00", "valid_until": "2026-12-01T00:01", "valid_days": ""},
])
def test_form_accepts_the_edges_of_each_rule(db, form_data, overrides):
    form = CouponForm(form_data(**overrides))
    assert form.is_valid(), form.errors


def test_form_clears_fields_the_choice_does_not_use(db, form_data, make_product):
    product = make_product()
    form = CouponForm(form_data(kind="percent", off_percent="79", value="12", min_spend="50", scope="global",
                                product=str(product.pk), validity="days", valid_days="5",
                                valid_from="2026-12-01T00:00", valid_until="2026-12-05T00:00"))
    assert form.is_valid(), form.errors
    coupon = form.save(commit=False)
    assert (coupon.value, coupon.min_spend, coupon.product, coupon.valid_from, coupon.valid_until) == (
        Decimal("0"), None, None, None, None)
    flat = CouponForm(form_data(off_percent="50", validity="fixed", valid_days="3",
                                valid_from="2026-12-01T00:00", valid_until="2026-12-05T00:00"))
    assert flat.is_valid(), flat.errors
    assert flat.cleaned_data["off_percent"] is None and flat.cleaned_data["valid_days"] is None


def test_product_coupon_keeps_its_product(db, form_data, make_product):
    product = make_product()
    form = CouponForm(form_data(scope="product", product=str(product.pk)))
    assert form.is_valid(), form.errors
    assert form.save(commit=False).product == product


def test_rules_are_plain_functions():
    assert rules.definition_errors({"kind": "percent", "off_percent": 79, "scope": "global", "validity": "days",
                                    "valid_days": 3}) == {}
    assert set(rules.definition_errors({"kind": "threshold", "value": Decimal("5"), "min_spend": Decimal("5"),
                                        "scope": "session", "validity": "days", "valid_days": 0})) == {
        "min_spend", "auction_session", "validity", "valid_days"}


def test_service_refuses_an_invalid_definition_built_in_code(operator, clock):
    coupon = Coupon(name="Bad", kind="threshold", value=Decimal("50"), min_spend=Decimal("40"), quantity=5,
                    claim_opens_at=clock.now(), claim_closes_at=clock.now() + timedelta(days=1), valid_days=3)
    with pytest.raises(InvalidCoupon) as refused:
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    assert set(refused.value.errors) == {"min_spend"}
    assert not Coupon.objects.exists()


@pytest.mark.parametrize("fields", [
    {"kind": "flat", "value": Decimal("0")},
    {"kind": "threshold", "value": Decimal("30"), "min_spend": Decimal("30")},
    {"kind": "threshold", "value": Decimal("30"), "min_spend": None},
    {"kind": "percent", "value": Decimal("0"), "off_percent": 100},
    {"kind": "percent", "value": Decimal("0"), "off_percent": None},
    {"scope": "product", "product": None},
    {"valid_days": 0},
    {"valid_days": None, "valid_from": None, "valid_until": None},
    {"quantity": 0},
    {"per_user_limit": 0},
    {"claimed": 6, "quantity": 5},
])
def test_database_refuses_what_the_rules_refuse(db, clock, fields):
    now = clock.now()
    values = {"name": "x", "kind": "flat", "value": Decimal("10"), "scope": "global", "quantity": 5,
              "claim_opens_at": now, "claim_closes_at": now + timedelta(days=1), "valid_days": 3, **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.create(**values)


def test_database_refuses_fixed_validity_that_ends_before_it_starts(db, clock):
    now = clock.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.create(name="x", kind="flat", value=Decimal("10"), quantity=5, claim_opens_at=now,
                              claim_closes_at=now, valid_from=now, valid_until=now)
