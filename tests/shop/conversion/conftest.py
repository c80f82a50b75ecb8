from datetime import timedelta
from decimal import Decimal

import pytest

from shop.conversion.models import SETTINGS_ID, ConversionSettings


@pytest.fixture
def client(csrf_client):
    """Every request in these tests is checked for CSRF, as in production."""
    return csrf_client


@pytest.fixture
def terms(db, clock):
    """``terms(**overrides)``: the settings row (window open a day either side of now, 1 gem =
    ¥0.10 less 5 %, at least 100 gems, ¥5,000 a month)."""

    def make(**overrides):
        now = clock.now()
        values = {"rate": Decimal("0.10"), "loss_percent": Decimal("5"), "min_gems": Decimal("100"),
                  "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=1),
                  "monthly_quota": Decimal("5000.00"), "updated_at": now}
        values.update(overrides)
        ConversionSettings.objects.update_or_create(pk=SETTINGS_ID, defaults=values)
        return ConversionSettings.objects.get(pk=SETTINGS_ID)

    return make


@pytest.fixture
def shopper(make_user, fund):
    """A verified shopper with 300 gems."""
    user = make_user("gemma", is_verified=True, email="gemma@example.com")
    fund(user, gem=300)
    return user
