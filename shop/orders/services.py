"""The order state machine. Every transition locks the order row, checks the move is legal
(``TRANSITIONS``), writes the new state and an ``OrderEvent``, and does its side effects (balance
back through the wallet ledger, coupons back, enrollments) in the same transaction."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from shop.catalog.models import ProductKind
from shop.core import audit, clock
from shop.core.errors import DomainError
from shop.coupons import services as coupon_services
from shop.notifications.services import notify
from shop.scheduling.services import job_name, schedule_once, unschedule
from shop.wallet.models import EntryKind
from shop.wallet.services import credit

from .models import (
    TRANSITIONS,
    Enrollment,
    EnrollmentStatus,
    Order,
    OrderEvent,
    OrderStatus,
)

log = logging.getLogger(__name__)

TIMEOUT_JOB = "shop.orders.tasks.time_out"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_order_number(now: datetime) -> str:
    """``B`` + local date + 10 random characters (50 bits): readable, unique under any load
    (and the column is unique; a collision would roll back and be retried by the caller)."""
    return f"B{now:%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def record_event(order: Order, *, from_status: str, to_status: str, actor=None, note: str = "", now=None):
    return OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=actor, note=note[:300], at=now or clock.now()
    )


class IllegalTransition(DomainError):
    pass


def _move(order_id: int, to: str, *, actor, now: datetime, note: str = "", user=None) -> Order:
    """Lock the order, refuse illegal moves, write the new status and the event."""
    orders = Order.objects.select_for_update()
    order = orders.get(pk=order_id, user=user) if user is not None else orders.get(pk=order_id)
    if to not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            _("This order is %(status)s and cannot be changed that way.") % {"status": order.get_status_display().lower()},
            code="illegal_transition",
        )
    from_status, order.status = order.status, to
    fields = ["status"]
    if to == OrderStatus.PAID and order.paid_at is None:
        order.paid_at, fields = now, [*fields, "paid_at"]
    if to in (OrderStatus.CANCELLED, OrderStatus.TIMED_OUT, OrderStatus.REFUNDED):
        order.closed_at, fields = now, [*fields, "closed_at"]
    order.save(update_fields=fields)
    record_event(order, from_status=from_status, to_status=to, actor=actor, note=note, now=now)
    return order


def schedule_timeout(order: Order) -> None:
    transaction.on_commit(
        lambda: schedule_once(job_name("order", order.number, "timeout"), TIMEOUT_JOB, order.expires_at, order.pk)
    )


def payment_deadline(now: datetime, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)


# --- paying --------------------------------------------------------------------------------------
def grant_enrollments(order: Order, *, now: datetime) -> list[Enrollment]:
    """Paid lines give access for the policy's days from now, extending an active enrollment."""
    granted = []
    for line in order.lines.select_related("product"):
        enrollment, created = Enrollment.objects.select_for_update().get_or_create(
            user=order.user,
            product=line.product,
            defaults={"starts_at": now, "ends_at": now + timedelta(days=line.days), "last_line": line,
                      "status": _initial_status(line.product)},
        )
        if not created:
            active = enrollment.status != EnrollmentStatus.ENDED and enrollment.ends_at > now
            base = enrollment.ends_at if active else now
            if not active:
                enrollment.starts_at = now
                enrollment.status = _initial_status(line.product, registered=hasattr(enrollment, "registration"))
            enrollment.ends_at = base + timedelta(days=line.days)
            enrollment.last_line = line
            enrollment.save()
        granted.append(enrollment)
    return granted


def _initial_status(product, registered: bool = False) -> str:
    if product.kind == ProductKind.DEGREE and not registered:
        return EnrollmentStatus.AWAITING_REGISTRATION
    return EnrollmentStatus.ACTIVE


@transaction.atomic
def mark_paid(order_id: int, *, method: str, now: datetime, actor=None, note: str = "") -> Order:
    order = _move(order_id, OrderStatus.PAID, actor=actor, now=now, note=note)
    order.payment_method = method
    order.save(update_fields=["payment_method"])
    grant_enrollments(order, now=now)
    transaction.on_commit(lambda: unschedule(job_name("order", order.number, "timeout")))
    notify(order.user, _("Order %(number)s is paid") % {"number": order.number},
           _("Thank you! Your courses are ready in My courses."), url=order.get_absolute_url())
    return order


