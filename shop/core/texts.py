"""Texts kept in the database for a reader (notifications, ledger memos, order events) are stored
as a **key** and plain JSON **params**, and translated when shown, in the reader's language.

Each app declares its texts in its own ``texts`` module (found on first use, like admin
modules; core imports no app)::

    # shop/orders/texts.py
    from django.utils.translation import gettext_lazy as _
    from shop.core.texts import define

    PAID = define("order.paid", title=_("Order %(number)s is paid"), body=_("Thank you! …"))

and a service stores one with ``Text(PAID, number=order.number)``:
``notify(user, Text(...))``, ``credit(..., memo=Text(...))``, ``OrderEvent(note_key=…, note_params=…)``.

* A text has one or more named **parts** (``title``/``body`` for a notification, ``text`` for a
  memo or an event note). Each part is a ``gettext_lazy`` template with ``%(name)s`` params.
* **Params** are plain JSON: strings, integers, booleans. A ``Decimal`` is stored as a string and
  a ``datetime`` as ISO 8601; declare such params with ``money=``/``datetimes=`` to have them shown
  as money (currency symbol, separators) and in the site's time zone.
* A stored row also keeps the text rendered in ``settings.LANGUAGE_CODE`` as a plain fallback,
  shown for rows without a key (written before texts had keys, or free text typed by a person)
  and for keys no longer defined.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from shop.core import money

log = logging.getLogger(__name__)

KEY_MAX_LENGTH = 64


@dataclass(frozen=True)
class TextDef:
    key: str
    parts: Mapping[str, str | Promise]
    money: frozenset[str] = field(default_factory=frozenset)
    datetimes: frozenset[str] = field(default_factory=frozenset)


_REGISTRY: dict[str, TextDef] = {}
_discovered = False
_discovery_lock = threading.RLock()


def define(key: str, *, money=(), datetimes=(), **parts: str | Promise) -> str:
    """Declare the text ``key`` with its parts (lazy translations); returns the key."""
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"text key must be 1–{KEY_MAX_LENGTH} characters: {key!r}")
    if not parts:
        raise ValueError(f"text {key!r} has no parts")
    known = _REGISTRY.get(key)
    new = TextDef(key, dict(parts), frozenset(money), frozenset(datetimes))
    if known is not None and known != new:
        raise ValueError(f"text {key!r} is already defined differently")
    _REGISTRY[key] = new
    return key


def lookup(key: str) -> TextDef | None:
    """The definition of ``key``; the first miss imports every app's ``texts`` module (once, and
    other threads wait for it, so none renders a fallback while the registry fills)."""
    global _discovered
    if key not in _REGISTRY and not _discovered:
        with _discovery_lock:
            if not _discovered:
                autodiscover_modules("texts")
                _discovered = True
    return _REGISTRY.get(key)


def _plain(name: str, value):
    """A param as plain JSON."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Promise):
        raise TypeError(f"param {name!r} is a lazy translation: store a key, not translated text")
    raise TypeError(f"param {name!r} must be plain JSON (str, int, bool, Decimal, datetime), not {type(value).__name__}")


class Text:
    """A text to store: a defined ``key`` and its ``params`` (made plain JSON here)."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params):
        definition = lookup(key)
        if definition is None:
            raise KeyError(f"text {key!r} is not defined (define it in the owning app's texts module)")
        self.key = key
        self.params = {name: _plain(name, value) for name, value in params.items()}

    def __repr__(self) -> str:
        return f"Text({self.key!r}, **{self.params!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)

    def render(self, part: str = "text") -> str:
        """This text in the active language."""
        return render(self.key, self.params, part)

    def fallback(self, part: str = "text") -> str:
        """This text in the site's default language, stored next to the key."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.render(part)


def _shown(definition: TextDef, params: Mapping) -> dict:
    shown = dict(params)
    for name in definition.money & shown.keys():
        shown[name] = format_money(shown[name])
    for name in definition.datetimes & shown.keys():
        shown[name] = format_datetime(shown[name])
    return shown


def format_money(value) -> str:
    return money.format_money(Decimal(str(value)))  # the one money format, as the |money filter


def format_datetime(value) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "Y-m-d H:i")


def render(key: str, params: Mapping | None, part: str = "text", fallback: str = "") -> str:
    """The text ``key`` (part ``part``) in the active language; ``fallback`` when the row has
    no key, the key is not defined any more, or its params don't fit the template."""
    if not key:
        return fallback
    definition = lookup(key)
    template = definition.parts.get(part) if definition else None
    if template is None:
        return fallback
    template = str(template)
    try:
        return template % _shown(definition, params or {}) if "%(" in template else template
    except (KeyError, TypeError, ValueError, ArithmeticError):
        log.warning("event=text_render_failed key=%s part=%s", key, part)
        return fallback


def split(value, part: str = "text", *, max_length: int | None = None) -> tuple[str, dict, str]:
    """For a service argument that may be a :class:`Text` or plain text (free text typed by a
    person, or a caller not yet converted): ``(key, params, plain fallback)`` to store."""
    if isinstance(value, Text):
        plain = value.fallback(part)
        key, params = value.key, value.params
    else:
        key, params, plain = "", {}, str(value or "")
    return key, params, plain[:max_length] if max_length else plain
