"""Coupon writes: definitions (operators), claims (shoppers), use and release (checkout), and the
time-driven moves (claim open/close, expiry)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from shop.core import audit, writer
from shop.core.errors import DomainError
from shop.core.uploads import instance_files_stored_first
from shop.scheduling.services import job_name, schedule_once, unschedule

from . import claim_hints, rules
from .models import ClaimedCoupon, ClaimedStatus, ClaimStatus, Coupon, CouponHolding

AUDIT_FIELDS = ["name", "kind", "value", "off_percent", "min_spend", "scope", "product", "auction_session", "quantity",
                "per_user_limit", "claim_opens_at", "claim_closes_at", "valid_from", "valid_until", "valid_days"]
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


# --- definitions ---------------------------------------------------------------------------------
def schedule_jobs(coupon: Coupon, *, now: datetime) -> None:
    """After commit: one job for each window edge still ahead (edges already passed were
    applied when saving, and the sweeper covers anything missed)."""
    def plan():
        for event, when in (("open", coupon.claim_opens_at), ("close", coupon.claim_closes_at)):
            name = job_name("coupon", coupon.pk, event)
            if when > now:
                schedule_once(name, "shop.coupons.tasks.sync_status", when, coupon.pk)
            else:
                unschedule(name)

    transaction.on_commit(plan)


class InvalidCoupon(DomainError):
    """A definition that breaks a rule of SPEC §4; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), code="invalid")
        self.errors = errors


def coupon_save(*, coupon: Coupon, actor, now: datetime) -> Coupon:
    """Create, or edit while the claim has not started (refused afterwards). The definition must
    obey every rule of :mod:`shop.coupons.rules` (``InvalidCoupon`` otherwise). A new cover is
    written to storage before the transaction (and removed if it fails)."""
    with instance_files_stored_first(coupon, "cover"):
        return _coupon_save(coupon=coupon, actor=actor, now=now)


@transaction.atomic
def _coupon_save(*, coupon: Coupon, actor, now: datetime) -> Coupon:
    errors = rules.definition_errors(rules.coupon_data(coupon))
    if errors:
        raise InvalidCoupon(errors)
    before = None
    if coupon.pk:
        stored = Coupon.objects.select_for_update().get(pk=coupon.pk)
        if stored.is_deleted or stored.claim_status_at(now) != ClaimStatus.NOT_STARTED:
            raise DomainError(_("Claiming has started: this coupon can no longer be edited."), code="locked")
        before = audit.snapshot(stored, AUDIT_FIELDS)
    coupon.status = coupon.claim_status_at(now)
    coupon.save()
    audit.record(actor=actor, action="coupon.update" if before else "coupon.create", target=coupon,
                 before=before, after=audit.snapshot(coupon, AUDIT_FIELDS))
    schedule_jobs(coupon, now=now)
    transaction.on_commit(lambda: claim_hints.forget(coupon.pk))
    return coupon


@transaction.atomic
def coupon_delete(*, coupon_id: int, actor, now: datetime) -> Coupon:
    """Soft delete; its scheduled jobs go too. Coupons already claimed stay with their owners."""
    coupon = Coupon.objects.select_for_update().get(pk=coupon_id, is_deleted=False)
    coupon.is_deleted, coupon.deleted_at = True, now
    coupon.save(update_fields=["is_deleted", "deleted_at"])
    audit.record(actor=actor, action="coupon.delete", target=coupon, before={"is_deleted": False},
                 after={"is_deleted": True})
    transaction.on_commit(lambda: (unschedule(job_name("coupon", coupon.pk, "open")),
                                   unschedule(job_name("coupon", coupon.pk, "close")),
                                   claim_hints.forget(coupon.pk)))
    return coupon


def sync_status(coupon_id: int | None, *, now: datetime) -> int:
    """Move stored claim statuses to what the clock says (idempotent conditional UPDATEs)."""
    coupons = Coupon.objects.alive()
    if coupon_id is not None:
        coupons = coupons.filter(pk=coupon_id)
    opened = coupons.filter(status=ClaimStatus.NOT_STARTED, claim_opens_at__lte=now, claim_closes_at__gt=now).update(
        status=ClaimStatus.CLAIMING)
    ended = coupons.filter(~Q(status=ClaimStatus.ENDED), claim_closes_at__lte=now).update(status=ClaimStatus.ENDED)
    return opened + ended


def expire_due(*, now: datetime) -> int:
    return ClaimedCoupon.objects.filter(status=ClaimedStatus.UNUSED, valid_until__lte=now).update(
        status=ClaimedStatus.EXPIRED)


# --- claiming ------------------------------------------------------------------------------------
class ClaimRefused(DomainError):
    pass


