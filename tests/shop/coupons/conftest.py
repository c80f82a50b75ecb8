from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def form_data(clock):
    """``form_data(**overrides)``: a valid backoffice coupon form (flat ¥10, claim opens in an
    hour, valid 7 days after claiming), in local time as the browser sends it."""

    def data(**overrides):
        now = timezone.localtime(clock.now())
        values = {"name": "Spring", "kind": "flat", "value": "10", "scope": "global", "quantity": "5",
                  "per_user_limit": "1", "claim_opens_at": _local(now + timedelta(hours=1)),
                  "claim_closes_at": _local(now + timedelta(days=1)), "validity": "days", "valid_days": "7"}
        values.update(overrides)
        return values

    return data


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def local():
    return _local


@pytest.fixture
def client(csrf_client):
    """Every request in these tests is checked for CSRF, as in production."""
    return csrf_client
