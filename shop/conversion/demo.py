from datetime import timedelta
from decimal import Decimal

from .models import SETTINGS_ID, Conversion, ConversionMonth, ConversionSettings


def seed(*, now):
    """Conversion terms with the window open now: 1 gem = ¥0.10 less 5 %, at least 100 gems,
    ¥5,000 a month for everyone. Idempotent (kept if already set)."""
    _row, made = ConversionSettings.objects.get_or_create(pk=SETTINGS_ID, defaults={
        "rate": Decimal("0.10"), "loss_percent": Decimal("5"), "min_gems": Decimal("100"),
        "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=30),
        "monthly_quota": Decimal("5000.00"), "updated_at": now,
    })
    return "conversion settings created" if made else "conversion settings kept"


def reset():
    """Everything conversion holds (a demo database only: the demo users are removed after this)."""
    Conversion.objects.all().delete()
    ConversionMonth.objects.all().delete()
    ConversionSettings.objects.all().delete()
