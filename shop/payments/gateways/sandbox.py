"""The built-in sandbox gateway: behaves like a real one on one machine.

* :meth:`SandboxGateway.start` returns the cashier page URL ``/pay/sandbox/<token>/``; the token
  is a ``django.core.signing`` signed, timestamped, compressed copy of the PaymentRequest, so the
  cashier needs no model (:meth:`SandboxGateway.open_token` reads it back).
* :meth:`SandboxGateway.build_notification` makes the form fields of an asynchronous notification,
  signed with HMAC-SHA256 under a key derived from ``SECRET_KEY`` (``salted_hmac``, salt
  ``"bazaar.sandbox"``); :meth:`SandboxGateway.parse_notification` verifies them in constant time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from shop.core import clock

from .base import (
    CENT,
    PAYMENT,
    Gateway,
    GatewayNotification,
    InvalidSignature,
    PaymentRequest,
    TokenExpired,
    form_fields,
    format_amount,
    parse_amount,
    refund_request_id,
)

log = logging.getLogger(__name__)

APP_ID = "bazaar-sandbox"
SALT = "bazaar.sandbox"
PAID, FAILED = "paid", "failed"
SIGNED_FIELDS = ("app_id", "event_id", "trade_no", "order_number", "amount", "status", "timestamp")


def _signature(fields: Mapping[str, str]) -> str:
    # The signed message is the JSON list of the values in a fixed order: unambiguous, unlike
    # "k=v&k=v" where a value containing "&" could shift the boundaries.
    message = json.dumps([fields.get(k, "") for k in SIGNED_FIELDS], ensure_ascii=False, separators=(",", ":"))
    return salted_hmac(SALT, message, algorithm="sha256").hexdigest()


class SandboxGateway(Gateway):
    name = "sandbox"

    def start(self, request: PaymentRequest) -> str:
        """The cashier page URL (path only) for ``request``."""
        return reverse("payments:sandbox", args=[self.make_token(request)])

    def make_token(self, request: PaymentRequest) -> str:
        payload = {
            "n": request.order_number,
            "a": format_amount(request.amount),
            "s": str(request.subject),
            "r": request.return_url,
            "u": request.notify_url,
        }
        if request.expires_at is not None:
            payload["e"] = request.expires_at.isoformat()
        return signing.dumps(payload, salt=SALT, compress=True)

    def open_token(self, token: str, *, max_age: int | float) -> PaymentRequest:
        """The PaymentRequest in a cashier token. Raises TokenExpired when it is older than
        ``max_age`` seconds and InvalidSignature when it is not ours or was altered."""
        try:
            data = signing.loads(token, salt=SALT, max_age=max_age)
        except signing.SignatureExpired as exc:
            raise TokenExpired("cashier token expired") from exc
        except signing.BadSignature as exc:
            raise InvalidSignature("bad cashier token") from exc
        try:
            return PaymentRequest(
                order_number=data["n"], amount=parse_amount(data["a"]), subject=data["s"], return_url=data["r"],
                notify_url=data["u"], expires_at=datetime.fromisoformat(data["e"]) if data.get("e") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidSignature("unreadable cashier token") from exc

    @staticmethod
    def trade_for(token: str) -> str:
        """The sandbox's trade number for one cashier session: the same token is the same trade,
        so a double-clicked or repeated **Pay** on that page is one payment, as at a real gateway."""
        return "SBX" + hashlib.sha256(token.encode()).hexdigest()[:20].upper()

    def build_notification(self, request: PaymentRequest, *, paid: bool, trade_no: str | None = None,
                           event_id: str | None = None) -> dict[str, str]:
        """The form fields the sandbox posts to the notify URL after the shopper chose "Pay"
        (``paid=True``) or "Fail" for the trade ``trade_no`` (default: a new trade). The event id
        names the trade's outcome (``<trade>:paid``), so every delivery of it is the same event;
        pass ``event_id`` to forge a different one."""
        trade_no = trade_no or f"SBX{secrets.token_hex(10).upper()}"
        status = PAID if paid else FAILED
        fields = {
            "app_id": APP_ID,
            "event_id": event_id or f"{trade_no}:{status}",
            "trade_no": trade_no,
            "order_number": request.order_number,
            "amount": str(Decimal(request.amount).quantize(CENT, rounding=ROUND_HALF_UP)),
            "status": status,
            "timestamp": clock.now().isoformat(),
        }
        fields["sign"] = _signature(fields)
        return fields

    def parse_notification(self, data: Mapping[str, str]) -> GatewayNotification:
        fields = form_fields(data)
        sign = fields.get("sign", "")
        if not sign or not constant_time_compare(_signature(fields), sign):
            raise InvalidSignature("bad sandbox signature")
        if fields.get("app_id") != APP_ID:
            raise InvalidSignature("wrong app id")
        status = fields.get("status")
        if status not in (PAID, FAILED):
            raise InvalidSignature(f"unknown status {status!r}")
        if not fields.get("event_id") or not fields.get("order_number"):
            raise InvalidSignature("missing event id or order number")
        return GatewayNotification(
            event_id=fields["event_id"], order_number=fields["order_number"],
            amount=parse_amount(fields.get("amount", "")), paid=status == PAID,
            raw={k: fields.get(k, "") for k in (*SIGNED_FIELDS, "sign")}, kind=PAYMENT,
            trade_no=fields.get("trade_no", "")[:100],
        )

    def refund(self, order_number: str, amount: Decimal, *, reason: str, request_id: str | None = None) -> str:
        """Nothing to move: returns a fake refund id (stable per request id) and logs."""
        request_id = request_id or refund_request_id(order_number, amount, reason)
        refund_id = "SBXR" + salted_hmac(SALT, request_id, algorithm="sha256").hexdigest()[:16].upper()
        log.info("event=sandbox_refund order=%s amount=%s refund=%s reason=%s", order_number, amount, refund_id, reason)
        return refund_id
