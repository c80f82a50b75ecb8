"""Cached template fragments, addressed by their content.

A fragment's key is a digest of everything the fragment shows (rows with their ``updated_at``,
computed prices, the shopper's holdings, the language…), computed from data the view reads
anyway. A change of what a fragment shows is a new key, so there is nothing to invalidate and
a stale fragment cannot be served. Fragments that contain a CSRF token are keyed by the
browser's CSRF secret too (the masked token stays valid for that secret only), and are not
cached when the browser has none yet.

Rendered fragments live in each process (a bounded LRU): an entry never changes once written,
so no process can hold a stale one, and reading it costs no query and no cache round trip
(the default shared cache is the database). Off when ``DEBUG`` (templates change under
``make dev``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.utils.translation import get_language

MAX_BYTES = 32 * 1024 * 1024  # per process
_VERSION = "1"
_store: OrderedDict[str, str] = OrderedDict()
_size = [0]
_lock = threading.Lock()


def key(*parts) -> str:
    """The key of a fragment that shows ``parts`` (any reprs), in the active language."""
    return hashlib.blake2b(repr((_VERSION, get_language(), parts)).encode(), digest_size=16).hexdigest()


class ReadFirst(str):
    """A key read before its content, by a query of plain values, so that a page served from
    the cache makes no other read. The content is rendered (on a miss) by later queries; it is
    kept only if ``reread()`` still gives this key afterwards — a change in between would
    otherwise store newer content under the older key."""

    reread: Callable[[], str | None]
    confirmed: bool


def read_first(value: str, reread: Callable[[], str | None]) -> ReadFirst:
    """The key ``value``, just read, to be confirmed by ``reread()`` after a miss's render."""
    checked = ReadFirst(value)
    checked.reread = reread
    return checked


def still_current(fragment_key: str) -> bool:
    """Whether a freshly rendered fragment may be kept under ``fragment_key`` (re-read once per
    key: the page around a fragment asks again right after it)."""
    reread = getattr(fragment_key, "reread", None)
    if reread is None:
        return True
    if not hasattr(fragment_key, "confirmed"):
        fragment_key.confirmed = reread() == fragment_key
    return fragment_key.confirmed


def page_key(context) -> str | None:
    """The key of a whole page (``{% page %}`` in base.html): its content's key, the header's key
    (which carries the shopper, the address and the browser's CSRF secret) and the cart badge's
    count. None — the page is not kept — while toasts are waiting to be shown or without a
    content key. ``context``: the template's context, or the same names in a dict."""
    content_key = context.get("content_key")
    navbar_key = context.get("navbar_key")
    navbar_key = navbar_key() if callable(navbar_key) else navbar_key
    if not content_key or not navbar_key or context.get("messages"):
        return None
    count = context.get("cart_count")
    return key("page", content_key, navbar_key, count() if callable(count) else count)


def render_page(request, template_name: str, context: dict) -> HttpResponse:
    """``render()`` for a page built on base.html: a page seen before is answered whole from this
    process's store before any template is started (its key is made of what the context
    processors and the view give, as ``{% page %}`` makes it); else the page is rendered and
    ``{% page %}`` keeps it, with what the key was made of (a figure a processor read for the
    key, such as a visitor's badge count, is not read again)."""
    if enabled() and context.get("content_key"):
        names: dict = {}
        for processor in engines["django"].engine.template_context_processors:
            names.update(processor(request))
        names.update(context)
        whole = page_key(names)
        html = get(whole) if whole else None
        if html is not None:
            renew_csrf_cookie(request)
            return HttpResponse(html)
        context = names
    return render(request, template_name, context)


def renew_csrf_cookie(request) -> None:
    """A page served from the store carries tokens for the browser's CSRF secret: renew its
    cookie as rendering a token would, without what ``get_token()`` also does — mask a fresh
    token, 32 characters drawn from the OS's random source, about 0.1 ms — whose result would
    be thrown away. (Django's CSRF middleware sets the cookie when this flag is up; the page
    test checks that it still does.)"""
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True


def csrf_secret(request) -> str | None:
    """The browser's CSRF secret, or None when it has none yet (then do not cache a fragment
    with a token in it)."""
    return request.META.get("CSRF_COOKIE") or None


def enabled() -> bool:
    return not settings.DEBUG


def get(fragment_key: str) -> str | None:
    with _lock:
        html = _store.get(fragment_key)
        if html is not None:
            _store.move_to_end(fragment_key)
        return html


def put(fragment_key: str, html: str) -> None:
    with _lock:
        if fragment_key in _store:
            return
        _store[fragment_key] = html
        _size[0] += len(html)
        while _size[0] > MAX_BYTES and _store:
            _old_key, old = _store.popitem(last=False)
            _size[0] -= len(old)


def clear() -> None:
    with _lock:
        _store.clear()
        _size[0] = 0
