"""Order kinds: what paying for an order grants and what closing it undoes.

The money core (settlement, gateway, notifications, time-outs, refunds) works on :class:`Order`
alone. Each app that sells something registers its kind once, in its ``AppConfig.ready()``::

    register(OrderKind(code="course", label=_("Courses"), payment_window=…, fulfil=grant_courses,
                       take_back=take_back_courses))

The hooks run inside the transaction that moves the order, after the order row is locked and
its new status written, so they can rely on seeing each transition once:

* ``fulfil(order, now)`` — the order was paid: grant what it bought.
* ``release(order, now)`` — a pending order was cancelled or timed out: undo reservations.
  (Balance and coupons are given back by the core.)
* ``take_back(order, now)`` — a refund was approved: remove exactly what this order granted.
* ``check_refund(order)`` — a refund is asked for: raise a ``DomainError`` if what the order
  granted can no longer be taken back.

Another app may add hooks to a kind it does not own with :func:`extend` (gift packages sold in the
same cart as courses add their units to the course kind's fulfilment); :func:`run` calls the
kind's hook, then every extension's.

Orders and payments never import the apps that register kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.functional import Promise


def _nothing(order, now: datetime) -> None:
    return None


def _refundable(order) -> None:
    return None


@dataclass(frozen=True)
class OrderKind:
    code: str
    label: str | Promise
    #: how long a pending order waits for payment (a callable so settings are read at use time)
    payment_window: Callable[[], timedelta]
    fulfil: Callable = _nothing
    release: Callable = _nothing
    take_back: Callable = _nothing
    check_refund: Callable = _refundable
    #: may the shopper cancel a pending order / ask for a refund of a paid one?
    shopper_can_cancel: bool = True
    refundable: bool = True
    #: ``settle_url(order)``: the kind's page where the shopper completes a pending order before
    #: paying (address, coupon, balance), linked from the order page; None: nothing to complete
    settle_url: Callable | None = None
    #: a shipping address is required before the order can be paid
    needs_shipping: bool = False


@dataclass(frozen=True)
class KindExtension:
    """Hooks another app adds to a kind (see :func:`extend`)."""

    fulfil: Callable = _nothing
    release: Callable = _nothing
    take_back: Callable = _nothing
    check_refund: Callable = _refundable


_KINDS: dict[str, OrderKind] = {}
_EXTENSIONS: dict[str, dict[str, KindExtension]] = {}


def register(kind: OrderKind) -> OrderKind:
    """Register ``kind`` (idempotent for the same code: the last registration wins)."""
    _KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> OrderKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"order kind {code!r} is not registered (registered: {sorted(_KINDS)})") from None


def registered() -> list[OrderKind]:
    return list(_KINDS.values())


def extend(code: str, name: str, extension: KindExtension) -> None:
    """Add ``extension``'s hooks to kind ``code`` (idempotent per ``name``)."""
    _EXTENSIONS.setdefault(code, {})[name] = extension


def run(hook: str, order, *args) -> None:
    """Call ``hook`` (``fulfil``, ``release``, ``take_back`` or ``check_refund``) of the order's kind,
    then of each extension of that kind."""
    getattr(get_kind(order.kind), hook)(order, *args)
    for extension in _EXTENSIONS.get(order.kind, {}).values():
        getattr(extension, hook)(order, *args)