# --- closing without payment ---------------------------------------------------------------------
def _give_back(order: Order, *, now: datetime, actor) -> None:
    """Return the balance (ledger entry of kind refund) and the coupons (if still valid)."""
    if order.balance_used > 0:
        credit(user=order.user, asset="balance", amount=order.balance_used, kind=EntryKind.REFUND,
               memo=_("Order %(number)s") % {"number": order.number}, ref=order.ref, actor=actor)
    coupon_ids = [c for c in [order.global_coupon_id, *order.lines.values_list("coupon_id", flat=True)] if c]
    if coupon_ids:
        coupon_services.release(coupon_ids, now=now)


@transaction.atomic
def cancel(order_id: int, *, user, now: datetime) -> Order:
    """The shopper cancels a pending order."""
    order = _move(order_id, OrderStatus.CANCELLED, actor=user, now=now, user=user)
    _give_back(order, now=now, actor=user)
    transaction.on_commit(lambda: unschedule(job_name("order", order.number, "timeout")))
    return order


@transaction.atomic
def time_out(order_id: int, *, now: datetime) -> Order | None:
    """Idempotent: a pending order past its deadline times out once; anything else is left alone."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.PENDING or order.expires_at > now:
        return None
    order = _move(order_id, OrderStatus.TIMED_OUT, actor=None, now=now, note="payment window closed")
    _give_back(order, now=now, actor=None)
    notify(order.user, _("Order %(number)s timed out") % {"number": order.number},
           _("It was not paid in time. Any balance and coupons you used are back in your account."),
           url=order.get_absolute_url())
    return order


def is_payable(order: Order, now: datetime) -> bool:
    """Read against the clock: a pending order past its deadline can't be paid, even before the
    time-out job ran."""
    return order.status == OrderStatus.PENDING and order.expires_at > now and order.payable > 0


# --- refunds -------------------------------------------------------------------------------------
@transaction.atomic
def request_refund(order_id: int, *, user, reason: str, now: datetime) -> Order:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Please tell us why you want a refund."), code="reason_required")
    order = _move(order_id, OrderStatus.REFUND_REQUESTED, actor=user, now=now, note=reason, user=user)
    order.refund_reason = reason[:300]
    order.save(update_fields=["refund_reason"])
    return order


@transaction.atomic
def approve_refund(order_id: int, *, operator, now: datetime) -> Order:
    """Balance back through the ledger, the gateway part refunded through the gateway (after
    commit), enrollments ended. Coupons stay used."""
    from shop.payments.services import refund_through_gateway

    order = _move(order_id, OrderStatus.REFUNDED, actor=operator, now=now, note="refund approved")
    if order.balance_used > 0:
        credit(user=order.user, asset="balance", amount=order.balance_used, kind=EntryKind.REFUND,
               memo=_("Refund of order %(number)s") % {"number": order.number}, ref=order.ref, actor=operator)
    if order.payable > 0 and order.payment_method not in ("", "wallet"):
        refund_through_gateway(order, amount=order.payable, reason="refund approved", now=now)
    product_ids = order.lines.values_list("product_id", flat=True)
    Enrollment.objects.filter(user=order.user, product_id__in=product_ids).update(
        status=EnrollmentStatus.ENDED, ends_at=now
    )
    audit.record(actor=operator, action="order.refund_approve", target=order,
                 before={"status": OrderStatus.REFUND_REQUESTED}, after={"status": order.status})
    notify(order.user, _("Refund approved for order %(number)s") % {"number": order.number},
           _("The money is on its way back."), url=order.get_absolute_url())
    return order


@transaction.atomic
def reject_refund(order_id: int, *, operator, note: str, now: datetime) -> Order:
    order = _move(order_id, OrderStatus.PAID, actor=operator, now=now, note=note or "refund rejected")
    audit.record(actor=operator, action="order.refund_reject", target=order,
                 before={"status": OrderStatus.REFUND_REQUESTED}, after={"status": order.status, "note": note})
    notify(order.user, _("Refund declined for order %(number)s") % {"number": order.number}, note,
           url=order.get_absolute_url())
    return order
