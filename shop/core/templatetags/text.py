"""``{% load text %}``: small text helpers for templates."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def nowrap(value):
    """``value`` kept on one line (a date in a range: a phone otherwise breaks "2026-11-30" at a
    hyphen)."""
    return format_html('<span class="text-nowrap">{}</span>', value) if value not in (None, "") else ""
