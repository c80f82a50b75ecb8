"""Junk in query strings (huge numbers, impossible dates, unknown sort keys, very long text) is
never a 5xx on the backoffice lists or our shop pages."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.backoffice.test_access import BACKOFFICE_URLS, _kwargs_for, known  # noqa: F401 - fixture
from tests.conftest import CsrfClient

JUNK = [
    {"page": "99999999999999999999", "sort": "nonexistent", "per_page": "99999999999"},
    {"page": "-1", "sort": "-", "q": "x" * 5000},
    {"since": "99999-01-01", "until": "0000-00-00", "asset": "nope", "kind": "nope"},
    {"since": "2024-02-30", "until": "1-1-1", "status": "??", "scope": "[]", "is_member": "maybe"},
    {"q": "%_\\'\"; DROP TABLE x;--", "action": "%", "actor": "_", "target_type": "'"},
    {"tab": "../../etc", "index": "1e9", "sort": "__class__"},
]


@pytest.mark.parametrize("junk", JUNK)
def test_backoffice_pages_survive_junk_params(known, operator, junk):  # noqa: F811 - fixture
    client = CsrfClient(raise_request_exception=False)
    client.force_login(operator)
    failures = []
    for name, converters in BACKOFFICE_URLS:
        if name in ("backoffice:catalog:status", "backoffice:orders:refund"):
            continue  # POST only
        url = reverse(name, kwargs=_kwargs_for(name, converters, known, unknown=False)) + "?" + urlencode(junk)
        for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
            code = client.get(url, **extra).status_code
            if code >= 500:
                failures.append((url, code))
    assert not failures


@pytest.mark.parametrize("junk", JUNK)
def test_shop_pages_survive_junk_params(user, make_product, junk):
    course = make_product()
    client = CsrfClient(raise_request_exception=False)
    client.force_login(user)
    pages = [reverse("catalog:list"), course.get_absolute_url(), reverse("cart:detail"), reverse("coupons:centre"),
             reverse("coupons:mine"), reverse("wallet:wallet")]
    failures = [(url, code) for url in pages for extra in ({}, {"HTTP_HX_REQUEST": "true"})
                if (code := client.get(url + "?" + urlencode(junk), **extra).status_code) >= 500]
    assert not failures
