"""Money looks the same everywhere: one format (``¥12,800.00``), credits without decimals when whole,
and Chinese shoppers read percent coupons in tenths (折)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from shop.core.money import format_credits, format_money
from shop.coupons.models import Coupon, CouponKind


def render(source, **context):
    return Template(source).render(Context(context))


@pytest.mark.parametrize("value, shown", [
    (Decimal("12800"), "¥12,800.00"),
    (Decimal("1234567.891"), "¥1,234,567.89"),
    (Decimal("0"), "¥0.00"),
    (Decimal("-5.5"), "−¥5.50"),
    ("199.9", "¥199.90"),
    (3, "¥3.00"),
])
def test_money_filter_has_symbol_separators_and_two_places(value, shown):
    assert render("{% load money %}{{ v|money }}", v=value) == shown


def test_money_filter_options_and_empty_values():
    assert render('{{ v|money:"+" }}|{{ n|money:"+" }}', v=Decimal("5"), n=Decimal("-5")) == "+¥5.00|−¥5.00"
    assert render('{{ v|money:"compact" }}|{{ w|money:"compact" }}', v=Decimal("20.00"), w=Decimal("12.5")) == "¥20|¥12.50"
    assert render("[{{ v|money }}]", v=None) == "[]"
    with pytest.raises(TemplateSyntaxError):
        render('{{ v|money:"bogus" }}', v=Decimal(1))


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        format_money(0.1)
    with pytest.raises(TypeError):
        render("{{ v|money }}", v=0.1)


@pytest.mark.parametrize("value, shown", [
    (Decimal("1200.00"), "1,200"), (Decimal("12.5"), "12.50"), (Decimal("0"), "0"), (Decimal("-3"), "−3"),
])
def test_credits_filter_drops_decimals_when_whole(value, shown):
    assert render("{{ v|credits }}", v=value) == shown
    assert format_credits(value) == shown


def test_money_in_python_strings_uses_the_same_format():
    from shop.core import texts

    assert texts.format_money("12800") == format_money(Decimal("12800")) == "¥12,800.00"


@pytest.mark.parametrize("pays, zh, en", [(85, "8.5折", "15% off"), (79, "7.9折", "21% off"), (80, "8折", "20% off"),
                                          (5, "0.5折", "95% off")])
def test_percent_coupon_reads_in_tenths_for_chinese_shoppers(pays, zh, en):
    coupon = Coupon(kind=CouponKind.PERCENT, off_percent=pays, value=Decimal("0"))
    with translation.override("zh-hans"):
        assert coupon.amount_text == zh and coupon.headline == zh
    with translation.override("en"):
        assert coupon.amount_text == en


def test_coupon_figures_go_through_the_money_format():
    coupon = Coupon(kind=CouponKind.THRESHOLD, value=Decimal("1000"), min_spend=Decimal("12800"))
    with translation.override("en"):
        assert coupon.headline == "¥1,000 off orders over ¥12,800"
        assert coupon.condition_text == "on orders over ¥12,800"


@pytest.mark.django_db
def test_wallet_page_shows_money_and_credits_alike(client, user, fund):
    fund(user, balance="12800", gem="1200", gold="7.5")
    client.force_login(user)
    body = client.get("/me/wallet/").content.decode()
    assert "¥12,800.00" in body and ">1,200<" in body and ">7.50<" in body
    assert "+¥12,800.00" in body and "+1,200" in body  # the ledger, signed, per asset


@pytest.mark.django_db
def test_backoffice_wallet_pages_use_the_same_format(client, operator, user, fund):
    fund(user, balance="12800", gem="1200")
    client.force_login(operator)
    listing = client.get("/backoffice/wallets/").content.decode()
    assert "¥12,800.00" in listing and "1,200" in listing
    detail = client.get(f"/backoffice/wallets/{user.pk}/").content.decode()
    assert "¥12,800.00" in detail and "+¥12,800.00" in detail


@pytest.mark.django_db
def test_catalogue_prices_use_the_money_format(client, make_product):
    make_product("Big course", prices=("12800.00",))
    body = client.get("/products/").content.decode()
    assert "¥12,800.00" in body


def test_no_template_prints_money_another_way():
    """Every amount goes through ``|money`` / ``|credits``: no symbol glued to a number, no float formats."""
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"CURRENCY_SYMBOL \}\}\s*\{\{|floatformat|stringformat:\s*['\"]\+?\.2f|¥", line):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


def test_no_python_string_prints_money_another_way():
    """Python-built texts use ``format_money`` / ``format_credits`` too (no symbol glued, no float formats)."""
    allowed = {Path("shop/core/money.py"), Path("shop/core/context_processors.py")}
    offenders = []
    for root in ("shop", "backoffice"):
        for path in Path(settings.BASE_DIR, root).rglob("*.py"):
            relative = path.relative_to(settings.BASE_DIR)
            if "migrations" in relative.parts or relative in allowed:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"BAZAAR_CURRENCY_SYMBOL|:,?\.[0-2]f\}|stringformat|floatformat", line):
                    offenders.append(f"{relative}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)
