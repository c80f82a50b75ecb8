"""The My coupons tabs are translated when the page is shown (they were translated once, at
import, in the default language)."""

import pytest
from django.urls import reverse
from django.utils import translation

MINE = reverse("coupons:mine")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Requests made with a language cookie leave that language active in the thread."""
    yield
    translation.deactivate()


def test_my_coupons_tabs_in_the_shoppers_language(shopper_client):
    shopper_client.cookies["django_language"] = "zh-hans"
    page = shopper_client.get(MINE).content.decode()
    for label in ("未使用", "已使用", "已过期"):
        assert f">{label}</a>" in page
    shopper_client.cookies["django_language"] = "en"
    page = shopper_client.get(MINE).content.decode()
    for label in ("Unused", "Used", "Expired"):
        assert f">{label}</a>" in page
