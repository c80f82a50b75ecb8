import base64
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from shop.payments.gateways import get_gateway
from shop.payments.gateways.alipay import AlipayGateway
from shop.payments.gateways.base import GatewayError, InvalidSignature, PaymentRequest
from shop.payments.gateways.sandbox import SandboxGateway

REQUEST = PaymentRequest("B2611230000000001", Decimal("96.50"), "Bazaar order", "http://t/return", "http://t/notify")


def test_sandbox_token_round_trip_and_tampering(db):
    gateway = SandboxGateway()
    url = gateway.start(REQUEST)
    token = url.rstrip("/").split("/")[-1]
    assert gateway.open_token(token, max_age=60) == REQUEST
    with pytest.raises(InvalidSignature):
        gateway.open_token(token[:-2] + "xx", max_age=60)


@pytest.mark.parametrize("field, value", [("amount", "0.01"), ("order_number", "B0"), ("status", "paid"),
                                          ("app_id", "other"), ("event_id", "SBX1"), ("sign", "0" * 64)])
def test_sandbox_notification_tampering_is_refused(field, value):
    gateway = SandboxGateway()
    fields = gateway.build_notification(REQUEST, paid=False)
    fields[field] = value
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(fields)


def test_sandbox_notification_parses_with_unique_event_ids():
    gateway = SandboxGateway()
    one, two = gateway.build_notification(REQUEST, paid=True), gateway.build_notification(REQUEST, paid=True)
    parsed = gateway.parse_notification(one)
    assert parsed.paid and parsed.amount == Decimal("96.50") and parsed.order_number == REQUEST.order_number
    assert one["event_id"] != two["event_id"]


def test_registry():
    assert get_gateway().name == "sandbox" and get_gateway("alipay").name == "alipay"
    with pytest.raises(KeyError):
        get_gateway("paypal")


def _key_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, private, public


@pytest.fixture(scope="module")
def keys():
    return {"app": _key_pair(), "alipay": _key_pair(), "stranger": _key_pair()}


def _alipay_sign(key, data):
    message = "&".join(f"{k}={v}" for k, v in sorted(data.items()) if k not in ("sign", "sign_type"))
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _gateway(keys):
    return AlipayGateway(app_id="2021000000000001", private_key=keys["app"][1], public_key=keys["alipay"][2],
                         sandbox=True)


def _notification(signer, **overrides):
    data = {"app_id": "2021000000000001", "out_trade_no": REQUEST.order_number, "total_amount": "96.50",
            "trade_status": "TRADE_SUCCESS", "trade_no": "2026112322001", "notify_id": "n-123",
            "sign_type": "RSA2", **overrides}
    data["sign"] = _alipay_sign(signer, data)
    return data


def test_alipay_page_pay_url_is_signed(keys):
    url = _gateway(keys).start(REQUEST)
    query = parse_qs(urlparse(url).query)
    assert url.startswith("https://openapi-sandbox.dl.alipaydev.com/gateway.do?")
    assert "sign" in query and '"out_trade_no":"B2611230000000001"' in query["biz_content"][0]
    assert '"total_amount":"96.50"' in query["biz_content"][0]


def test_alipay_valid_notification_parses(keys):
    note = _gateway(keys).parse_notification(_notification(keys["alipay"][0]))
    assert note.paid and note.event_id == "n-123" and note.amount == Decimal("96.50")


def test_alipay_changed_amount_wrong_key_and_wrong_app_are_refused(keys):
    gateway = _gateway(keys)
    changed = _notification(keys["alipay"][0])
    changed["total_amount"] = "0.01"
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(changed)
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(_notification(keys["stranger"][0]))
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(_notification(keys["alipay"][0], app_id="2021999"))
    with pytest.raises(InvalidSignature):
        gateway.parse_notification({"out_trade_no": "x"})


def test_alipay_unpaid_status_and_refund(keys, monkeypatch):
    gateway = _gateway(keys)
    assert not gateway.parse_notification(_notification(keys["alipay"][0], trade_status="WAIT_BUYER_PAY")).paid
    from alipay import AliPay

    monkeypatch.setattr(AliPay, "api_alipay_trade_refund", lambda self, **kw: {"code": "10000", "trade_no": "R1"})
    assert gateway.refund(REQUEST.order_number, Decimal("1.00"), reason="test") == "R1"
    monkeypatch.setattr(AliPay, "api_alipay_trade_refund", lambda self, **kw: {"code": "40004", "sub_msg": "no"})
    with pytest.raises(GatewayError):
        gateway.refund(REQUEST.order_number, Decimal("1.00"), reason="test")


def test_alipay_unconfigured_is_a_gateway_error(settings):
    with pytest.raises(GatewayError):
        AlipayGateway(app_id="", private_key="", public_key="").start(REQUEST)
