from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone

from shop.core import clock
from shop.scheduling.models import Heartbeat
from shop.wallet.models import LedgerEntry

from .access import staff_area


@staff_area()
def dashboard(request):
    now = clock.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "users_total": get_user_model().objects.count(),
        "users_today": get_user_model().objects.filter(date_joined__gte=today).count(),
        "ledger_today": LedgerEntry.objects.filter(created_at__gte=today).count(),
        "sweeper": Heartbeat.objects.filter(name="sweeper").first(),
    }
    return render(request, "backoffice/dashboard.html", context)
