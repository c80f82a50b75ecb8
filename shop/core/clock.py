"""The one source of "now" for domain code, so tests (and demos) can move time.

Everything that decides by time calls ``clock.now()`` instead of ``timezone.now()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """The current aware datetime, as seen by the domain."""
    if _frozen is not None:
        return _frozen
    return timezone.now() + _offset


def freeze(at: datetime) -> None:
    """Stop time at ``at`` (aware)."""
    global _frozen
    if timezone.is_naive(at):
        raise ValueError("clock.freeze needs an aware datetime")
    _frozen = at


def advance(delta: timedelta) -> None:
    """Move time forward (or back) by ``delta``, frozen or not."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    _frozen, _offset = None, timedelta(0)
