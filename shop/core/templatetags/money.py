"""``{% load money %}``: ``{{ amount|money }}`` → ``¥12,800.00``, ``{{ entry.amount|money:"+" }}`` →
``+¥5.00`` / ``−¥5.00``, ``{{ coupon.value|money:"compact" }}`` → ``¥20``; ``{{ wallet.gem|credits }}``
→ ``1,200`` (``credits:"+"`` signed). Empty values show as nothing. Decimal in, never float."""

from django import template

from shop.core.money import format_credits, format_money

register = template.Library()


def _options(arg) -> dict:
    options = {part.strip() for part in str(arg or "").split(",") if part.strip()}
    unknown = options - {"+", "compact"}
    if unknown:
        raise template.TemplateSyntaxError(f"money/credits options are '+' and 'compact', not {sorted(unknown)}")
    return {"sign": "+" in options, "compact": "compact" in options}


@register.filter
def money(value, arg=""):
    if value is None or value == "":
        return ""
    return format_money(value, **_options(arg))


@register.filter
def credits(value, arg=""):
    if value is None or value == "":
        return ""
    return format_credits(value, sign=_options(arg)["sign"])
