"""Price options are bounded (form, ``product_save`` and a CheckConstraint): before, a policy of
``days=3000000`` was accepted and paying for it crashed computing the end of access."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.catalog.models import MAX_DAYS, PricePolicy, Product
from shop.catalog.services import PolicyInput, ProductInput, product_save
from shop.core.errors import DomainError


def _product_post(**overrides):
    data = {"title": "New course", "slug": "", "summary": "s", "body": "b", "kind": "regular", "status": "online",
            "policies-TOTAL_FORMS": "1", "policies-INITIAL_FORMS": "0", "policies-MIN_NUM_FORMS": "0",
            "policies-MAX_NUM_FORMS": "1000", "policies-0-label": "1 month", "policies-0-price": "99.00",
            "policies-0-days": "30", "policies-0-position": "0", "policies-0-is_active": "on"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("field, value, words", [
    ("days", "3000000", "at most 3650 days"),
    ("days", "99999999999", ""),
    ("price", "9999999999.99", "at most ¥1,000,000.00"),
    ("price", "1000000.01", "at most ¥1,000,000.00"),
    ("position", "40000", "from 0 to 999"),
])
def test_backoffice_form_refuses_out_of_bounds_policies(operator_client, field, value, words):
    response = operator_client.post(reverse("backoffice:catalog:new"), _product_post(**{f"policies-0-{field}": value}))
    assert response.status_code == 200
    errors = response.context["policies"].forms[0].errors
    assert field in errors and words in " ".join(errors[field])
    assert not Product.objects.exists()


def test_longest_access_is_accepted(operator_client):
    response = operator_client.post(reverse("backoffice:catalog:new"),
                                    _product_post(**{"policies-0-days": str(MAX_DAYS), "policies-0-price": "1000000"}))
    assert response.status_code == 302
    assert PricePolicy.objects.get().days == MAX_DAYS


@pytest.mark.parametrize("row, code", [
    (PolicyInput(label="x", price=Decimal("10"), days=3_000_000), "policy_days"),
    (PolicyInput(label="x", price=Decimal("2000000"), days=30), "policy_price"),
    (PolicyInput(label="x", price=Decimal("10"), days=30, position=5000), "policy_position"),
])
def test_service_refuses_out_of_bounds_policies(operator, row, code):
    with pytest.raises(DomainError) as refused:
        product_save(actor=operator, data=ProductInput(title="T", policies=[row]))
    assert refused.value.code == code


@pytest.mark.parametrize("change", [{"days": 3_000_000}, {"price": Decimal("1000000.01")}, {"position": 1000}])
def test_database_refuses_out_of_bounds_policies(make_product, change):
    policy = make_product().policies.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PricePolicy.objects.filter(pk=policy.pk).update(**change)
