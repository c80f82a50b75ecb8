"""Alipay page pay (RSA2) through python-alipay-sdk. Settings: ALIPAY_APP_ID,
ALIPAY_APP_PRIVATE_KEY and ALIPAY_PUBLIC_KEY (PEM strings), ALIPAY_SANDBOX."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings

from .base import Gateway, GatewayError, GatewayNotification, InvalidSignature, PaymentRequest

PAID_STATES = {"TRADE_SUCCESS", "TRADE_FINISHED"}


class AlipayGateway(Gateway):
    name = "alipay"

    def __init__(self, *, app_id=None, private_key=None, public_key=None, sandbox=None):
        self.app_id = app_id or getattr(settings, "ALIPAY_APP_ID", "")
        self.private_key = private_key or getattr(settings, "ALIPAY_APP_PRIVATE_KEY", "")
        self.public_key = public_key or getattr(settings, "ALIPAY_PUBLIC_KEY", "")
        self.sandbox = getattr(settings, "ALIPAY_SANDBOX", True) if sandbox is None else sandbox

    def client(self):
        if not (self.app_id and self.private_key and self.public_key):
            raise GatewayError("Alipay is not configured (ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY)")
        from alipay import AliPay

        return AliPay(appid=self.app_id, app_notify_url=None, app_private_key_string=self.private_key,
                      alipay_public_key_string=self.public_key, sign_type="RSA2", debug=self.sandbox)

    @property
    def gateway_url(self) -> str:
        if self.sandbox:
            return "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
        return "https://openapi.alipay.com/gateway.do"

    def start(self, request: PaymentRequest) -> str:
        query = self.client().api_alipay_trade_page_pay(
            subject=request.subject, out_trade_no=request.order_number, total_amount=f"{request.amount:.2f}",
            return_url=request.return_url, notify_url=request.notify_url,
        )
        return f"{self.gateway_url}?{query}"

    def parse_notification(self, data: Mapping[str, str]) -> GatewayNotification:
        fields = {k: str(v) for k, v in dict(data).items()}
        sign = fields.pop("sign", "")
        if not sign:
            raise InvalidSignature("missing sign")
        try:
            valid = self.client().verify(dict(fields), sign)
        except Exception as exc:  # noqa: BLE001 - any failure to verify is an invalid signature
            raise InvalidSignature(f"verification failed: {exc.__class__.__name__}") from exc
        if not valid:
            raise InvalidSignature("bad Alipay signature")
        if fields.get("app_id") != self.app_id:
            raise InvalidSignature("wrong app id")
        try:
            amount = Decimal(fields.get("total_amount", ""))
        except InvalidOperation as exc:
            raise InvalidSignature("bad amount") from exc
        status = fields.get("trade_status", "")
        event_id = fields.get("notify_id") or f"{fields.get('trade_no', '')}:{status}"
        return GatewayNotification(event_id=event_id, order_number=fields.get("out_trade_no", ""), amount=amount,
                                   paid=status in PAID_STATES, raw={**fields, "sign": sign})

    def refund(self, order_number: str, amount: Decimal, *, reason: str) -> str:
        try:
            result = self.client().api_alipay_trade_refund(
                refund_amount=f"{amount:.2f}", out_trade_no=order_number, refund_reason=reason[:64])
        except Exception as exc:  # noqa: BLE001 - network or SDK failure
            raise GatewayError(str(exc)) from exc
        if result.get("code") != "10000":
            raise GatewayError(result.get("sub_msg") or result.get("msg") or "refund refused")
        return result.get("trade_no", order_number)