_REFUSALS = {
    "missing": gettext_noop("This coupon does not exist."),
    "not_started": gettext_noop("Claiming has not started yet."),
    "ended": gettext_noop("Claiming has ended."),
    "limit": gettext_noop("You have already claimed this coupon."),
    "sold_out": gettext_noop("None left — all of them have been claimed."),
}
_refusal_texts: dict[tuple[str | None, str], str] = {}  # (language, code) → translated message


def _refused(code: str) -> ClaimRefused:
    """The refusal with its message in the active language (translated once per language: a
    flash sale raises thousands of them)."""
    key = (get_language(), code)
    text = _refusal_texts.get(key)
    if text is None:
        text = _refusal_texts[key] = _(_REFUSALS[code])
    return ClaimRefused(text, code=code)


def claim(*, user, coupon_id: int, now: datetime) -> ClaimedCoupon:
    """Claim one coupon for ``user`` at ``now``.

    A flash sale is mostly refusals, so they are answered as cheaply as possible, and never with
    a database write: first from the cache hints of :mod:`.claim_hints` (one cache read: sold
    out, ended, already holding the limit), then from one read (the coupon with the shopper's
    holding). Both only save work: the transaction in ``_claim`` enforces the per-user limit and
    the quantity with conditional UPDATEs, so concurrent claims can never exceed either; any
    refusal there rolls everything back. What a refusal proved is remembered as a hint after
    commit. Raises ``ClaimRefused`` with ``code`` missing / not_started / ended / limit / sold_out.
    """
    code = claim_hints.refusal(*claim_hints.read_local(coupon_id, user.pk), now)
    if code:
        raise _refused(code)
    with writer.queue(f"coupon:{coupon_id}"):  # SQLite: this process's claims take turns
        # The shared hints, read in turn: a claim of this process may have learnt more meanwhile.
        hint, held_limit = claim_hints.read(coupon_id, user.pk, now)
        code = claim_hints.refusal(hint, held_limit, now)
        if code:
            raise _refused(code)
        coupon = _coupon_with_holding(coupon_id, user.pk)
        if coupon is None:
            raise _refused("missing")
        code = _refusal_of(coupon, coupon.held or 0, now)
        if code:
            if code == "limit":
                claim_hints.remember_holder(coupon, user.pk)
            elif hint is None or (code == "sold_out" and not hint.sold_out):
                claim_hints.remember_coupon(coupon, now=now)
            raise _refused(code)
        try:
            claimed = _claim(user=user, coupon=coupon, now=now)
        except ClaimRefused as refusal:  # rolled back: remember only what committed state showed
            if refusal.code == "limit":
                claim_hints.remember_holder(coupon, user.pk)
            elif refusal.code in ("sold_out", "ended"):
                claim_hints.remember_coupon(coupon, now=now)
            raise
    return claimed


def _refusal_of(coupon: Coupon, held: int, now: datetime) -> str | None:
    state = coupon.claim_status_at(now)
    if state == ClaimStatus.NOT_STARTED:
        return "not_started"
    if state == ClaimStatus.ENDED or (coupon.valid_until is not None and coupon.valid_until <= now):
        return "ended"
    if held >= coupon.per_user_limit:
        return "limit"
    if coupon.claimed >= coupon.quantity:
        return "sold_out"
    return None


@transaction.atomic
def _claim(*, user, coupon: Coupon, now: datetime) -> ClaimedCoupon:
    """The claim itself: +1 on the shopper's holding ``WHERE count < limit``, then +1 on the
    coupon ``WHERE claimed < quantity`` and the window holds at ``now``, then the claimed row.
    (``per_user_limit`` cannot change meanwhile: editing is refused once claiming started.)
    On a refusal ``coupon`` is left refreshed (claimed, is_deleted) for the caller's hints."""
    if not _take_holding(user_id=user.pk, coupon_id=coupon.pk, limit=coupon.per_user_limit):
        raise _refused("limit")
    # Quantity, window (by the clock, not the stored status), not deleted, and for fixed dates
    # still usable: all in the WHERE of the one UPDATE that takes a coupon.
    if not _take_coupon(coupon_id=coupon.pk, now=now):
        coupon.refresh_from_db(fields=["claimed", "is_deleted"])
        if coupon.is_deleted:
            raise _refused("missing")
        if coupon.claimed >= coupon.quantity:
            raise _refused("sold_out")
        raise _refused("ended")
    valid_from, valid_until = coupon.validity_for(now)
    return ClaimedCoupon.objects.create(coupon=coupon, user=user, code=new_code(), claimed_at=now,
                                        valid_from=valid_from, valid_until=valid_until)


