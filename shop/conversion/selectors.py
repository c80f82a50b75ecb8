from django.db.models import Count, Sum

from .models import Conversion, ConversionMonth


def month_summary(month: str, *, quota_if_unused):
    """``(quota, used, conversions)`` of ``month`` (the settings' quota if nothing was converted yet)."""
    row = ConversionMonth.objects.filter(month=month).first()
    stats = Conversion.objects.filter(month=month).aggregate(n=Count("id"), credited=Sum("credited"))
    if row is None:
        return quota_if_unused, stats["credited"] or 0, stats["n"]
    return row.quota, row.used, stats["n"]


def recent_conversions():
    return Conversion.objects.select_related("user")
