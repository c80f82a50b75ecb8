"""The money core under a hostile week: a payment counts once per trade, Pay now is idempotent,
refunds take back only what that order bought and are retried until done, reads follow the
clock, and gateway junk never answers 5xx nor grows the log without bound."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.checkout.services import AlreadyPlaced, Choices, place_order, settle
from shop.core.errors import DomainError
from shop.orders import kinds
from shop.orders import services as order_services
from shop.orders.models import Enrollment, Order
from shop.payments import services as payment_services
from shop.payments import tasks as payment_tasks
from shop.payments.gateways.base import GatewayError, PaymentRequest
from shop.payments.gateways.sandbox import SandboxGateway
from shop.payments.models import GatewayEvent, GatewayRefund, NotificationLog
from shop.wallet.models import LedgerEntry, Wallet


def _place(user, lines, *, balance="0", now, key=None):
    choices = Choices(balance=Decimal(balance))
    quote = settle(user, [line.pk for line in lines], choices, now=now).quote
    return place_order(user, [line.pk for line in lines], choices, shown_payable=quote.payable, now=now,
                       idempotency_key=key)


def _sandbox_fields(order, *, trade_no, paid=True):
    request = PaymentRequest(order.number, order.payable, "s", "/r", "/n")
    return SandboxGateway().build_notification(request, paid=paid, trade_no=trade_no)


# --- a payment counts once -----------------------------------------------------------------------
def test_same_trade_announced_again_in_a_new_envelope_is_one_payment(user, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product(prices=["99.00"])), now=clock.now())
    first = _sandbox_fields(order, trade_no="SBXTRADE1")
    clock.advance(timedelta(seconds=5))
    again = _sandbox_fields(order, trade_no="SBXTRADE1")  # new timestamp and signature, same trade
    assert first["sign"] != again["sign"]
    assert payment_services.handle_notification("sandbox", first)[1].outcome == "applied"
    ack, row = payment_services.handle_notification("sandbox", again)
    order.refresh_from_db()
    assert ack and row.outcome == "duplicate" and order.status == "paid"
    assert not GatewayRefund.objects.exists()


def test_cashier_pay_twice_on_one_page_is_one_trade(user, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product(prices=["99.00"])), now=clock.now())
    client = Client(enforce_csrf_checks=False)
    url = SandboxGateway().start(PaymentRequest(order.number, order.payable, "s", "/orders/", "/n"))
    client.post(url, {"outcome": "pay"})
    client.post(url, {"outcome": "pay"})  # a double click on Pay
    order.refresh_from_db()
    assert order.status == "paid" and GatewayEvent.objects.filter(order=order).count() == 1
    assert not GatewayRefund.objects.exists()


def test_a_genuinely_different_trade_for_a_paid_order_is_refunded(user, make_product, cart_with, clock,
                                                                 django_capture_on_commit_callbacks):
    order = _place(user, cart_with(user, make_product(prices=["99.00"])), now=clock.now())
    payment_services.handle_notification("sandbox", _sandbox_fields(order, trade_no="SBXA"))
    with django_capture_on_commit_callbacks(execute=True):
        ack, row = payment_services.handle_notification("sandbox", _sandbox_fields(order, trade_no="SBXB"))
    order.refresh_from_db()
    assert ack and row.outcome == "late_refunded" and order.status == "paid"
    refund = GatewayRefund.objects.get(order=order)
    assert refund.amount == Decimal("99.00") and refund.done_at is not None


# --- Pay now is idempotent -----------------------------------------------------------------------
def _settlement_post(client, line):
    page = client.get(reverse("checkout:start") + f"?lines={line.pk}").content.decode()
    idem = page.split('name="idem" value="')[1].split('"')[0]
    payable = page.split('name="shown_payable" value="')[1].split('"')[0]
    token = client.cookies["csrftoken"].value
    return {"lines": [line.pk], "idem": idem, "shown_payable": str(Decimal(payable) - 10), "balance": "10",
            "csrfmiddlewaretoken": token, "global_coupon": ""}


def test_pay_now_replayed_gives_one_order_one_debit_and_redirects_to_it(user, fund, make_product, cart_with):
    fund(user, balance="10")
    line = cart_with(user, make_product(prices=["99.00"]))[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    data = _settlement_post(client, line)
    first = client.post(reverse("checkout:pay"), data)
    replay = client.post(reverse("checkout:pay"), data)
    order = Order.objects.get(user=user)
    assert first.status_code == 302 and replay.status_code == 302
    assert replay["Location"] == order.get_absolute_url()
    assert LedgerEntry.objects.filter(wallet__user=user, kind="expense").count() == 1
    assert Wallet.objects.get(user=user).balance == 0


def test_same_key_placed_twice_raises_already_placed_with_the_order(user, make_product, cart_with, clock):
    lines = cart_with(user, make_product(prices=["20.00"]))
    order = _place(user, lines, now=clock.now(), key="abc123")
    with pytest.raises(AlreadyPlaced) as refused:
        place_order(user, [lines[0].pk], Choices(), shown_payable=Decimal("20.00"), now=clock.now(),
                    idempotency_key="abc123")
    assert refused.value.order == order


@pytest.mark.postgres
def test_concurrent_pay_now_of_the_same_lines_places_one_order(run_concurrently, make_user, fund, make_product,
                                                               cart_with):
    from shop.core import clock

    shopper = make_user("doubleclick")
    fund(shopper, balance="30")
    lines = cart_with(shopper, make_product(prices=["50.00"]), make_product(prices=["70.00"]))
    ids = [line.pk for line in lines]

    def pay(i):
        choices = Choices(balance=Decimal("30"))
        return place_order(shopper, ids, choices, shown_payable=Decimal("90.00"), now=clock.now(),
                           idempotency_key="same-form")

    results, errors = run_concurrently(pay, 8)
    assert Order.objects.filter(user=shopper).count() == 1
    assert all(e is None or isinstance(e, DomainError) for e in errors), errors
    assert LedgerEntry.objects.filter(wallet__user=shopper, kind="expense").count() == 1
    assert Wallet.objects.get(user=shopper).balance == 0


# --- refunds take back only that order's days; refunds owed are never lost ------------------------
def _paid(user, lines, clock):
    order = _place(user, lines, now=clock.now())
    payment_services.handle_notification("sandbox", _sandbox_fields(order, trade_no=f"T{order.pk}"))
    order.refresh_from_db()
    return order


def test_refund_removes_only_that_orders_days(user, operator, make_product, cart_with, clock):
    course = make_product(prices=["10.00"], days=30)
    first = _paid(user, cart_with(user, course), clock)
    second = _paid(user, cart_with(user, course), clock)  # extends to 60 days
    enrollment = Enrollment.objects.get(user=user, product=course)
    assert enrollment.ends_at == clock.now() + timedelta(days=60)
    order_services.request_refund(second.pk, user=user, reason="double", now=clock.now())
    payment_services.approve_refund(second.pk, operator=operator, now=clock.now())
    enrollment.refresh_from_db()
    assert enrollment.status == "active" and enrollment.ends_at == clock.now() + timedelta(days=30)
    order_services.request_refund(first.pk, user=user, reason="all of it", now=clock.now())
    payment_services.approve_refund(first.pk, operator=operator, now=clock.now())
    enrollment.refresh_from_db()
    assert enrollment.status == "ended"


def test_failed_gateway_refund_is_retried_by_the_sweeper_with_backoff(user, operator, make_product, cart_with,
                                                                     clock, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    order = _paid(user, cart_with(user, make_product(prices=["40.00"])), clock)
    order_services.request_refund(order.pk, user=user, reason="no", now=clock.now())

    def down(self, *args, **kwargs):
        raise GatewayError("gateway unreachable")

    monkeypatch.setattr(SandboxGateway, "refund", down)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.approve_refund(order.pk, operator=operator, now=clock.now())
    refund = GatewayRefund.objects.get(order=order)
    assert refund.done_at is None and refund.attempts == 1 and refund.failed
    assert refund.next_attempt_at == clock.now() + timedelta(minutes=1)
    assert payment_tasks.apply_due(clock.now()) == 0  # not due yet: backoff
    clock.advance(timedelta(minutes=2))
    payment_tasks.apply_due(clock.now())  # still down: next wait doubles
    refund.refresh_from_db()
    assert refund.attempts == 2 and refund.next_attempt_at == clock.now() + timedelta(minutes=2)
    monkeypatch.undo()
    clock.advance(timedelta(minutes=3))
    assert payment_tasks.apply_due(clock.now()) == 1
    refund.refresh_from_db()
    assert refund.done_at is not None and refund.error == "" and refund.attempts == 3


def test_refund_whose_worker_died_is_paid_by_the_sweeper(user, make_product, cart_with, clock):
    order = _paid(user, cart_with(user, make_product(prices=["40.00"])), clock)
    refund = GatewayRefund.objects.create(order=order, gateway="sandbox", amount=Decimal("40.00"), reason="died",
                                          created_at=clock.now(), next_attempt_at=clock.now())
    assert payment_tasks.apply_due(clock.now()) == 1
    refund.refresh_from_db()
    assert refund.done_at is not None
    assert payment_services.execute_refund(refund.pk, now=clock.now())  # again: already done, no second call


def test_failed_refunds_show_in_backoffice(operator_client, user, make_product, cart_with, clock):
    order = _paid(user, cart_with(user, make_product(prices=["40.00"])), clock)
    GatewayRefund.objects.create(order=order, gateway="sandbox", amount=Decimal("40.00"), reason="x",
                                 created_at=clock.now(), attempts=2, error="gateway unreachable",
                                 next_attempt_at=clock.now() + timedelta(minutes=2))
    dashboard = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert 'data-testid="refunds-failing">1<' in dashboard and order.number in dashboard
    detail = operator_client.get(reverse("backoffice:orders:detail", args=[order.number])).content.decode()
    assert "failed 2 times" in detail and "gateway unreachable" in detail


# --- reads against the clock ---------------------------------------------------------------------
def test_overdue_pending_order_reads_timed_out_everywhere_and_cannot_be_cancelled(
        shopper_client, operator, user, make_product, cart_with, clock):
    operator_client = Client()
    operator_client.force_login(operator)
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    clock.advance(timedelta(minutes=31))  # no sweeper ran
    assert Order.objects.get(pk=order.pk).status == "pending"
    detail = shopper_client.get(order.get_absolute_url()).content.decode()
    assert "Timed out" in detail and "Cancel order" not in detail
    listing = shopper_client.get(reverse("orders:list") + "?status=timed_out").content.decode()
    assert order.number in listing
    assert order.number not in shopper_client.get(reverse("orders:list") + "?status=pending").content.decode()
    backoffice = operator_client.get(reverse("backoffice:orders:list") + "?status=timed_out").content.decode()
    assert order.number in backoffice
    with pytest.raises(DomainError, match="payment window"):
        order_services.cancel(order.pk, user=user, now=clock.now())


# --- bad input -----------------------------------------------------------------------------------
def test_notify_with_overlong_or_nul_fields_is_refused_not_crashed(db, client):
    url = reverse("payments:notify", args=["sandbox"])
    assert client.post(url, {"order_number": "B" * 100, "sign": "x"}).status_code == 400
    assert client.post(url, {"order_number": "B1\x00", "sign": "x\x00"}).status_code == 400
    for row in NotificationLog.objects.all():
        assert all(len(v) <= payment_services.PAYLOAD_VALUE for v in row.payload.values())


def test_junk_notifications_are_capped(db, client, monkeypatch):
    monkeypatch.setattr(payment_services, "REJECTED_KEPT", 5)
    url = reverse("payments:notify", args=["sandbox"])
    for i in range(12):
        client.post(url, {"order_number": f"X{i}", "sign": "junk", "pad": "y" * 5000})
    from shop.core import clock

    payment_tasks.apply_due(clock.now())
    assert NotificationLog.objects.filter(verified=False).count() == 5


def test_checkout_with_out_of_range_line_ids_goes_back_to_the_cart(shopper_client):
    response = shopper_client.get(reverse("checkout:start") + "?lines=99999999999999999999")
    assert response.status_code == 302 and response["Location"] == reverse("cart:detail")


def test_bad_balance_entry_keeps_the_coupon_discount(shopper_client, user, make_product, make_coupon, give_coupon,
                                                     cart_with):
    coupon = give_coupon(user, make_coupon(kind="flat", value="15"))
    line = cart_with(user, make_product(prices=["100.00"]))[0]
    response = shopper_client.post(reverse("checkout:quote"), {"lines": [line.pk], "global_coupon": coupon.pk,
                                                                "balance": "abc"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="checkout-error"' in body
    assert 'data-testid="payable">¥85.00' in body.replace(" ", "")


# --- any kind of order goes through the same machinery -------------------------------------------
@pytest.fixture
def gadget_kind():
    calls = []
    kind = kinds.register(kinds.OrderKind(
        code="gadget", label="Gadgets", payment_window=lambda: timedelta(hours=24),
        fulfil=lambda order, now: calls.append(("fulfil", order.number)),
        release=lambda order, now: calls.append(("release", order.number)),
        take_back=lambda order, now: calls.append(("take_back", order.number)),
    ))
    yield calls
    kinds._KINDS.pop(kind.code)


def _gadget_order(user, clock, *, balance=Decimal("0")):
    from django.db import transaction

    spec = order_services.OrderSpec(
        kind="gadget", subject="gadget:7", original_total=Decimal("300.00"), deposit_applied=Decimal("50.00"),
        balance_used=balance, payable=Decimal("250.00") - balance,
        lines=[order_services.LineSpec(title="Tea cake", item="gadget:7", original=Decimal("300.00"),
                                       final=Decimal("250.00"))],
        shipping={"name": "A", "phone": "1", "address": "X"},
    )
    with transaction.atomic():
        return order_services.open_order(user=user, spec=spec, now=clock.now())


def test_another_kind_is_paid_timed_out_and_refunded_by_the_same_code(gadget_kind, user, operator, fund, clock):
    fund(user, balance="20")
    paid = _gadget_order(user, clock, balance=Decimal("20"))
    assert paid.expires_at == clock.now() + timedelta(hours=24) and paid.lines.get().product is None
    payment_services.handle_notification("sandbox", _sandbox_fields(paid, trade_no="G1"))
    lapsed = _gadget_order(user, clock)
    clock.advance(timedelta(hours=25))
    from shop.orders.tasks import apply_due

    apply_due(clock.now())
    order_services.request_refund(paid.pk, user=user, reason="broken", now=clock.now())
    payment_services.approve_refund(paid.pk, operator=operator, now=clock.now())
    assert gadget_kind == [("fulfil", paid.number), ("release", lapsed.number), ("take_back", paid.number)]
    assert GatewayRefund.objects.get(order=paid).amount == Decimal("230.00")
    assert Wallet.objects.get(user=user).balance == Decimal("20.00")


def test_orders_and_payments_import_no_campaign_app():
    import ast
    from pathlib import Path

    import shop

    root = Path(shop.__file__).parent
    forbidden = {"shop.checkout", "shop.courses", "shop.lottery", "shop.gifts", "shop.auctions", "shop.cart"}
    for app, also in (("orders", {"shop.payments"}), ("payments", set())):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                for name in names:
                    assert not any(name.startswith(f) for f in forbidden | also), f"{path}: imports {name}"


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(LookupError, match="not registered"):
        kinds.get_kind("nope")


def test_order_texts_are_shown_in_the_readers_language(user, make_product, cart_with, clock):
    from django.utils import translation

    from shop.notifications.models import Notification

    with translation.override("en"):
        order = _paid(user, cart_with(user, make_product(prices=["10.00"])), clock)
    note = Notification.objects.get(user=user)
    event = order.events.get(to_status="paid")
    with translation.override("zh-hans"):
        assert order.number in note.shown_title and "已支付" in note.shown_title
        assert "谢谢" in note.shown_body and "已在线支付" in event.shown_note
    with translation.override("en"):
        assert "is paid" in note.shown_title and event.shown_note.startswith("Paid online")
