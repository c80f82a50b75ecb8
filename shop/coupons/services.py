"""Coupon writes: definitions (operators), claims (shoppers), use and release (checkout), and the
time-driven moves (claim open/close, expiry)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from shop.core import audit
from shop.core.errors import DomainError
from shop.scheduling.services import job_name, schedule_once, unschedule

from . import rules
from .models import ClaimedCoupon, ClaimedStatus, ClaimStatus, Coupon, CouponHolding

AUDIT_FIELDS = ["name", "kind", "value", "off_percent", "min_spend", "scope", "product", "quantity", "per_user_limit",
                "claim_opens_at", "claim_closes_at", "valid_from", "valid_until", "valid_days"]
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


@transaction.atomic
def coupon_save(*, coupon: Coupon, actor, now: datetime) -> Coupon:
    """Create, or edit while the claim has not started (refused afterwards). The definition must
    obey every rule of :mod:`shop.coupons.rules` (``InvalidCoupon`` otherwise)."""
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
                                   unschedule(job_name("coupon", coupon.pk, "close"))))
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


def claim(*, user, coupon_id: int, now: datetime) -> ClaimedCoupon:
    """Claim one coupon for ``user`` at ``now``.

    One read answers the common refusals early (a flash sale is mostly refusals): unknown or
    deleted, window not open or over, already holding the limit, none left. It only saves work:
    the transaction in ``_claim`` enforces the per-user limit and the quantity with conditional
    UPDATEs, so concurrent claims can never exceed either; any refusal there rolls everything back.
    Raises ``ClaimRefused`` with ``code`` missing / not_started / ended / limit / sold_out.
    """
    held = CouponHolding.objects.filter(user=user, coupon=OuterRef("pk")).values("count")[:1]
    coupon = Coupon.objects.alive().filter(pk=coupon_id).annotate(held=Subquery(held)).first()
    if coupon is None:
        raise ClaimRefused(_("This coupon does not exist."), code="missing")
    state = coupon.claim_status_at(now)
    if state == ClaimStatus.NOT_STARTED:
        raise ClaimRefused(_("Claiming has not started yet."), code="not_started")
    if state == ClaimStatus.ENDED or (coupon.valid_until is not None and coupon.valid_until <= now):
        raise ClaimRefused(_("Claiming has ended."), code="ended")
    if (coupon.held or 0) >= coupon.per_user_limit:
        raise ClaimRefused(_("You have already claimed this coupon."), code="limit")
    if coupon.claimed >= coupon.quantity:
        raise ClaimRefused(_("None left — all of them have been claimed."), code="sold_out")
    return _claim(user=user, coupon=coupon, now=now)


@transaction.atomic
def _claim(*, user, coupon: Coupon, now: datetime) -> ClaimedCoupon:
    """The claim itself: +1 on the shopper's holding ``WHERE count < limit``, then +1 on the
    coupon ``WHERE claimed < quantity`` and the window holds at ``now``, then the claimed row.
    (``per_user_limit`` cannot change meanwhile: editing is refused once claiming started.)"""
    holding, _created = CouponHolding.objects.get_or_create(user=user, coupon=coupon)
    if not CouponHolding.objects.filter(pk=holding.pk, count__lt=coupon.per_user_limit).update(count=F("count") + 1):
        raise ClaimRefused(_("You have already claimed this coupon."), code="limit")
    # Quantity, window (by the clock, not the stored status), not deleted, and for fixed dates
    # still usable: all in the WHERE of the one UPDATE that takes a coupon.
    taken = Coupon.objects.filter(
        Q(valid_days__isnull=False) | Q(valid_until__gt=now),
        pk=coupon.pk, is_deleted=False, claimed__lt=F("quantity"), claim_opens_at__lte=now, claim_closes_at__gt=now,
    ).update(claimed=F("claimed") + 1)
    if not taken:
        coupon.refresh_from_db(fields=["claimed", "is_deleted"])
        if coupon.is_deleted:
            raise ClaimRefused(_("This coupon does not exist."), code="missing")
        if coupon.claimed >= coupon.quantity:
            raise ClaimRefused(_("None left — all of them have been claimed."), code="sold_out")
        raise ClaimRefused(_("Claiming has ended."), code="ended")
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
