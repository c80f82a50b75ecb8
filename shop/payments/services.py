"""Payments through a gateway: starting a payment, handling its asynchronous notifications
(authenticated, checked, idempotent) and refunding. Gateways are called outside database
transactions."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop.core import clock
from shop.core.errors import DomainError
from shop.orders import services as order_services
from shop.orders.models import Order, OrderStatus

from .gateways import get_gateway
from .gateways.base import GatewayError, InvalidSignature, PaymentRequest
from .models import GatewayEvent, GatewayRefund, NotificationLog, NotificationOutcome

log = logging.getLogger(__name__)


def start_payment(order: Order, *, gateway_name: str | None, return_url: str, notify_url: str, now: datetime) -> str:
    """The URL to send the shopper to. Refused once the order can no longer be paid."""
    if not order_services.is_payable(order, now):
        if order.status == OrderStatus.PENDING:
            raise DomainError(_("The payment window of this order has closed."), code="too_late")
        raise DomainError(_("This order does not need paying."), code="not_payable")
    gateway = get_gateway(gateway_name)
    return gateway.start(
        PaymentRequest(
            order_number=order.number,
            amount=order.payable,
            subject=_("Bazaar order %(number)s") % {"number": order.number},
            return_url=return_url,
            notify_url=notify_url,
        )
    )


def handle_notification(gateway_name: str, data) -> tuple[bool, NotificationLog]:
    """Verify and apply one notification. Returns (acknowledge, log row).

    Order of checks: signature → order exists → amount matches → event not seen before
    (unique key, same transaction as the state change) → state change. A payment for an order
    that is no longer pending is refunded through the gateway after commit.
    """
    gateway = get_gateway(gateway_name)
    now = clock.now()
    payload = {k: str(v) for k, v in dict(data).items()}
    try:
        note = gateway.parse_notification(data)
    except InvalidSignature as exc:
        row = NotificationLog.objects.create(
            gateway=gateway.name, order_number=payload.get("out_trade_no") or payload.get("order_number", "")[:64],
            payload=payload, verified=False, outcome=NotificationOutcome.REJECTED, detail=str(exc)[:300],
            received_at=now,
        )
        log.warning("event=notification_rejected gateway=%s reason=%s", gateway.name, exc)
        return False, row

    def done(outcome: str, detail: str = "", ack: bool = True):
        row = NotificationLog.objects.create(
            gateway=gateway.name, order_number=note.order_number[:64], event_id=note.event_id[:100], payload=payload,
            verified=True, outcome=outcome, detail=detail[:300], received_at=now,
        )
        log.info("event=notification gateway=%s order=%s outcome=%s", gateway.name, note.order_number, outcome)
        return ack, row

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
            elif locked.status == OrderStatus.PENDING and locked.expires_at > now:
                outcome = NotificationOutcome.APPLIED
            else:
                outcome = NotificationOutcome.LATE_REFUNDED
            GatewayEvent.objects.create(
                gateway=gateway.name, event_id=note.event_id, order=locked, paid=note.paid, amount=note.amount,
                outcome=outcome, at=now,
            )
            if outcome == NotificationOutcome.APPLIED:
                order_services.mark_paid(locked.pk, method=gateway.name, now=now, note=f"{gateway.name} {note.event_id}")
            elif outcome == NotificationOutcome.LATE_REFUNDED:
                if locked.status == OrderStatus.PENDING:  # past its deadline: close it first
                    order_services.time_out(locked.pk, now=now)
                refund_through_gateway(locked, amount=note.amount, reason=f"late payment {note.event_id}", now=now,
                                       gateway_name=gateway.name)
    except IntegrityError:
        return done(NotificationOutcome.DUPLICATE, "event already handled")
    return done(outcome)


def refund_through_gateway(order: Order, *, amount, reason: str, now: datetime, gateway_name: str | None = None):
    """Record the refund now; call the gateway after commit (never inside a transaction)."""
    refund, created = GatewayRefund.objects.get_or_create(
        order=order, reason=reason[:200],
        defaults={"gateway": gateway_name or order.payment_method, "amount": amount, "created_at": now},
    )
    if created:
        transaction.on_commit(lambda: execute_refund(refund.pk))
    return refund


def execute_refund(refund_id: int) -> None:
    refund = GatewayRefund.objects.select_related("order").get(pk=refund_id)
    if refund.done_at:
        return
    try:
        refund_no = get_gateway(refund.gateway).refund(refund.order.number, refund.amount, reason=refund.reason)
    except GatewayError as exc:
        GatewayRefund.objects.filter(pk=refund_id).update(error=str(exc)[:300])
        log.error("event=refund_failed order=%s error=%s", refund.order.number, exc)
        return
    GatewayRefund.objects.filter(pk=refund_id, done_at__isnull=True).update(
        refund_id=refund_no, done_at=clock.now(), error=""
    )
