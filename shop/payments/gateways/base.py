"""The gateway interface. Gateways work on plain data and are called outside transactions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


class InvalidSignature(Exception):
    """A notification or token that is not authentic (bad signature, wrong app, tampered)."""


class GatewayError(Exception):
    """The gateway refused or could not be reached."""


@dataclass(frozen=True)
class PaymentRequest:
    order_number: str
    amount: Decimal
    subject: str
    return_url: str
    notify_url: str


@dataclass(frozen=True)
class GatewayNotification:
    event_id: str
    order_number: str
    amount: Decimal
    paid: bool
    raw: dict


class Gateway:
    name = ""

    def start(self, request: PaymentRequest) -> str:
        """The URL to send the shopper to."""
        raise NotImplementedError

    def parse_notification(self, data: Mapping[str, str]) -> GatewayNotification:
        """Verify and read an asynchronous notification; raises InvalidSignature."""
        raise NotImplementedError

    def refund(self, order_number: str, amount: Decimal, *, reason: str) -> str:
        """Refund (part of) a payment; returns the gateway's refund id or raises GatewayError."""
        raise NotImplementedError

    def notification_ack(self, ok: bool) -> tuple[str, str]:
        """The body and content type the gateway expects in answer to a notification."""
        return ("success" if ok else "fail"), "text/plain"
