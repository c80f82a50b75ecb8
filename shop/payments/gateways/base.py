"""The gateway interface.

Gateways work on plain data (no models) and talk to the outside world, so they are called
outside database transactions. Two kinds of failure:

* :class:`InvalidSignature` — a notification or token that is not authentic, not for us, or
  unreadable. The caller logs it and answers the gateway's "fail"; nothing changes.
* :class:`GatewayError` — the gateway refused a call or could not be reached (or is not
  configured). The caller records the error and may retry later.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


class InvalidSignature(Exception):
    """A notification or token that is not authentic (bad signature, wrong app, tampered,
    unreadable)."""


class TokenExpired(InvalidSignature):
    """An authentic sandbox cashier token that is older than allowed."""


class GatewayError(Exception):
    """The gateway refused, could not be reached, or is not configured."""


@dataclass(frozen=True)
class PaymentRequest:
    """What to ask the shopper to pay. ``amount`` is in cents (> 0). ``expires_at`` (optional,
    aware) tells the gateway when to stop accepting the payment."""

    order_number: str
    amount: Decimal
    subject: str
    return_url: str
    notify_url: str
    expires_at: datetime | None = None


# Notification kinds: a payment attempt's result; a refund confirmed by the gateway; a state
# that needs no action (e.g. Alipay's WAIT_BUYER_PAY). Only "payment" may change an order.
PAYMENT, REFUND, INFO = "payment", "refund", "info"


@dataclass(frozen=True)
class GatewayNotification:
    """An authenticated asynchronous notification.

    ``event_id`` identifies the *event* for idempotency (store it under a unique key in the same
    transaction as the state change): re-deliveries of the same event carry the same id.
    ``paid`` is true only for a successful payment (``kind == "payment"``). ``trade_no`` is the
    gateway's id of the payment itself (one per trade, whatever the notification).
    """

    event_id: str
    order_number: str
    amount: Decimal
    paid: bool
    raw: dict = field(repr=False)
    kind: str = PAYMENT
    trade_no: str = ""


class Gateway(ABC):
    """A payment gateway. Subclasses set ``name`` (the value of ``BAZAAR_PAYMENT_GATEWAY`` and of
    the ``<gateway>`` part of the notify URL)."""

    name: str = ""

    @abstractmethod
    def start(self, request: PaymentRequest) -> str:
        """The URL to redirect the shopper to. Raises GatewayError when not configured."""

    @abstractmethod
    def parse_notification(self, data: Mapping[str, str]) -> GatewayNotification:
        """Verify (signature, app id) and read an asynchronous notification (form fields, e.g.
        ``request.POST``). Raises InvalidSignature. The amount and order are returned as sent:
        comparing them with the order is the caller's job."""

    @abstractmethod
    def refund(self, order_number: str, amount: Decimal, *, reason: str, request_id: str | None = None) -> str:
        """Refund ``amount`` of the payment for ``order_number``; returns the gateway's refund
        reference or raises GatewayError. ``request_id`` identifies this refund so that a retry
        is not refunded twice (default: derived from order, amount and reason — see
        :func:`refund_request_id`)."""

    def notification_ack(self, ok: bool) -> tuple[str, str]:
        """The body and content type the gateway expects in answer to a notification."""
        return ("success" if ok else "fail"), "text/plain"


def form_fields(data: Mapping[str, str]) -> dict[str, str]:
    """A notification's fields as a plain ``{str: str}`` (a QueryDict gives its last values)."""
    if hasattr(data, "dict"):
        data = data.dict()
    return {str(k): str(v) for k, v in dict(data).items()}


def parse_amount(text: str) -> Decimal:
    """A gateway amount (``"96.50"``): finite, ≥ 0, at most two places. InvalidSignature otherwise."""
    try:
        amount = Decimal(text.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise InvalidSignature(f"bad amount {text!r}") from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise InvalidSignature(f"bad amount {text!r}")
    return amount.quantize(CENT)


def format_amount(amount: Decimal) -> str:
    """``Decimal("96.5")`` → ``"96.50"``; refuses anything that is not a positive cent amount."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise ValueError(f"a payment amount must be a positive Decimal in cents, not {amount!r}")
    return str(amount.quantize(CENT))


def refund_request_id(order_number: str, amount: Decimal, reason: str) -> str:
    """A stable id for one refund of an order (≤ 64 characters): the same order, amount and reason
    give the same id, so retrying a refund can't pay it out twice."""
    digest = hashlib.sha256(f"{order_number}|{amount.quantize(CENT)}|{reason}".encode()).hexdigest()[:16]
    return f"{order_number[:40]}-R{digest}"
