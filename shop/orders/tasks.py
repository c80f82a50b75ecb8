from datetime import datetime

from shop.core import clock

from . import services
from .models import Order, OrderStatus


def time_out(order_id: int):
    return bool(services.time_out(order_id, now=clock.now()))


def apply_due(now: datetime) -> int:
    """Time out every pending order past its deadline whose job was lost or late."""
    due = Order.objects.filter(status=OrderStatus.PENDING, expires_at__lte=now).values_list("pk", flat=True)[:500]
    return sum(1 for pk in due if services.time_out(pk, now=now))
