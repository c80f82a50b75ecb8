import logging

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

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


# --- Error pages ---------------------------------------------------------------------------------
# 400/403/404 render in the shop's layout (or the backoffice's under /backoffice/) with the
# request's context; if that fails for any reason they fall back to the static-safe page that
# 500 always uses: no database, no context processors, no static files, inline styles only.

ERRORS = {
    400: (_("Bad request"),
          _("Your browser sent a request this shop could not understand. Please go back and try again.")),
    403: (_("Access denied"), _("You do not have permission to open this page.")),
    404: (_("Page not found"),
          _("We could not find that page. It may have moved, or the link may be mistyped.")),
    500: (_("Something went wrong"),
          _("That is our fault, not yours. The error has been logged; please try again in a moment.")),
}
logger = logging.getLogger(__name__)


def _in_backoffice(request) -> bool:
    try:
        return request.path.startswith(reverse("backoffice:dashboard"))
    except Exception:  # noqa: BLE001 - the error page must not fail
        return False


def _static_safe_page(request, status: int) -> HttpResponse:
    title, text = ERRORS[status]
    context = {"status": status, "title": title, "text": text, "backoffice": _in_backoffice(request)}
    try:
        body = loader.render_to_string("500.html", context)  # no request: no context processors
    except Exception:  # noqa: BLE001 - last resort, plain text
        logger.exception("error_page=static_safe status=%s", status)
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return HttpResponse(body, status=status)


def _error_page(request, status: int, *, detail: str = "") -> HttpResponse:
    title, text = ERRORS[status]
    backoffice = _in_backoffice(request)
    template = "backoffice/error.html" if backoffice else "errors/error.html"
    context = {"status": status, "title": title, "text": text, "detail": detail, "backoffice": backoffice}
    try:
        return render(request, template, context, status=status)
    except Exception:  # noqa: BLE001 - an error page that errs shows the static-safe one
        logger.exception("error_page=failed status=%s path=%s", status, request.path)
        return _static_safe_page(request, status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _error_page(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    # Our own PermissionDenied messages are written for the reader ("The backoffice is for staff only.").
    detail = str(exception) if exception is not None and exception.args else ""
    return _error_page(request, 403, detail=detail)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(request, 404)


def csrf_failure(request, reason=""):
    """A stale form (the session expired, cookies blocked): say what to do, in the shop's layout."""
    return _error_page(request, 403, detail=_(
        "This form has expired or your browser blocked our cookies. Reload the page and try again."))


def server_error(request):
    return _static_safe_page(request, 500)
