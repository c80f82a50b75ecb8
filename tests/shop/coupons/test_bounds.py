"""Coupon definitions are bounded (forms, ``coupon_save`` and a CheckConstraint): before,
``valid_days=3000000`` was accepted and every later claim crashed computing the end of validity."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.coupons import rules
from shop.coupons.models import ClaimedCoupon, Coupon
from shop.coupons.services import InvalidCoupon, coupon_save
from tests.conftest import CsrfClient

NEW = reverse("backoffice:coupons:new")


@pytest.mark.parametrize("overrides, field, words", [
    ({"valid_days": "3000000"}, "valid_days", "at most 3650 days"),
    ({"valid_days": "3651"}, "valid_days", "at most 3650 days"),
    ({"per_user_limit": "1001"}, "per_user_limit", "from 1 to 1,000"),
    ({"quantity": "1000001"}, "quantity", "from 1 to 1,000,000"),
    ({"quantity": "99999999999"}, "quantity", ""),
    ({"value": "1000000.01"}, "value", "at most ¥1,000,000.00"),
    ({"kind": "threshold", "value": "10", "min_spend": "9999999999.99"}, "min_spend", "at most ¥1,000,000.00"),
    ({"claim_closes_at": "9999-12-31T23:59"}, "claim_closes_at", "before the year 2100"),
    ({"validity": "fixed", "valid_days": "", "valid_from": "2030-01-01T00:00", "valid_until": "9999-12-31T00:00"},
     "valid_until", "before the year 2100"),
])
def test_backoffice_form_refuses_out_of_bounds_values_with_words(operator_client, form_data, overrides, field,
                                                                 words):
    response = operator_client.post(NEW, form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and words in " ".join(form.errors[field])
    assert not Coupon.objects.exists()


def test_longest_validity_is_accepted_and_claims_work(operator_client, form_data, user, clock):
    response = operator_client.post(NEW, form_data(valid_days=str(rules.MAX_VALID_DAYS), per_user_limit="1000",
                                                   quantity="1000000"))
    assert response.status_code == 302
    coupon = Coupon.objects.get()
    clock.advance(timedelta(hours=2))
    shopper_client = CsrfClient()
    shopper_client.force_login(user)
    assert shopper_client.post(reverse("coupons:claim", args=[coupon.pk])).status_code in (200, 302)
    claimed = ClaimedCoupon.objects.get(user=user)
    assert claimed.valid_until - claimed.valid_from == timedelta(days=rules.MAX_VALID_DAYS)


def test_service_refuses_a_definition_out_of_bounds(make_coupon, operator, clock):
    coupon = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), status="not_started")
    coupon.valid_days = 3_000_000
    with pytest.raises(InvalidCoupon) as refused:
        coupon_save(coupon=coupon, actor=operator, now=clock.now())
    assert "valid_days" in refused.value.errors


@pytest.mark.parametrize("change", [{"valid_days": 3_000_000}, {"per_user_limit": 5000}, {"quantity": 2_000_000},
                                    {"value": "2000000"}, {"claim_closes_at": datetime(2100, 1, 1, tzinfo=UTC)}])
def test_database_refuses_a_definition_out_of_bounds(make_coupon, change):
    coupon = make_coupon()
    Coupon.objects.filter(pk=coupon.pk).update(claim_closes_at=datetime(2099, 12, 31, 23, 59, tzinfo=UTC))  # fits
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(**change)
