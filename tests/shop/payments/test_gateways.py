"""The gateways on their own: sandbox tokens and notifications, Alipay signing and verification
with key pairs made here (never the network), the registry."""

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core import signing
from django.http import QueryDict
from django.test import override_settings

from shop.payments.gateways import UnknownGateway, get_gateway
from shop.payments.gateways.alipay import AlipayGateway
from shop.payments.gateways.base import (
    Gateway,
    GatewayError,
    InvalidSignature,
    PaymentRequest,
    TokenExpired,
    refund_request_id,
)
from shop.payments.gateways.sandbox import SandboxGateway

REQUEST = PaymentRequest("B2611230000000001", Decimal("96.50"), "Bazaar order", "http://t/return", "http://t/notify")


def _token(url):
    assert url.startswith("/pay/sandbox/") and url.endswith("/")
    return url.removeprefix("/pay/sandbox/").rstrip("/")


# Registry and interface.


def test_registry_defaults_to_sandbox_and_knows_alipay():
    assert isinstance(get_gateway(), SandboxGateway) and get_gateway("alipay").name == "alipay"
    with override_settings(BAZAAR_PAYMENT_GATEWAY="alipay"):
        assert get_gateway().name == "alipay"


def test_registry_refuses_unknown_gateway():
    with pytest.raises(UnknownGateway):
        get_gateway("paypal")
    with pytest.raises(KeyError):  # UnknownGateway is a KeyError
        get_gateway("paypal")


def test_gateway_is_abstract():
    with pytest.raises(TypeError):
        Gateway()


def test_refund_request_id_is_stable_and_short():
    one = refund_request_id("B2611230000000001", Decimal("9.5"), "late payment SBX1")
    assert one == refund_request_id("B2611230000000001", Decimal("9.50"), "late payment SBX1")
    assert one != refund_request_id("B2611230000000001", Decimal("9.50"), "refund #2")
    assert len(refund_request_id("B" * 200, Decimal("1"), "x")) <= 64


# Sandbox: cashier token.


def test_sandbox_start_returns_cashier_url_whose_token_opens_to_the_request():
    gateway = SandboxGateway()
    assert gateway.open_token(_token(gateway.start(REQUEST)), max_age=60) == REQUEST


def test_sandbox_token_keeps_the_expiry():
    request = PaymentRequest("B1", Decimal("1.00"), "s", "/r", "/n", expires_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    gateway = SandboxGateway()
    assert gateway.open_token(gateway.make_token(request), max_age=60) == request


def test_sandbox_token_altered_is_refused():
    gateway = SandboxGateway()
    token = gateway.make_token(REQUEST)
    for bad in (token[:-2] + ("xx" if not token.endswith("xx") else "yy"), "nonsense", "", token + "a"):
        with pytest.raises(InvalidSignature):
            gateway.open_token(bad, max_age=60)


def test_sandbox_token_signed_for_another_purpose_is_refused():
    forged = signing.dumps({"n": "B1", "a": "0.01", "s": "s", "r": "/", "u": "/"}, compress=True)  # default salt
    with pytest.raises(InvalidSignature):
        SandboxGateway().open_token(forged, max_age=60)


def test_sandbox_token_expires(monkeypatch):
    gateway = SandboxGateway()
    token = gateway.make_token(REQUEST)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 3601)
    with pytest.raises(TokenExpired):
        gateway.open_token(token, max_age=3600)
    assert gateway.open_token(token, max_age=7200) == REQUEST


def test_sandbox_start_refuses_non_positive_or_sub_cent_amounts():
    for amount in (Decimal("0"), Decimal("-1"), Decimal("1.005")):
        with pytest.raises(ValueError):
            SandboxGateway().start(PaymentRequest("B1", amount, "s", "/r", "/n"))


# Sandbox: notifications.


def test_sandbox_notification_round_trip():
    gateway = SandboxGateway()
    fields = gateway.build_notification(REQUEST, paid=True)
    assert set(fields) == {"app_id", "event_id", "trade_no", "order_number", "amount", "status", "timestamp", "sign"}
    assert fields["event_id"] == f"{fields['trade_no']}:paid"
    assert fields["amount"] == "96.50" and fields["status"] == "paid"
    note = gateway.parse_notification(fields)
    assert note.paid and note.kind == "payment" and note.event_id == fields["event_id"]
    assert note.order_number == REQUEST.order_number and note.amount == Decimal("96.50")
    assert note.raw == fields


