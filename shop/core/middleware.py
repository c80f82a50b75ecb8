import logging
from urllib.parse import unquote_to_bytes

from django.contrib.messages import get_messages
from django.http import HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class HtmxMessagesMiddleware:
    """Messages queued during an htmx request are appended as out-of-band toasts, so partial
    responses show feedback the same way full pages do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not getattr(request, "htmx", False)
            or "HX-Redirect" in response
            or "HX-Location" in response
            or response.status_code in (204, 301, 302)
            or "text/html" not in response.get("Content-Type", "")
            or getattr(response, "streaming", False)
        ):
            return response
        storage = get_messages(request)
        if not storage:
            return response
        toasts = render_to_string("includes/toasts.html", {"messages": storage, "oob": True}, request=request)
        response.content += toasts.encode(response.charset)
        return response


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _bad_bytes(raw: bytes) -> str | None:
    """What is wrong with percent-encoded ``raw`` once decoded: ``"nul"``, ``"encoding"`` or None."""
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        return "nul"
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return "encoding"
    return None


def _wsgi_bytes(value: str) -> bytes:
    """A WSGI environ string back to the bytes the client sent (PEP 3333: latin-1)."""
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:  # not from a WSGI server (ASGI, a test): already text
        return value.encode("utf-8", "surrogateescape")


def bad_input(request) -> str | None:
    """Where ``request`` carries input no database should see — a NUL character (PostgreSQL
    refuses it in text) or bytes that are not UTF-8 — in its path, query string, form fields
    or headers: ``"path"``, ``"query"``, ``"form"``, ``"header"``; else None."""
    # The path is decoded by Django already (undecodable bytes re-quoted as %XX, which the URL
    # patterns do not match: 404).
    if "\x00" in request.path_info:
        return "path"
    if _bad_bytes(_wsgi_bytes(request.META.get("QUERY_STRING", ""))):
        return "query"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and key != "HTTP_COOKIE" and isinstance(value, str) and "\x00" in value:
            return "header"
    content_type = request.content_type or ""
    if request.method not in ("GET", "HEAD", "OPTIONS") and content_type in FORM_CONTENT_TYPES:
        if content_type == FORM_CONTENT_TYPES[0]:
            if _bad_bytes(request.body):
                return "form"
        else:  # multipart: the parser already decoded (undecodable bytes became U+FFFD)
            try:
                post = request.POST
            except MultiPartParserError:
                return "form"
            fields = [(k, v) for k, values in post.lists() for v in values]
            if any("\x00" in k or "\x00" in v for k, v in fields):
                return "form"
    return None


class BadInputMiddleware:
    """Input a database cannot store never reaches a view: a NUL character anywhere (path, query
    string, form data, headers) or bytes that are not UTF-8 in the query string or a urlencoded
    form answer **400** with a short page (plain text for htmx) and one warning in the log. Cookies carrying a NUL are dropped instead (the visitor
    could not get rid of them), so the session and log-in simply start afresh.

    Place it before ``SessionMiddleware``: nothing before it reads the database, and the page
    renders without a session or context processors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [name for name, value in request.COOKIES.items() if "\x00" in name + value]:
            del request.COOKIES[name]
        where = bad_input(request)
        if where is None:
            return self.get_response(request)
        log.warning("event=bad_input where=%s method=%s path=%r", where, request.method, request.path[:200])
        with translation.override(translation.get_language_from_request(request)):
            message = _("This address or form contains characters we cannot accept (for example a "
                        "control character). Please check what you typed and try again.")
            if request.headers.get("HX-Request") == "true":
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
            return HttpResponseBadRequest(render_to_string("core/bad_input.html", {"message": message}))
