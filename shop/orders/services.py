"""The order state machine, for orders of every kind.

Every transition locks the order row, checks the move is legal (``TRANSITIONS``), writes the new
state and an ``OrderEvent``, and does its side effects in the same transaction: balance back
through the wallet ledger, coupons back, and the kind's own hook (:mod:`shop.orders.kinds`).
Gateway refunds are the payments app's business (it calls :func:`refund`); this module never
imports payments or any app that registers a kind.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core import audit, clock, texts
from shop.core.errors import DomainError
from shop.core.money import ZERO
from shop.core.texts import Text
from shop.coupons import services as coupon_services
from shop.coupons.models import ClaimedCoupon
from shop.notifications.services import notify
from shop.scheduling.services import job_name, schedule_once, unschedule
from shop.wallet.models import EntryKind
from shop.wallet.services import credit, debit

from . import kinds
from . import texts as T
from .kinds import get_kind
from .models import TRANSITIONS, Order, OrderEvent, OrderLine, OrderStatus, PaymentMethod

log = logging.getLogger(__name__)

TIMEOUT_JOB = "shop.orders.tasks.time_out"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_order_number(now: datetime, prefix: str = "B") -> str:
    """``B`` (or ``prefix``) + local date + 10 random characters (50 bits): readable, unique under any load
    (and the column is unique; a collision is retried by :func:`open_order`)."""
    return f"{prefix}{timezone.localtime(now):%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def record_event(order: Order, *, from_status: str, to_status: str, actor=None, note: Text | str = "", now=None):
    """An ``OrderEvent``; ``note`` is a :class:`Text` (shown in the reader's language) or what a
    person typed (shown as typed)."""
    note_key, note_params, note_plain = texts.split(note, max_length=300)
    return OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=actor, note=note_plain, note_key=note_key,
        note_params=note_params, at=now or clock.now(),
    )


class IllegalTransition(DomainError):
    pass


class OrderTimedOut(DomainError):
    def __init__(self):
        super().__init__(_("The payment window of this order has closed."), code="too_late")


def _move(order_id: int, to: str, *, actor, now: datetime, note: Text | str = "", user=None) -> Order:
    """Lock the order, refuse illegal moves, write the new status and the event."""
    orders = Order.objects.select_for_update()
    order = orders.get(pk=order_id, user=user) if user is not None else orders.get(pk=order_id)
    if to not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            _("This order is %(status)s and cannot be changed that way.")
            % {"status": OrderStatus(order.status_at(now)).label.lower()},
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


def _timeout_job(order: Order) -> str:
    return job_name("order", order.number, "timeout")


def is_payable(order: Order, now: datetime) -> bool:
    """Read against the clock: a pending order past its deadline can't be paid, even before the
    time-out job ran."""
    return order.status == OrderStatus.PENDING and order.expires_at > now and order.payable > 0


# --- opening -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineSpec:
    """One line of a new order, priced already (see ``shop.checkout.pricing``)."""

    title: str
    original: Decimal
    final: Decimal
    line_discount: Decimal = ZERO
    global_share: Decimal = ZERO
    balance_share: Decimal = ZERO
    product: object | None = None
    policy: object | None = None
    policy_label: str = ""
    days: int = 0
    units: int = 0
    item: str = ""
    coupon: object | None = None  # a ClaimedCoupon used on this line


@dataclass(frozen=True)
class OrderSpec:
    """Everything needed to open an order of any kind."""

    kind: str
    lines: Sequence[LineSpec]
    original_total: Decimal
    payable: Decimal
    line_discount_total: Decimal = ZERO
    subtotal: Decimal = ZERO
    global_discount: Decimal = ZERO
    deposit_applied: Decimal = ZERO
    balance_used: Decimal = ZERO
    global_coupon: object | None = None
    subject: str = ""
    shipping: dict | None = None
    idempotency_key: str | None = None
    extra_coupons: Sequence[object] = field(default_factory=tuple)


def open_order(*, user, spec: OrderSpec, now: datetime, actor=None) -> Order:
    """Create an order inside the caller's transaction: lines, coupons used, balance debited
    (ledger entry). Payable 0 → paid at once (the kind's fulfilment runs); otherwise pending until
    the kind's payment window closes, with a time-out job. Must run inside ``transaction.atomic``."""
    kind = get_kind(spec.kind)
    for _attempt in range(3):
        try:
            with transaction.atomic():  # a savepoint: an order-number collision retries just this
                order = Order.objects.create(
                    number=new_order_number(now), kind=kind.code, subject=spec.subject, user=user,
                    idempotency_key=spec.idempotency_key, status=OrderStatus.PENDING,
                    original_total=spec.original_total, line_discount_total=spec.line_discount_total,
                    subtotal=spec.subtotal, global_discount=spec.global_discount,
                    deposit_applied=spec.deposit_applied, balance_used=spec.balance_used, payable=spec.payable,
                    global_coupon=spec.global_coupon, shipping=spec.shipping, created_at=now,
                    expires_at=now + kind.payment_window(),
                )
            break
        except IntegrityError as exc:
            if "number" not in str(exc).lower():
                raise
    else:
        raise DomainError(_("Please try again."), code="retry")
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product=line.product, policy=line.policy, item=line.item, title=line.title[:120],
                  policy_label=line.policy_label, days=line.days, units=line.units, coupon=line.coupon, original=line.original,
                  line_discount=line.line_discount, global_share=line.global_share,
                  balance_share=line.balance_share, final=line.final)
        for line in spec.lines
    )
    record_event(order, from_status="", to_status=OrderStatus.PENDING, actor=actor or user, now=now)
    coupon_ids = [line.coupon.pk for line in spec.lines if line.coupon is not None]
    coupon_ids += [c.pk for c in (spec.global_coupon, *spec.extra_coupons) if c is not None]
    if coupon_ids:
        coupon_services.mark_used(coupon_ids, order_ref=order.ref, now=now, user=user)
    if spec.balance_used > 0:
        debit(user=user, asset="balance", amount=spec.balance_used, kind=EntryKind.EXPENSE,
              memo=Text(T.MEMO_ORDER, number=order.number), ref=order.ref, actor=actor or user)
    if spec.payable == 0:
        mark_paid(order.pk, method=PaymentMethod.WALLET, now=now, actor=actor or user,
                  note=Text(T.EVENT_PAID_WITH_BALANCE))
        order.refresh_from_db()
    else:
        transaction.on_commit(lambda: schedule_once(_timeout_job(order), TIMEOUT_JOB, order.expires_at, order.pk))
    log.info("event=order_opened order=%s kind=%s payable=%s balance=%s", order.number, order.kind, spec.payable,
             spec.balance_used)
    return order