def test_sandbox_failed_notification_is_not_paid():
    gateway = SandboxGateway()
    assert not gateway.parse_notification(gateway.build_notification(REQUEST, paid=False)).paid


def test_sandbox_notification_from_a_querydict_parses():
    gateway = SandboxGateway()
    post = QueryDict(mutable=True)
    post.update(gateway.build_notification(REQUEST, paid=True, event_id="SBX42"))
    assert gateway.parse_notification(post).event_id == "SBX42"


@pytest.mark.parametrize("field, value", [
    ("amount", "0.01"), ("amount", "96.5"), ("order_number", "B0"), ("status", "paid"), ("app_id", "other"),
    ("event_id", "SBX1"), ("timestamp", "2020-01-01T00:00:00+00:00"), ("sign", "0" * 64), ("sign", ""),
])
def test_sandbox_notification_tampering_is_refused(field, value):
    gateway = SandboxGateway()
    fields = gateway.build_notification(REQUEST, paid=False)
    fields[field] = value
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(fields)


@pytest.mark.parametrize("missing", ["app_id", "event_id", "order_number", "amount", "status", "sign"])
def test_sandbox_notification_missing_field_is_refused(missing):
    gateway = SandboxGateway()
    fields = gateway.build_notification(REQUEST, paid=True)
    del fields[missing]
    with pytest.raises(InvalidSignature):
        gateway.parse_notification(fields)


def test_sandbox_notification_signed_with_another_secret_is_refused(settings):
    fields = SandboxGateway().build_notification(REQUEST, paid=True)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    with pytest.raises(InvalidSignature):
        SandboxGateway().parse_notification(fields)


def test_sandbox_notifications_have_unique_event_ids_unless_given():
    gateway = SandboxGateway()
    ids = {gateway.build_notification(REQUEST, paid=True)["event_id"] for _ in range(200)}
    assert len(ids) == 200
    again = gateway.build_notification(REQUEST, paid=True, event_id="SBX-RETRY")
    assert gateway.parse_notification(again).event_id == "SBX-RETRY"


def test_sandbox_refund_and_ack():
    gateway = SandboxGateway()
    first = gateway.refund("B1", Decimal("5.00"), reason="late")
    assert first.startswith("SBXR") and first == gateway.refund("B1", Decimal("5.00"), reason="late")
    assert first != gateway.refund("B1", Decimal("5.00"), reason="other")
    assert gateway.notification_ack(True) == ("success", "text/plain")
    assert gateway.notification_ack(False) == ("fail", "text/plain")


# Alipay: keys made here; "alipay" plays Alipay's side, "app" is ours.

