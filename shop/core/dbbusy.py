"""A database lock wait that runs out answers **503 with Retry-After**, never 500.

Write transactions are kept short (no hashing, rendering, e-mail or gateway calls inside them;
see "SQLite under a rush" in docs/architecture.md), so a request normally gets its lock well
within SQLite's busy timeout or PostgreSQL's lock timeout. When one still runs out — SQLite's
"database is locked", PostgreSQL's lock_not_available / serialization_failure /
deadlock_detected / query_canceled, or no free connection slot (too_many_connections) — nothing
is wrong with the request: the shopper should
simply try again in a moment. ``DatabaseBusyMiddleware`` answers that with a short friendly page
(a one-line plain-text body for htmx requests, which the page shows as a toast), a
``Retry-After`` header, and one warning in the log.

Two ways an error reaches it:

* the view (or a service it calls) raises: ``process_exception`` answers;
* a middleware further in raises on the way out (the session save is a write): Django has
  already turned that into a 500 by then, so ``got_request_exception`` marks the request, the
  middleware replaces the 500, and a filter on the ``django.request`` logger drops Django's own
  "Internal Server Error" record for it (one log line per event, not two).

Place it right after ``WhiteNoiseMiddleware`` (outside the session middleware).
"""

from __future__ import annotations

import logging
import sqlite3
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6  # primary result codes (extended codes keep them in the low byte)
_SQLITE_MESSAGES = ("database is locked", "database table is locked", "database schema is locked")
# PostgreSQL SQLSTATEs that mean "waited for another transaction, try again".
PG_BUSY_STATES = {
    "55P03": "lock_not_available",  # lock_timeout, NOWAIT
    "40001": "serialization_failure",
    "40P01": "deadlock_detected",
    "57014": "query_canceled",  # statement_timeout
    "53300": "too_many_connections",  # every connection slot taken (max_connections, a role's limit)
}
# A refused connection carries no SQLSTATE in psycopg (the server's FATAL arrives before a
# session exists): recognised by its message.
_PG_NO_SLOT_MESSAGES = ("too many connections", "too many clients")
_MARK = "_bazaar_db_busy"


def busy_reason(exc: BaseException | None) -> str | None:
    """``"sqlite_busy"``, a PostgreSQL condition name, or None when ``exc`` is not a lock wait
    that ran out. Follows the ``__cause__``/``__context__`` chain (Django wraps driver errors)."""
    for _depth in range(6):
        if exc is None:
            return None
        state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "diag", None), "sqlstate", None)
        if state in PG_BUSY_STATES:
            return PG_BUSY_STATES[state]
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return "sqlite_busy"
        if isinstance(exc, (OperationalError, sqlite3.OperationalError)) and any(
            m in str(exc).lower() for m in _SQLITE_MESSAGES
        ):
            return "sqlite_busy"
        if type(exc).__name__ == "OperationalError" and any(m in str(exc).lower() for m in _PG_NO_SLOT_MESSAGES):
            return "too_many_connections"
        exc = exc.__cause__ or exc.__context__
    return None


def retry_after() -> int:
    return int(getattr(settings, "BAZAAR_BUSY_RETRY_AFTER", RETRY_AFTER_SECONDS))


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back_url(request) -> str:
    """Where "Try again" leads: the same page for a GET, the page the form was on otherwise."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return "/"


def busy_response(request, reason: str) -> HttpResponse:
    """The 503 itself, logged once. Renders without context processors: no database needed."""
    seconds = retry_after()
    log.warning("event=db_busy reason=%s method=%s path=%s retry_after=%s",
                reason, request.method, request.path, seconds)
    with translation.override(getattr(request, "LANGUAGE_CODE", None) or translation.get_language()):
        message = _("So many shoppers are here right now that we couldn't finish that. "
                    "Please try again in a few seconds.")
        if _is_htmx(request):
            response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
        else:
            try:
                body = render_to_string("core/busy.html", {"message": message, "seconds": seconds,
                                                           "back_url": _back_url(request)})
            except Exception:  # noqa: BLE001 - the page must not turn a 503 into a 500
                log.exception("event=db_busy_page_failed")
                body = message
            response = HttpResponse(body, status=503)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # Django's request logger: already logged above
    return response


def _mark_request(sender, request=None, **kwargs):
    """``got_request_exception``: remember that this request failed on a busy database."""
    reason = busy_reason(sys.exc_info()[1])
    if reason and request is not None:
        setattr(request, _MARK, reason)


got_request_exception.connect(_mark_request, dispatch_uid="bazaar.dbbusy")


class SkipBusyErrorLog(logging.Filter):
    """Drops Django's "Internal Server Error" record for a busy database (it is answered 503 and
    logged by this module instead)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and busy_reason(record.exc_info[1]))


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        request_logger = logging.getLogger("django.request")
        if not any(isinstance(f, SkipBusyErrorLog) for f in request_logger.filters):
            request_logger.addFilter(SkipBusyErrorLog())

    def __call__(self, request):
        response = self.get_response(request)
        reason = getattr(request, _MARK, None)
        if reason and response.status_code >= 500:
            return busy_response(request, reason)
        return response

    def process_exception(self, request, exception):
        reason = busy_reason(exception)
        return busy_response(request, reason) if reason else None
