"""Alipay page pay (RSA2) through python-alipay-sdk.

Settings (read with ``getattr`` so nothing breaks before they exist):
``ALIPAY_APP_ID``; ``ALIPAY_APP_PRIVATE_KEY`` (our RSA private key, PEM string) — signs our
requests; ``ALIPAY_PUBLIC_KEY`` (Alipay's public key, PEM string) — verifies what Alipay sends;
``ALIPAY_SANDBOX`` (bool, default True) — Alipay's sandbox gateway instead of production.

Notifications: the SDK's ``verify`` checks the RSA2 signature over the sorted ``k=v`` pairs
(without ``sign`` and ``sign_type``); then the app id must be ours. Event ids identify the
*payment*, not the delivery: ``<trade_no>:paid`` for TRADE_SUCCESS and TRADE_FINISHED alike
(Alipay sends TRADE_FINISHED after TRADE_SUCCESS when the refund period ends, and sends
TRADE_SUCCESS again after a partial refund, each with a new ``notify_id``; counting those as new
payments would refund a paid order). Refund notifications (``gmt_refund``/``out_biz_no``/
``refund_fee`` present) are ``kind="refund"`` with ``paid=False``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings

from .base import (
    INFO,
    PAYMENT,
    REFUND,
    Gateway,
    GatewayError,
    GatewayNotification,
    InvalidSignature,
    PaymentRequest,
    form_fields,
    format_amount,
    parse_amount,
    refund_request_id,
)

log = logging.getLogger(__name__)

SANDBOX_URL = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
PRODUCTION_URL = "https://openapi.alipay.com/gateway.do"
PAID_STATES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
CLOSED = "TRADE_CLOSED"
ALIPAY_TZ = ZoneInfo("Asia/Shanghai")  # Alipay reads times as Beijing time
SUCCESS_CODE = "10000"
MAX_EVENT_ID = 100  # GatewayEvent.event_id


def _event_id(*parts: str) -> str:
    event_id = ":".join(parts)
    if len(event_id) <= MAX_EVENT_ID:
        return event_id
    return f"{parts[0][:60]}:{hashlib.sha256(event_id.encode()).hexdigest()[:32]}"


def _positive(text: str | None) -> bool:
    try:
        return bool(text) and Decimal(text) > 0
    except InvalidOperation:
        return False


class AlipayGateway(Gateway):
    name = "alipay"

    def __init__(self, *, app_id: str | None = None, private_key: str | None = None, public_key: str | None = None,
                 sandbox: bool | None = None, seller_id: str | None = None):
        self.app_id = app_id if app_id is not None else getattr(settings, "ALIPAY_APP_ID", "")
        self.private_key = private_key if private_key is not None else getattr(settings, "ALIPAY_APP_PRIVATE_KEY", "")
        self.public_key = public_key if public_key is not None else getattr(settings, "ALIPAY_PUBLIC_KEY", "")
        self.sandbox = bool(getattr(settings, "ALIPAY_SANDBOX", True) if sandbox is None else sandbox)
        self.seller_id = seller_id if seller_id is not None else getattr(settings, "ALIPAY_SELLER_ID", "")

    @property
    def gateway_url(self) -> str:
        return SANDBOX_URL if self.sandbox else PRODUCTION_URL

    @cached_property
    def client(self):
        """The SDK client (keys parsed once per gateway instance). GatewayError when the
        settings are missing or the keys can't be read."""
        if not (self.app_id and self.private_key and self.public_key):
            raise GatewayError("Alipay is not configured (ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)")
        from alipay import AliPay

        try:
            return AliPay(appid=self.app_id, app_notify_url=None, app_private_key_string=self.private_key,
                          alipay_public_key_string=self.public_key, sign_type="RSA2", debug=self.sandbox)
        except (ValueError, IndexError, TypeError) as exc:
            raise GatewayError(f"Alipay keys can't be read: {exc.__class__.__name__}") from exc

    def start(self, request: PaymentRequest) -> str:
        """The page-pay URL: the gateway plus the signed query string (no network)."""
        extra = {}
        if request.expires_at is not None:
            extra["time_expire"] = request.expires_at.astimezone(ALIPAY_TZ).strftime("%Y-%m-%d %H:%M:%S")
        query = self.client.api_alipay_trade_page_pay(
            subject=str(request.subject)[:256], out_trade_no=request.order_number,
            total_amount=format_amount(request.amount), return_url=request.return_url,
            notify_url=request.notify_url, **extra,
        )
        return f"{self.gateway_url}?{query}"

    def parse_notification(self, data: Mapping[str, str]) -> GatewayNotification:
        fields = form_fields(data)
        sign = fields.pop("sign", "")
        if not sign:
            raise InvalidSignature("missing sign")
        try:
            valid = self.client.verify(dict(fields), sign)  # the SDK drops sign_type from its copy
        except GatewayError:
            raise
        except Exception as exc:  # noqa: BLE001 - bad base64, unknown sign type…: not authentic
            raise InvalidSignature(f"verification failed: {exc.__class__.__name__}") from exc
        if not valid:
            raise InvalidSignature("bad Alipay signature")
        if fields.get("app_id") != self.app_id:
            raise InvalidSignature("wrong app id")
        if self.seller_id and fields.get("seller_id") != self.seller_id:
            raise InvalidSignature("wrong seller id")
        order_number = fields.get("out_trade_no", "")
        trade_no = fields.get("trade_no") or fields.get("notify_id", "")
        if not order_number or not trade_no:
            raise InvalidSignature("missing out_trade_no or trade_no")
        amount = parse_amount(fields.get("total_amount", ""))
        status = fields.get("trade_status", "")

        if fields.get("gmt_refund") or fields.get("out_biz_no") or _positive(fields.get("refund_fee")):
            kind, paid = REFUND, False
            event_id = _event_id(trade_no, "refund", fields.get("out_biz_no") or fields.get("gmt_refund")
                                 or fields.get("notify_id", ""))
        elif status in PAID_STATES:
            kind, paid, event_id = PAYMENT, True, _event_id(trade_no, "paid")
        elif status == CLOSED:
            kind, paid, event_id = PAYMENT, False, _event_id(trade_no, "closed")
        else:  # WAIT_BUYER_PAY and anything new: nothing to do
            kind, paid, event_id = INFO, False, _event_id(trade_no, status or "unknown")
        return GatewayNotification(event_id=event_id, order_number=order_number, amount=amount, paid=paid,
                                   raw={**fields, "sign": sign}, kind=kind, trade_no=trade_no[:100])

    def refund(self, order_number: str, amount: Decimal, *, reason: str, request_id: str | None = None) -> str:
        """``alipay.trade.refund`` (network). ``out_request_no`` = ``request_id`` makes a retry of the
        same refund idempotent at Alipay and allows several partial refunds; it is returned as
        the refund reference (query it with ``out_trade_no`` + ``out_request_no``)."""
        request_id = request_id or refund_request_id(order_number, amount, reason)
        client = self.client
        try:
            result = client.api_alipay_trade_refund(
                refund_amount=format_amount(amount), out_trade_no=order_number, out_request_no=request_id,
                refund_reason=reason[:256],
            )
        except Exception as exc:  # noqa: BLE001 - network, refused response, bad response signature
            log.warning("event=alipay_refund_error order=%s error=%s", order_number, exc.__class__.__name__)
            raise GatewayError(f"Alipay refund failed: {exc}") from exc
        if not isinstance(result, dict) or result.get("code") != SUCCESS_CODE:
            result = result if isinstance(result, dict) else {}
            raise GatewayError(result.get("sub_msg") or result.get("msg") or "Alipay refused the refund")
        log.info("event=alipay_refund order=%s amount=%s request=%s fund_change=%s", order_number, amount,
                 request_id, result.get("fund_change"))
        return request_id
