from datetime import datetime, timedelta

from django.db.models import Max, Q

from .models import Cart

ANONYMOUS_CART_DAYS = 30


def apply_due(now: datetime) -> int:
    """Forget anonymous carts nobody touched for 30 days (their sessions are long gone)."""
    cutoff = now - timedelta(days=ANONYMOUS_CART_DAYS)
    stale = (Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff)
             .annotate(last_added=Max("lines__added_at"))
             .filter(Q(last_added__isnull=True) | Q(last_added__lt=cutoff)))
    deleted, _ = Cart.objects.filter(pk__in=list(stale.values_list("pk", flat=True)[:1000])).delete()
    return deleted
