from datetime import datetime

from shop.core import clock

from . import services


def sync_status(coupon_id: int) -> int:
    """Job ``coupon:<id>:open`` / ``coupon:<id>:close``."""
    return services.sync_status(coupon_id, now=clock.now())


def apply_due(now: datetime) -> int:
    return services.sync_status(None, now=now) + services.expire_due(now=now)
