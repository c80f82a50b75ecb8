from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from shop.core import clock


def home(request):
    return render(request, "core/home.html")


@never_cache
def healthz(request):
    """Liveness for load balancers: the database answers, and the cluster's sweeper is recent."""
    from django.conf import settings

    from shop.scheduling.models import Heartbeat

    body = {"status": "ok", "time": clock.now().isoformat()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        body["status"] = "error"
        body["database"] = {"status": "error", "error": exc.__class__.__name__}
        return JsonResponse(body, status=503)
    beat = Heartbeat.objects.filter(name="sweeper").first()
    if beat is None:
        body["cluster"] = {"status": "unknown", "last_sweep": None}
    else:
        age = (clock.now() - beat.at).total_seconds()
        status = "ok" if age <= settings.BAZAAR_CLUSTER_STALE_SECONDS else "stale"
        body["cluster"] = {"status": status, "last_sweep": beat.at.isoformat(), "age_seconds": int(age)}
    return JsonResponse(body)
