"""Payments through a gateway, for orders of every kind: starting a payment, handling its
asynchronous notifications (authenticated, checked, idempotent per trade), refunds approved by
operators, and refunds owed through the gateway (retried until done). Gateways are called
outside database transactions. This module depends on ``shop.orders``; never the other way.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from shop.core import clock
from shop.core.errors import DomainError
from shop.core.texts import Text
from shop.orders import services as order_services
from shop.orders import texts as order_texts
from shop.orders.models import Order, OrderStatus, PaymentMethod

from .gateways import get_gateway
from .gateways.base import PAYMENT, GatewayError, InvalidSignature, PaymentRequest, refund_request_id
from .models import GatewayEvent, GatewayRefund, NotificationLog, NotificationOutcome

log = logging.getLogger(__name__)

REFUND_LEASE = timedelta(minutes=10)  # a refund being paid out is not retried before this
MAX_BACKOFF = timedelta(hours=6)
PAYLOAD_FIELDS, PAYLOAD_VALUE = 40, 512  # what is kept of a notification's fields
REJECTED_KEPT = 1000  # rejected (unauthenticated) notifications kept per gateway


def start_payment(order: Order, *, gateway_name: str | None, return_url: str, notify_url: str, now: datetime) -> str:
    """The URL to send the shopper to. Refused once the order can no longer be paid."""
    if not order_services.is_payable(order, now):
        if order.status == OrderStatus.PENDING and order.payable > 0:
            raise order_services.OrderTimedOut()
        raise DomainError(_("This order does not need paying."), code="not_payable")
    if order.needs_shipping:
        raise DomainError(_("Choose where we ship it before you pay."), code="shipping")
    gateway = get_gateway(gateway_name)
    return gateway.start(
        PaymentRequest(
            order_number=order.number,
            amount=order.payable,
            subject=_("Bazaar order %(number)s") % {"number": order.number},
            return_url=return_url,
            notify_url=notify_url,
            expires_at=order.expires_at,
        )
    )


def _clean(text) -> str:
    """A value safe to store anywhere: no NUL (PostgreSQL refuses it), bounded."""
    return str(text).replace("\x00", "\ufffd")[:PAYLOAD_VALUE]


def _payload(data) -> dict[str, str]:
    items = data.items() if hasattr(data, "items") else dict(data).items()
    return {_clean(k)[:64]: _clean(v) for k, v in list(items)[:PAYLOAD_FIELDS]}


def handle_notification(gateway_name: str, data) -> tuple[bool, NotificationLog]:
    """Verify and apply one notification. Returns (acknowledge, log row).

    Order of checks: signature → order exists → amount matches → the payment (trade) not seen
    before (unique key, same transaction as the state change) → state change. A *different* trade
    for an order that can no longer be paid (timed out, cancelled, already paid by another trade)
    is refunded through the gateway after commit; the same trade announced again, in any form or
    order, changes nothing.
    """
    gateway = get_gateway(gateway_name)
    now = clock.now()
    payload = _payload(data)
    try:
        note = gateway.parse_notification(payload)
    except InvalidSignature as exc:
        row = NotificationLog.objects.create(
            gateway=gateway.name, order_number=(payload.get("out_trade_no") or payload.get("order_number", ""))[:64],
            payload=payload, verified=False, outcome=NotificationOutcome.REJECTED, detail=_clean(exc)[:300],
            received_at=now,
        )
        log.warning("event=notification_rejected gateway=%s reason=%s", gateway.name, exc)
        return False, row

    def done(outcome: str, detail: str = "", ack: bool = True):
        row = NotificationLog.objects.create(
            gateway=gateway.name, order_number=_clean(note.order_number)[:64], event_id=_clean(note.event_id)[:100],
            payload=payload, verified=True, outcome=outcome, detail=_clean(detail)[:300], received_at=now,
        )
        log.info("event=notification gateway=%s order=%s trade=%s outcome=%s", gateway.name, note.order_number,
                 note.trade_no, outcome)
        return ack, row

    if note.kind != PAYMENT:  # a refund confirmation, a "waiting for the buyer": nothing to change
        return done(NotificationOutcome.IGNORED, note.kind)
    order = Order.objects.filter(number=note.order_number).first()
    if order is None:
        return done(NotificationOutcome.REJECTED, "unknown order", ack=False)
    if note.amount != order.payable:
        return done(NotificationOutcome.REJECTED, f"amount {note.amount} != payable {order.payable}", ack=False)
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if not note.paid:
                outcome = NotificationOutcome.FAILED
            elif order_services.is_payable(locked, now):
                outcome = NotificationOutcome.APPLIED
            else:
                outcome = NotificationOutcome.LATE_REFUNDED
            GatewayEvent.objects.create(
                gateway=gateway.name, event_id=note.event_id[:100], trade_no=note.trade_no[:100], order=locked,
                paid=note.paid, amount=note.amount, outcome=outcome, at=now,
            )
            if outcome == NotificationOutcome.APPLIED:
                order_services.mark_paid(locked.pk, method=gateway.name, now=now,
                                         note=Text(order_texts.EVENT_PAID_ONLINE, event=note.trade_no or note.event_id))
            elif outcome == NotificationOutcome.LATE_REFUNDED:
                if locked.status == OrderStatus.PENDING:  # past its deadline: close it first
                    order_services.time_out(locked.pk, now=now)
                owe_refund(locked, amount=note.amount, reason=f"late payment {note.trade_no or note.event_id}",
                           now=now, gateway_name=gateway.name)
    except IntegrityError:
        return done(NotificationOutcome.DUPLICATE, "payment already handled")
    return done(outcome)


# --- refunds -------------------------------------------------------------------------------------
def _paid_through_gateway(order: Order) -> bool:
    return order.payable > 0 and order.payment_method not in ("", PaymentMethod.WALLET)


@transaction.atomic
def approve_refund(order_id: int, *, operator, now: datetime) -> Order:
    """An operator approves a refund: the order is refunded (balance back, the kind takes back
    exactly what it granted) and the gateway part is owed back through the gateway."""
    order = order_services.refund(order_id, operator=operator, now=now)
    if _paid_through_gateway(order):
        owe_refund(order, amount=order.payable, reason="refund approved", now=now)
    return order


def owe_refund(order: Order, *, amount, reason: str, now: datetime, gateway_name: str | None = None) -> GatewayRefund:
    """Record a refund owed through the gateway (once per order and reason) inside the caller's
    transaction; it is paid out after commit, and retried by the sweeper until it succeeds."""
    refund, created = GatewayRefund.objects.get_or_create(
        order=order, reason=reason[:200],
        defaults={"gateway": gateway_name or order.payment_method, "amount": amount, "created_at": now,
                  "next_attempt_at": now},
    )
    if created:
        transaction.on_commit(lambda: async_task("shop.payments.tasks.execute_refund", refund.pk))
    return refund


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def execute_refund(refund_id: int, *, now: datetime | None = None) -> bool:
    """Pay out one owed refund through its gateway, outside any transaction. Safe to call twice,
    from two workers or after a crash: the attempt is claimed by a conditional UPDATE (a lease),
    and the gateway gets the same request id every time, so it never pays twice. Returns True
    when the refund is done."""
    now = now or clock.now()
    claimed = GatewayRefund.objects.due(now).filter(pk=refund_id).update(
        attempts=F("attempts") + 1, next_attempt_at=now + REFUND_LEASE
    )
    if not claimed:
        return GatewayRefund.objects.filter(pk=refund_id, done_at__isnull=False).exists()
    refund = GatewayRefund.objects.select_related("order").get(pk=refund_id)
    try:
        refund_no = get_gateway(refund.gateway).refund(
            refund.order.number, refund.amount, reason=refund.reason,
            request_id=refund_request_id(refund.order.number, refund.amount, refund.reason),
        )
    except (GatewayError, LookupError) as exc:
        GatewayRefund.objects.filter(pk=refund_id, done_at__isnull=True).update(
            error=_clean(exc)[:300], next_attempt_at=clock.now() + backoff(refund.attempts)
        )
        log.error("event=refund_failed order=%s attempt=%s error=%s", refund.order.number, refund.attempts, exc)
        return False
    GatewayRefund.objects.filter(pk=refund_id, done_at__isnull=True).update(
        refund_id=str(refund_no)[:100], done_at=clock.now(), error="", next_attempt_at=None
    )
    log.info("event=refund_done order=%s amount=%s", refund.order.number, refund.amount)
    return True


def retry_due_refunds(now: datetime, *, limit: int = 100) -> int:
    """The sweeper's share: pay out refunds that failed (after their backoff) or whose worker died."""
    due = list(GatewayRefund.objects.due(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if execute_refund(pk, now=now))


def prune_rejected_notifications() -> int:
    """Unauthenticated junk can't grow the log without bound: keep the newest few per gateway."""
    removed = 0
    for gateway in NotificationLog.objects.filter(verified=False).values_list("gateway", flat=True).distinct():
        rows = NotificationLog.objects.filter(verified=False, gateway=gateway).order_by("-id")
        cutoff = rows.values_list("id", flat=True)[REJECTED_KEPT:REJECTED_KEPT + 1].first()
        if cutoff is not None:
            removed += rows.filter(id__lte=cutoff).delete()[0]
    return removed