# --- paying --------------------------------------------------------------------------------------
@transaction.atomic
def mark_paid(order_id: int, *, method: str, now: datetime, actor=None, note: Text | str = "") -> Order:
    """pending → paid, then the kind's fulfilment, in one transaction."""
    order = _move(order_id, OrderStatus.PAID, actor=actor, now=now, note=note)
    order.payment_method = method
    order.save(update_fields=["payment_method"])
    kinds.run("fulfil", order, now)
    transaction.on_commit(lambda: unschedule(_timeout_job(order)))
    notify(order.user, Text(T.PAID, number=order.number), url=order.get_absolute_url())
    return order


# --- closing without payment ---------------------------------------------------------------------
def _give_back(order: Order, *, now: datetime, actor) -> None:
    """Return the balance (ledger entry of kind refund) and the coupons (if still valid), then let
    the kind release what it reserved."""
    if order.balance_used > 0:
        credit(user=order.user, asset="balance", amount=order.balance_used, kind=EntryKind.REFUND,
               memo=Text(T.MEMO_ORDER, number=order.number), ref=order.ref, actor=actor)
    coupon_services.release(ClaimedCoupon.objects.filter(order_ref=order.ref).values_list("pk", flat=True), now=now)
    kinds.run("release", order, now)


@transaction.atomic
def cancel(order_id: int, *, user, now: datetime) -> Order:
    """The shopper cancels a pending order (refused once its payment window has closed: it has
    timed out, whether or not the job ran yet)."""
    order = Order.objects.select_for_update().get(pk=order_id, user=user)
    if order.status == OrderStatus.PENDING and order.expires_at <= now:
        raise OrderTimedOut()
    if order.status == OrderStatus.PENDING and not get_kind(order.kind).shopper_can_cancel:
        raise DomainError(_("This order can't be cancelled."), code="not_cancellable")
    order = _move(order_id, OrderStatus.CANCELLED, actor=user, now=now, user=user)
    _give_back(order, now=now, actor=user)
    transaction.on_commit(lambda: unschedule(_timeout_job(order)))
    return order


@transaction.atomic
def time_out(order_id: int, *, now: datetime) -> Order | None:
    """Idempotent: a pending order past its deadline times out once; anything else is left alone."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.PENDING or order.expires_at > now:
        return None
    order = _move(order_id, OrderStatus.TIMED_OUT, actor=None, now=now, note=Text(T.EVENT_WINDOW_CLOSED))
    _give_back(order, now=now, actor=None)
    notify(order.user, Text(T.TIMED_OUT, number=order.number), url=order.get_absolute_url())
    return order


# --- refunds -------------------------------------------------------------------------------------
@transaction.atomic
def request_refund(order_id: int, *, user, reason: str, now: datetime) -> Order:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Please tell us why you want a refund."), code="reason_required")
    order = Order.objects.select_for_update().get(pk=order_id, user=user)
    if order.status == OrderStatus.PAID and not get_kind(order.kind).refundable:
        raise DomainError(_("This order can't be refunded."), code="not_refundable")
    if order.status == OrderStatus.PAID:
        kinds.run("check_refund", order)
    order = _move(order_id, OrderStatus.REFUND_REQUESTED, actor=user, now=now, note=reason, user=user)
    order.refund_reason = reason[:300]
    order.save(update_fields=["refund_reason"])
    return order


def refund(order_id: int, *, operator, now: datetime) -> Order:
    """refund requested → refunded: the balance back through the ledger and the kind takes back
    what this order granted. The gateway part is the caller's (``payments.services.approve_refund``);
    must run inside its transaction."""
    order = _move(order_id, OrderStatus.REFUNDED, actor=operator, now=now, note=Text(T.EVENT_REFUND_APPROVED))
    if order.balance_used > 0:
        credit(user=order.user, asset="balance", amount=order.balance_used, kind=EntryKind.REFUND,
               memo=Text(T.MEMO_REFUND, number=order.number), ref=order.ref, actor=operator)
    kinds.run("take_back", order, now)
    audit.record(actor=operator, action="order.refund_approve", target=order,
                 before={"status": OrderStatus.REFUND_REQUESTED}, after={"status": order.status})
    notify(order.user, Text(T.REFUND_APPROVED, number=order.number), url=order.get_absolute_url())
    return order


@transaction.atomic
def reject_refund(order_id: int, *, operator, note: str, now: datetime) -> Order:
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Tell the shopper why the refund is declined."), code="reason_required")
    order = _move(order_id, OrderStatus.PAID, actor=operator, now=now, note=note)
    audit.record(actor=operator, action="order.refund_reject", target=order,
                 before={"status": OrderStatus.REFUND_REQUESTED}, after={"status": order.status, "note": note})
    notify(order.user, Text(T.REFUND_DECLINED, number=order.number, reason=note), url=order.get_absolute_url())
    return order
