"""Junk in query strings and forms is never a 5xx on the conversion pages (the same junk as
tests/backoffice/test_junk_input.py)."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from shop.conversion.models import ConversionSettings
from tests.backoffice.test_junk_input import JUNK
from tests.conftest import CsrfClient

PAGES = ["/backoffice/campaigns/conversion/", "/me/wallet/convert/", "/me/wallet/convert/preview/"]
BAD_GEMS = ["99999999999999999999", "-1", "1e9", "nan", "inf", "0x10", "1,000", "１００", "x" * 5000, "1" * 300]


@pytest.fixture
def visitor(operator, clock):
    now = clock.now()
    ConversionSettings.objects.create(rate=Decimal("0.1"), loss_percent=Decimal("5"), min_gems=Decimal("100"),
                                      opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1),
                                      monthly_quota=Decimal("5000"), updated_at=now)
    client = CsrfClient(raise_request_exception=False)
    client.force_login(operator)
    return client


@pytest.mark.parametrize("junk", JUNK + [{"gems": value} for value in BAD_GEMS])
def test_conversion_pages_survive_junk_params(visitor, junk):
    failures = [(url, code) for url in PAGES for extra in ({}, {"HTTP_HX_REQUEST": "true"})
                if (code := visitor.get(url + "?" + urlencode(junk), **extra).status_code) >= 500]
    assert not failures


@pytest.mark.parametrize("value", BAD_GEMS)
def test_conversion_posts_survive_junk(visitor, value):
    for url in PAGES[1:]:
        assert visitor.post(url, {"gems": value, "idem": value[:80]}).status_code == 200
    junk = {"rate": value, "loss_percent": value, "min_gems": value, "monthly_quota": value,
            "opens_at": value, "closes_at": value}
    assert visitor.post(PAGES[0], junk).status_code == 200
