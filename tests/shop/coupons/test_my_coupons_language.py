"""The My coupons tabs are translated when the page is shown (they were translated once, at
import, in the default language)."""

from django.urls import reverse

MINE = reverse("coupons:mine")


def test_my_coupons_tabs_in_the_shoppers_language(shopper_client):
    shopper_client.cookies["django_language"] = "zh-hans"
    page = shopper_client.get(MINE).content.decode()
    for label in ("未使用", "已使用", "已过期"):
        assert f">{label}</a>" in page
    shopper_client.cookies["django_language"] = "en"
    page = shopper_client.get(MINE).content.decode()
    for label in ("Unused", "Used", "Expired"):
        assert f">{label}</a>" in page
