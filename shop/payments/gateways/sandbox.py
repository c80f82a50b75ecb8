"""A built-in gateway that behaves like a real one on one machine: a cashier page reached by a
signed token, and HMAC-signed asynchronous notifications."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from shop.core import clock

from .base import Gateway, GatewayNotification, InvalidSignature, PaymentRequest

log = logging.getLogger(__name__)

APP_ID = "bazaar-sandbox"
_SALT = "bazaar.sandbox"
_SIGNED = ("app_id", "event_id", "order_number", "amount", "status", "timestamp")


def _sign(fields: Mapping[str, str]) -> str:
    message = "&".join(f"{k}={fields[k]}" for k in _SIGNED)
    return salted_hmac(_SALT, message, algorithm="sha256").hexdigest()


class SandboxGateway(Gateway):
    name = "sandbox"

    def start(self, request: PaymentRequest) -> str:
        token = signing.dumps(
            {"n": request.order_number, "a": str(request.amount), "s": request.subject, "r": request.return_url,
             "u": request.notify_url},
            salt=_SALT, compress=True,
        )
        return reverse("payments:sandbox", args=[token])

    def open_token(self, token: str, *, max_age: int) -> PaymentRequest:
        try:
            data = signing.loads(token, salt=_SALT, max_age=max_age)
            return PaymentRequest(order_number=data["n"], amount=Decimal(data["a"]), subject=data["s"],
                                  return_url=data["r"], notify_url=data["u"])
        except (signing.BadSignature, KeyError, InvalidOperation) as exc:
            raise InvalidSignature("bad or expired cashier token") from exc

    def build_notification(self, request: PaymentRequest, *, paid: bool, event_id: str | None = None) -> dict[str, str]:
        fields = {
            "app_id": APP_ID,
            "event_id": event_id or f"SBX{secrets.token_hex(10).upper()}",
            "order_number": request.order_number,
            "amount": f"{request.amount:.2f}",
            "status": "paid" if paid else "failed",
            "timestamp": clock.now().isoformat(),
        }
        fields["sign"] = _sign(fields)
        return fields

    def parse_notification(self, data: Mapping[str, str]) -> GatewayNotification:
        fields = {k: str(data.get(k, "")) for k in (*_SIGNED, "sign")}
        if not constant_time_compare(_sign(fields), fields["sign"]):
            raise InvalidSignature("bad sandbox signature")
        if fields["app_id"] != APP_ID:
            raise InvalidSignature("wrong app id")
        if fields["status"] not in ("paid", "failed"):
            raise InvalidSignature("unknown status")
        try:
            amount = Decimal(fields["amount"])
        except InvalidOperation as exc:
            raise InvalidSignature("bad amount") from exc
        return GatewayNotification(event_id=fields["event_id"], order_number=fields["order_number"], amount=amount,
                                   paid=fields["status"] == "paid", raw=dict(fields))

    def refund(self, order_number: str, amount: Decimal, *, reason: str) -> str:
        refund_id = f"SBXR{secrets.token_hex(8).upper()}"
        log.info("event=sandbox_refund order=%s amount=%s refund=%s", order_number, amount, refund_id)
        return refund_id