# The claim path runs once per attempt of a flash sale, and building its SQL through the ORM cost
# more than running it (docs/benchmarks.md): its three statements are written out, in the
# syntax SQLite (≥ 3.24) and PostgreSQL share, with values adapted by the backend.
def _coupon_with_holding(coupon_id: int, user_id: int) -> Coupon | None:
    """The live coupon with ``held``: how many of it the shopper holds (None if none yet)."""
    coupon_table = connection.ops.quote_name(Coupon._meta.db_table)
    holding_table = connection.ops.quote_name(CouponHolding._meta.db_table)
    rows = Coupon.objects.raw(
        f"SELECT c.*, h.count AS held FROM {coupon_table} c LEFT JOIN {holding_table} h "
        f"ON h.coupon_id = c.id AND h.user_id = %s WHERE c.id = %s AND c.is_deleted = %s",
        [user_id, coupon_id, False],
    )
    return next(iter(rows), None)


def _take_coupon(*, coupon_id: int, now: datetime) -> bool:
    """+1 on ``claimed`` while some are left, the window holds at ``now`` (by the clock, not the
    stored status), the coupon is not deleted and, for fixed dates, still usable. True if taken."""
    table = connection.ops.quote_name(Coupon._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET claimed = claimed + 1 WHERE id = %s AND is_deleted = %s AND claimed < quantity "
            f"AND claim_opens_at <= %s AND claim_closes_at > %s AND (valid_days IS NOT NULL OR valid_until > %s)",
            [coupon_id, False, at, at, at],
        )
        return cursor.rowcount == 1


def _take_holding(*, user_id: int, coupon_id: int, limit: int) -> bool:
    """+1 on the shopper's holding while ``count < limit`` (a new holding starts at 1): one
    conditional upsert (the ORM has none), so the claim transaction holds its locks for as few
    statements as possible. True if it was taken."""
    table = connection.ops.quote_name(CouponHolding._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, coupon_id, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (user_id, coupon_id) DO UPDATE SET count = {table}.count + 1 WHERE {table}.count < %s",
            [user_id, coupon_id, limit],
        )
        return cursor.rowcount == 1


def grant(*, user, coupon_id: int, now: datetime) -> ClaimedCoupon:
    """Give ``user`` one coupon as a prize (campaigns): outside the claim window and the
    per-shopper claim limit (the prize has its own), but within the coupon's quantity — one
    conditional UPDATE, so prizes and claims together never exceed it — and only while it can
    still be used. Raises ``ClaimRefused`` (sold_out) otherwise. Call it inside the caller's
    transaction."""
    taken = Coupon.objects.filter(
        Q(valid_days__isnull=False) | Q(valid_until__gt=now),
        pk=coupon_id, is_deleted=False, claimed__lt=F("quantity"),
    ).update(claimed=F("claimed") + 1)
    if not taken:
        raise _refused("sold_out")
    coupon = Coupon.objects.get(pk=coupon_id)
    valid_from, valid_until = coupon.validity_for(now)
    return ClaimedCoupon.objects.create(coupon=coupon, user=user, code=new_code(), claimed_at=now,
                                        valid_from=valid_from, valid_until=valid_until)


# --- using (checkout) ----------------------------------------------------------------------------
@transaction.atomic
def mark_used(claimed_ids: Iterable[int], *, order_ref: str, now: datetime, user=None) -> None:
    """Use the coupons for an order (call it inside the order's transaction). One conditional
    UPDATE unused → used; if any of them is not usable at ``now`` (used meanwhile, expired even
    if not swept yet, not yet valid, or — with ``user`` — not this shopper's) nothing changes and
    ``DomainError(code="coupon_used")`` is raised."""
    ids = sorted(set(claimed_ids))
    if not ids:
        return
    coupons = ClaimedCoupon.objects.filter(pk__in=ids, status=ClaimedStatus.UNUSED, valid_from__lte=now,
                                           valid_until__gt=now)
    if user is not None:
        coupons = coupons.filter(user=user)
    used = coupons.update(status=ClaimedStatus.USED, used_at=now, order_ref=order_ref)
    if used != len(ids):
        raise DomainError(_("A coupon you chose can no longer be used. Please review your order."), code="coupon_used")


@transaction.atomic
def release(claimed_ids: Iterable[int], *, now: datetime) -> None:
    """Give coupons back after a cancelled or timed-out order: used → unused while still inside
    their validity, → expired otherwise. Coupons that are not used are left alone (idempotent)."""
    ids = sorted(set(claimed_ids))
    used = ClaimedCoupon.objects.filter(pk__in=ids, status=ClaimedStatus.USED)
    used.filter(valid_until__gt=now).update(status=ClaimedStatus.UNUSED, used_at=None, order_ref="")
    used.filter(valid_until__lte=now).update(status=ClaimedStatus.EXPIRED, used_at=None, order_ref="")