APP_ID = "2021000000000001"


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
    """Alipay's RSA2 rule: sort the parameters except sign/sign_type, join k=v with &, SHA256withRSA."""
    message = "&".join(f"{k}={v}" for k, v in sorted(data.items()) if k not in ("sign", "sign_type"))
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _verify_ours(public_pem, data):
    """Check a request we signed, as Alipay would, with our (app) public key. For requests every
    parameter but ``sign`` is signed (``sign_type`` included, unlike notifications)."""
    public = serialization.load_pem_public_key(public_pem.encode())
    message = "&".join(f"{k}={v}" for k, v in sorted(data.items()) if k != "sign")
    public.verify(base64.b64decode(data["sign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256())


def _gateway(keys, **overrides):
    options = {"app_id": APP_ID, "private_key": keys["app"][1], "public_key": keys["alipay"][2], "sandbox": True,
               **overrides}
    return AlipayGateway(**options)


def _notification(signer, **overrides):
    data = {"notify_time": "2026-11-23 10:00:00", "notify_type": "trade_status_sync", "notify_id": "n-123",
            "app_id": APP_ID, "charset": "utf-8", "version": "1.0", "out_trade_no": REQUEST.order_number,
            "trade_no": "2026112322001", "total_amount": "96.50", "trade_status": "TRADE_SUCCESS",
            "subject": "Bazaar order", "sign_type": "RSA2", **overrides}
    data = {k: v for k, v in data.items() if v is not None}
    data["sign"] = _alipay_sign(signer, data)
    return data


def test_alipay_page_pay_url_is_signed_with_our_key(keys):
    url = _gateway(keys).start(REQUEST)
    assert url.startswith("https://openapi-sandbox.dl.alipaydev.com/gateway.do?")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["app_id"] == APP_ID and query["method"] == "alipay.trade.page.pay" and query["sign_type"] == "RSA2"
    assert query["notify_url"] == REQUEST.notify_url and query["return_url"] == REQUEST.return_url
    biz = json.loads(query["biz_content"])
    assert biz["out_trade_no"] == "B2611230000000001" and biz["total_amount"] == "96.50"
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY" and "time_expire" not in biz
    _verify_ours(keys["app"][2], query)  # raises if the signature is wrong


def test_alipay_page_pay_passes_expiry_in_beijing_time(keys):
    expires_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    request = PaymentRequest("B1", Decimal("1.00"), "s", "/r", "/n", expires_at=expires_at)
    query = parse_qs(urlparse(_gateway(keys).start(request)).query)
    assert json.loads(query["biz_content"][0])["time_expire"] == "2026-01-02 11:04:05"


def test_alipay_gateway_urls_match_the_sdk(keys):
    assert _gateway(keys).client._gateway == _gateway(keys).gateway_url
    assert _gateway(keys, sandbox=False).client._gateway == _gateway(keys, sandbox=False).gateway_url
    assert _gateway(keys, sandbox=False).start(REQUEST).startswith("https://openapi.alipay.com/gateway.do?")


def test_alipay_sandbox_flag_comes_from_settings(keys, settings):
    settings.ALIPAY_SANDBOX = False
    assert AlipayGateway(app_id=APP_ID, private_key=keys["app"][1], public_key=keys["alipay"][2]).gateway_url == (
        "https://openapi.alipay.com/gateway.do")


def test_alipay_reads_keys_from_settings(keys, settings):
    settings.ALIPAY_APP_ID, settings.ALIPAY_APP_PRIVATE_KEY, settings.ALIPAY_PUBLIC_KEY = (
        APP_ID, keys["app"][1], keys["alipay"][2])
    note = get_gateway("alipay").parse_notification(_notification(keys["alipay"][0]))
    assert note.paid


def test_alipay_valid_notification_parses(keys):
    note = _gateway(keys).parse_notification(_notification(keys["alipay"][0]))
    assert note.paid and note.kind == "payment" and note.amount == Decimal("96.50")
    assert note.order_number == REQUEST.order_number and note.event_id == "2026112322001:paid"
    assert note.raw["notify_id"] == "n-123" and "sign" in note.raw


def test_alipay_notification_from_a_querydict_parses(keys):
    post = QueryDict(mutable=True)
    post.update(_notification(keys["alipay"][0]))
    assert _gateway(keys).parse_notification(post).paid


def test_alipay_success_then_finished_is_one_payment_event(keys):
    gateway = _gateway(keys)
    success = gateway.parse_notification(_notification(keys["alipay"][0]))
    finished = gateway.parse_notification(_notification(keys["alipay"][0], trade_status="TRADE_FINISHED",
                                                        notify_id="n-456"))
    assert finished.paid and finished.event_id == success.event_id


def test_alipay_refund_notification_is_not_a_payment(keys):
    note = _gateway(keys).parse_notification(_notification(
        keys["alipay"][0], notify_id="n-789", refund_fee="10.00", gmt_refund="2026-11-24 10:00:00.123",
        out_biz_no="B2611230000000001-Rabc"))
    assert note.kind == "refund" and not note.paid
    assert note.event_id == "2026112322001:refund:B2611230000000001-Rabc"


@pytest.mark.parametrize("status, kind", [("TRADE_CLOSED", "payment"), ("WAIT_BUYER_PAY", "info")])
def test_alipay_unpaid_states(keys, status, kind):
    note = _gateway(keys).parse_notification(_notification(keys["alipay"][0], trade_status=status))
    assert not note.paid and note.kind == kind and note.event_id != "2026112322001:paid"


def test_alipay_long_ids_are_kept_within_the_event_id_column(keys):
    note = _gateway(keys).parse_notification(_notification(keys["alipay"][0], trade_no="9" * 64,
                                                           out_biz_no="x" * 64, refund_fee="1.00"))
    assert len(note.event_id) <= 100


def test_alipay_changed_amount_is_refused(keys):
    changed = _notification(keys["alipay"][0])
    changed["total_amount"] = "0.01"
    with pytest.raises(InvalidSignature):
        _gateway(keys).parse_notification(changed)


@pytest.mark.parametrize("field, value", [("out_trade_no", "B0"), ("trade_status", "TRADE_FINISHED"),
                                          ("app_id", "2021999"), ("extra", "1")])
def test_alipay_any_changed_field_is_refused(keys, field, value):
    changed = _notification(keys["alipay"][0])
    changed[field] = value
    with pytest.raises(InvalidSignature):
        _gateway(keys).parse_notification(changed)


def test_alipay_notification_signed_with_another_key_is_refused(keys):
    with pytest.raises(InvalidSignature):
        _gateway(keys).parse_notification(_notification(keys["stranger"][0]))
    with pytest.raises(InvalidSignature):  # our own app key is not Alipay's
        _gateway(keys).parse_notification(_notification(keys["app"][0]))


def test_alipay_notification_for_another_app_is_refused_even_when_signed(keys):
    with pytest.raises(InvalidSignature, match="app id"):
        _gateway(keys).parse_notification(_notification(keys["alipay"][0], app_id="2021999"))


def test_alipay_notification_for_another_seller_is_refused_even_when_signed(keys, settings):
    settings.ALIPAY_SELLER_ID = "2088000000000001"
    ours = _gateway(keys).parse_notification(_notification(keys["alipay"][0], seller_id="2088000000000001"))
    assert ours.paid
    for other in ("2088999999999999", None):
        with pytest.raises(InvalidSignature, match="seller"):
            _gateway(keys).parse_notification(_notification(keys["alipay"][0], seller_id=other))


@pytest.mark.parametrize("data", [
    {"out_trade_no": "x"}, {"out_trade_no": "x", "sign": "not base64!"}, {"out_trade_no": "x", "sign": "AAAA"},
])
def test_alipay_garbage_is_refused(keys, data):
    with pytest.raises(InvalidSignature):
        _gateway(keys).parse_notification(data)


def test_alipay_unknown_sign_type_is_refused(keys):
    data = _notification(keys["alipay"][0], sign_type="RSA")
    with pytest.raises(InvalidSignature):
        _gateway(keys).parse_notification(data)


@pytest.mark.parametrize("overrides", [{"total_amount": "NaN"}, {"total_amount": "9.999"}, {"total_amount": None},
                                       {"trade_no": None, "notify_id": None}, {"out_trade_no": None}])
def test_alipay_authentic_but_unusable_notification_is_refused(keys, overrides):
    with pytest.raises(InvalidSignature):
        _gateway(keys).parse_notification(_notification(keys["alipay"][0], **overrides))


def test_alipay_refund_sends_an_idempotent_request_and_returns_its_id(keys, monkeypatch):
    from alipay import AliPay

    calls = []

    def fake_refund(self, **kwargs):
        calls.append(kwargs)
        return {"code": "10000", "msg": "Success", "trade_no": "T1", "fund_change": "Y"}

    monkeypatch.setattr(AliPay, "api_alipay_trade_refund", fake_refund)
    gateway = _gateway(keys)
    refund_id = gateway.refund(REQUEST.order_number, Decimal("9.5"), reason="late payment")
    assert refund_id == refund_request_id(REQUEST.order_number, Decimal("9.50"), "late payment")
    assert calls == [{"refund_amount": "9.50", "out_trade_no": REQUEST.order_number, "out_request_no": refund_id,
                      "refund_reason": "late payment"}]
    assert gateway.refund(REQUEST.order_number, Decimal("9.50"), reason="x", request_id="R-7") == "R-7"


def test_alipay_refund_refused_or_unreachable_is_a_gateway_error(keys, monkeypatch):
    from alipay import AliPay

    monkeypatch.setattr(AliPay, "api_alipay_trade_refund", lambda self, **kw: {"code": "40004", "sub_msg": "no"})
    with pytest.raises(GatewayError, match="no"):
        _gateway(keys).refund(REQUEST.order_number, Decimal("1.00"), reason="test")

    def unreachable(self, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(AliPay, "api_alipay_trade_refund", unreachable)
    with pytest.raises(GatewayError, match="unreachable"):
        _gateway(keys).refund(REQUEST.order_number, Decimal("1.00"), reason="test")


def test_alipay_unconfigured_or_bad_keys_is_a_gateway_error(keys):
    with pytest.raises(GatewayError):
        AlipayGateway(app_id="", private_key="", public_key="").start(REQUEST)
    with pytest.raises(GatewayError):
        AlipayGateway(app_id=APP_ID, private_key="not a key", public_key=keys["alipay"][2]).start(REQUEST)


def test_alipay_ack():
    assert AlipayGateway(app_id="", private_key="", public_key="").notification_ack(True) == ("success", "text/plain")
    assert AlipayGateway(app_id="", private_key="", public_key="").notification_ack(False)[0] == "fail"
