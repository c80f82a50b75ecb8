"""Refusal hints for the flash claim, kept in the cache (the database cache by default, Redis
when ``REDIS_URL``): most attempts of a flash sale are refusals, and these answer them with one
cache read instead of a database query, and never with a database write.

A hint can only *refuse*; it never grants. The limits themselves stay the conditional UPDATEs of
``services._claim``. A hint is written only from committed state (after the read or the
transaction that observed it, through ``on_commit``) and only for facts that cannot be undone
under the rules of SPEC §4:

* a coupon whose claim has started can no longer be edited (``coupon_save`` refuses), so its
  window, quantity and per-shopper limit are fixed; ``claimed`` only grows, so "sold out" and
  "ended" stay true;
* a shopper's holding only grows, so "holds the limit" stays true.

Any write that changes a definition (``coupon_save``, ``coupon_delete``, or a future "raise the
quantity" action) must call :func:`forget` after its commit; the coupon hint also records the
quantity and limit it was taken at. Hints expire after ``TTL`` anyway, and a cache that fails is
treated as empty (the claim then takes the database path).

Each process also keeps the hints it read or wrote for ``LOCAL_TTL`` seconds, so that the bulk
of a flash sale's refusals cost neither a query nor a cache round trip; :func:`forget` clears
this process at once and the others within ``LOCAL_TTL``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction

log = logging.getLogger(__name__)

TTL = 15 * 60  # seconds, in the shared cache
LOCAL_TTL = 2.0  # seconds, in this process
_LOCAL_MAX = 50_000
_PREFIX = "coupon-claim:v1"
_local: dict[str, tuple[float, object]] = {}  # key → (expires at, monotonic clock; value)


def _local_get(key: str):
    entry = _local.get(key)
    if entry is None:
        return None
    if entry[0] <= time.monotonic():
        _local.pop(key, None)
        return None
    return entry[1]


def _local_put(key: str, value) -> None:
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[key] = (time.monotonic() + LOCAL_TTL, value)


def clear_local() -> None:
    """Forget this process's copies (tests; the shared cache is left alone)."""
    _local.clear()


@dataclass(frozen=True)
class CouponHint:
    """What refuses a claim of a started coupon: its window, fixed validity end, limits, and
    whether it was sold out (``claimed >= quantity``) when observed."""

    opens_at: datetime
    closes_at: datetime
    valid_until: datetime | None
    quantity: int
    per_user_limit: int
    sold_out: bool


def coupon_key(coupon_id: int) -> str:
    return f"{_PREFIX}:c{coupon_id}"


def holder_key(coupon_id: int, user_id: int) -> str:
    return f"{_PREFIX}:c{coupon_id}:u{user_id}"


def read_local(coupon_id: int, user_id: int) -> tuple[CouponHint | None, int | None]:
    """This process's copies only (no cache round trip)."""
    return _local_get(coupon_key(coupon_id)), _local_get(holder_key(coupon_id, user_id))


def read(coupon_id: int, user_id: int, now: datetime) -> tuple[CouponHint | None, int | None]:
    """(coupon hint or None, the per-shopper limit this shopper was seen holding or None). When
    this process's copies already prove a refusal at ``now``, no cache round trip; otherwise one."""
    keys = [coupon_key(coupon_id), holder_key(coupon_id, user_id)]
    hint, held_limit = read_local(coupon_id, user_id)
    if refusal(hint, held_limit, now):
        return hint, held_limit
    if isinstance(caches["default"], DatabaseCache) and connection.in_atomic_block:
        return hint, held_limit  # a failing cache query would abort the caller's transaction
    try:
        found = cache.get_many(keys)
    except Exception:  # a hint cache that fails must never fail a claim
        log.warning("claim hints unavailable", exc_info=True)
        return None, None
    hint, held_limit = found.get(keys[0]), found.get(keys[1])
    hint = hint if isinstance(hint, CouponHint) else None
    held_limit = held_limit if isinstance(held_limit, int) else None
    if hint is not None:
        _local_put(keys[0], hint)
    if held_limit is not None:
        _local_put(keys[1], held_limit)
    return hint, held_limit


def refusal(hint: CouponHint | None, held_limit: int | None, now: datetime) -> str | None:
    """The refusal code the hints prove at ``now`` (ended / limit / sold_out), or None: then
    only the database can answer. Checked in the same order as the database path."""
    if held_limit is not None and hint is None:
        return "limit"
    if hint is None or now < hint.opens_at:
        return None
    if now >= hint.closes_at or (hint.valid_until is not None and hint.valid_until <= now):
        return "ended"
    if held_limit is not None and held_limit >= hint.per_user_limit:
        return "limit"
    if hint.sold_out:
        return "sold_out"
    return None


def remember_coupon(coupon, *, now: datetime) -> None:
    """After commit: remember a started coupon that refuses claims (sold out or ended). A coupon
    still open with some left is not remembered (nothing to refuse, and no write)."""
    if coupon.is_deleted or now < coupon.claim_opens_at:
        return
    sold_out = coupon.claimed >= coupon.quantity
    ended = now >= coupon.claim_closes_at or (coupon.valid_until is not None and coupon.valid_until <= now)
    if not (sold_out or ended):
        return
    hint = CouponHint(opens_at=coupon.claim_opens_at, closes_at=coupon.claim_closes_at,
                      valid_until=coupon.valid_until, quantity=coupon.quantity,
                      per_user_limit=coupon.per_user_limit, sold_out=sold_out)
    transaction.on_commit(lambda: _set(coupon_key(coupon.pk), hint))


def remember_holder(coupon, user_id: int) -> None:
    """After commit: this shopper holds ``coupon.per_user_limit`` of it (the value stored is that
    limit, so a hint taken under another limit refuses nothing)."""
    limit = coupon.per_user_limit
    transaction.on_commit(lambda: _set(holder_key(coupon.pk, user_id), limit))


def _set(key: str, value) -> None:
    _local_put(key, value)
    try:
        cache.set(key, value, TTL)
    except Exception:
        log.warning("claim hint not stored", exc_info=True)


def forget(coupon_id: int) -> None:
    """After a definition changed (call it from ``on_commit``): drop the coupon's hint. Holder
    hints name the limit they were taken under and are checked against the coupon hint's limit."""
    _local.pop(coupon_key(coupon_id), None)
    try:
        cache.delete(coupon_key(coupon_id))
    except Exception:
        log.warning("claim hint not forgotten", exc_info=True)
