"""Stored texts: a key and plain params, translated when shown."""

import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shop.core import texts
from shop.core.texts import Text, define, render
from shop.orders.models import OrderEvent

PAID = define("test.order_paid", title=_("Order %(number)s is paid"), body=_("Refund of order %(number)s"))
MONEY = define("test.money", text="%(amount)s @ %(at)s", money=["amount"], datetimes=["at"])


def test_text_renders_in_the_active_language_not_the_one_it_was_made_in():
    with translation.override("en"):
        text = Text(PAID, number="B1")
    with translation.override("zh-hans"):
        assert text.render("title") == "订单 B1 已支付"
    with translation.override("en"):
        assert text.render("title") == "Order B1 is paid"


def test_fallback_is_the_site_default_language_whatever_is_active(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("zh-hans"):
        assert Text(PAID, number="B1").fallback("title") == "Order B1 is paid"


def test_params_are_stored_as_plain_json():
    text = Text(MONEY, amount=Decimal("12800.50"), at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), n=3)
    assert text.params == {"amount": "12800.50", "at": "2026-01-02T03:04:00+00:00", "n": 3}
    with pytest.raises(TypeError):
        Text(MONEY, amount=_("lazy"))
    with pytest.raises(TypeError):
        Text(MONEY, amount=1.5)


def test_money_and_datetimes_are_formatted_for_the_reader(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    text = Text(MONEY, amount=Decimal("12800.50"), at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    with translation.override("en"):
        assert text.render() == f"{settings.BAZAAR_CURRENCY_SYMBOL}12,800.50 @ 2026-01-02 11:04"


def test_unknown_key_or_missing_part_or_param_falls_back_to_the_stored_text():
    assert render("", {}, "text", "as stored") == "as stored"
    assert render("no.such.key", {}, "text", "as stored") == "as stored"
    assert render(PAID, {}, "title", "as stored") == "as stored"  # param missing
    assert render(PAID, {"number": "B1"}, "text", "") == ""  # no such part


def test_undefined_key_is_refused_when_stored():
    with pytest.raises(KeyError):
        Text("no.such.key")


def test_split_keeps_free_text_as_typed():
    assert texts.split("typed by an operator" * 20, max_length=200) == ("", {}, ("typed by an operator" * 20)[:200])
    key, params, plain = texts.split(Text(PAID, number="B2"), "title")
    assert (key, params, plain) == (PAID, {"number": "B2"}, "Order B2 is paid")


def test_texts_of_apps_are_found_without_importing_them(monkeypatch):
    monkeypatch.setattr(texts, "_REGISTRY", {})
    monkeypatch.setattr(texts, "_discovered", False)
    monkeypatch.delitem(sys.modules, "shop.orders.texts", raising=False)
    with translation.override("zh-hans"):
        assert render("order.memo_refund", {"number": "B3"}, "text", "x") == "订单 B3 退款"


def test_order_event_note_in_the_readers_language():
    event = OrderEvent(note="Refund of order B4", note_key="order.memo_refund", note_params={"number": "B4"})
    with translation.override("zh-hans"):
        assert event.shown_note == "订单 B4 退款"
    typed = OrderEvent(note="Please refund, I bought it twice")
    with translation.override("zh-hans"):
        assert typed.shown_note == "Please refund, I bought it twice"
