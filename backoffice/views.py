from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import render
from django.utils import timezone
from django_q.models import Failure, Schedule

from shop.auctions.models import AuctionSession
from shop.core import clock
from shop.core.money import ZERO
from shop.coupons.models import ClaimedCoupon
from shop.lottery.models import Draw, PrizeOrder, PrizeOrderStatus
from shop.orders.models import Order, OrderStatus
from shop.payments.models import GatewayRefund
from shop.scheduling.models import Heartbeat
from shop.wallet.models import LedgerEntry

from .access import staff_area
from .gifts.selectors import to_send as gifts_to_send

PAID = [OrderStatus.PAID, OrderStatus.REFUND_REQUESTED]


def _last_30_days(now):
    """Paid revenue per day for the last 30 days, as bars for a small inline SVG chart."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=29)
    rows = (Order.objects.filter(status__in=PAID, paid_at__gte=start).annotate(day=TruncDate("paid_at"))
            .values("day").annotate(revenue=Sum("payable"), count=Count("id")))
    by_day = {row["day"]: row for row in rows}
    days = [(start + timedelta(days=i)).date() for i in range(30)]
    peak = max([by_day[d]["revenue"] for d in days if d in by_day] or [ZERO]) or 1
    bars = []
    for i, day in enumerate(days):
        revenue = by_day.get(day, {}).get("revenue") or ZERO
        height = round(float(revenue / peak) * 100, 1)
        bars.append({"day": day, "revenue": revenue, "count": by_day.get(day, {}).get("count", 0),
                     "x": i * 10 + 1, "y": 100 - height, "height": height})
    return bars


@staff_area()
def dashboard(request):
    now = clock.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    orders_today = Order.objects.filter(created_at__gte=today).aggregate(
        n=Count("id"), paid=Count("id", filter=Q(status__in=PAID)),
        revenue=Sum("payable", filter=Q(status__in=PAID)))
    context = {
        "users_total": get_user_model().objects.count(),
        "users_today": get_user_model().objects.filter(date_joined__gte=today).count(),
        "orders_today": orders_today["n"], "paid_today": orders_today["paid"],
        "revenue_today": orders_today["revenue"] or ZERO,
        "claims_today": ClaimedCoupon.objects.filter(claimed_at__gte=today).count(),
        "uses_today": ClaimedCoupon.objects.filter(used_at__gte=today).count(),
        "ledger_today": LedgerEntry.objects.filter(created_at__gte=today).count(),
        "failed_tasks": Failure.objects.filter(stopped__gte=timezone.now() - timedelta(days=1)).count(),
        "late_schedules": Schedule.objects.filter(next_run__lt=timezone.now() - timedelta(minutes=5)).exclude(repeats=0).count(),
        "sweeper": Heartbeat.objects.filter(name="sweeper").first(),
        "chart": _last_30_days(now),
        "refunds_waiting": Order.objects.filter(status=OrderStatus.REFUND_REQUESTED).count(),
        "draws_today": Draw.objects.filter(created_at__gte=today).count(),
        "prizes_to_ship": PrizeOrder.objects.filter(status=PrizeOrderStatus.CLAIMED).count(),
        "gifts_to_send": gifts_to_send().count(),
        "refunds_failing": list(GatewayRefund.objects.failing().select_related("order")[:10]),
    }
    live = AuctionSession.objects.alive().filter(starts_at__lte=now, ends_at__gt=now).order_by("ends_at", "id")
    context["live_auctions"] = live.count()
    context["live_sessions"] = list(live[:3])
    return render(request, "backoffice/dashboard.html", context)
