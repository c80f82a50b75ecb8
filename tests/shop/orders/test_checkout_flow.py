from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail  # noqa: F401
from django.urls import reverse

from shop.checkout.services import Choices, PricesChanged, place_order, settle
from shop.core.errors import DomainError
from shop.coupons.models import ClaimedCoupon
from shop.orders.models import Enrollment, Order, OrderEvent
from shop.orders.services import cancel, reject_refund, request_refund, time_out
from shop.orders.tasks import apply_due
from shop.payments.gateways.base import PaymentRequest
from shop.payments.gateways.sandbox import SandboxGateway
from shop.payments.models import GatewayEvent, GatewayRefund, NotificationLog
from shop.payments.services import approve_refund, handle_notification
from shop.wallet.models import LedgerEntry, Wallet


def _place(user, lines, *, line_coupons=None, global_coupon=None, balance="0", now):
    choices = Choices(line_coupons=line_coupons or {}, global_coupon=global_coupon, balance=Decimal(balance))
    quote = settle(user, [line.pk for line in lines], choices, now=now).quote
    return place_order(user, [line.pk for line in lines], choices, shown_payable=quote.payable, now=now)


def _notify(order, *, paid=True, event_id=None, amount=None):
    request = PaymentRequest(order.number, amount if amount is not None else order.payable, "s", "/r", "/n")
    fields = SandboxGateway().build_notification(request, paid=paid, event_id=event_id)
    return handle_notification("sandbox", fields)


def test_full_price_order_is_pending_then_paid_by_notification(user, make_product, cart_with, clock):
    course = make_product(prices=["199.00"])
    lines = cart_with(user, course)
    order = _place(user, lines, now=clock.now())
    assert order.status == "pending" and order.payable == Decimal("199.00")
    assert order.expires_at == clock.now() + timedelta(minutes=30)
    assert not user.cart.lines.exists()
    ack, log = _notify(order)
    order.refresh_from_db()
    assert ack and log.outcome == "applied" and order.status == "paid" and order.payment_method == "sandbox"
    enrollment = Enrollment.objects.get(user=user, product=course)
    assert enrollment.status == "active" and enrollment.ends_at == clock.now() + timedelta(days=30)
    assert [e.to_status for e in order.events.all()] == ["pending", "paid"]


def test_coupons_and_balance_are_priced_used_and_debited(user, fund, make_product, make_coupon, give_coupon,
                                                         cart_with, clock):
    fund(user, balance="50")
    a, b = make_product(prices=["100.00"]), make_product(prices=["60.00"])
    line_coupon = give_coupon(user, make_coupon(kind="flat", value="20", scope="product", product=a))
    global_coupon = give_coupon(user, make_coupon(kind="percent", value="0", off_percent=90))
    lines = cart_with(user, a, b)
    order = _place(user, lines, line_coupons={lines[0].pk: line_coupon.pk}, global_coupon=global_coupon.pk,
                   balance="30", now=clock.now())
    # 100-20=80, +60 = 140 subtotal; 10% off = 14 → 126; balance 30 → payable 96
    assert (order.subtotal, order.global_discount, order.balance_used, order.payable) == (
        Decimal("140.00"), Decimal("14.00"), Decimal("30.00"), Decimal("96.00"))
    assert Wallet.objects.get(user=user).balance == Decimal("20.00")
    assert ClaimedCoupon.objects.filter(status="used", order_ref=order.ref).count() == 2
    line_a = order.lines.get(product=a)
    assert (line_a.original, line_a.line_discount, line_a.coupon_id) == (Decimal("100.00"), Decimal("20.00"), line_coupon.pk)
    assert sum(line.final for line in order.lines.all()) == Decimal("126.00")
    assert sum(line.balance_share for line in order.lines.all()) == Decimal("30.00")


def test_zero_payable_order_is_paid_at_once(user, fund, make_product, cart_with, clock):
    fund(user, balance="500")
    course = make_product(prices=["120.00"])
    order = _place(user, cart_with(user, course), balance="120", now=clock.now())
    assert order.status == "paid" and order.payment_method == "wallet" and order.payable == 0
    assert Enrollment.objects.filter(user=user, product=course, status="active").exists()


def test_shown_payable_mismatch_is_refused_and_leaves_nothing(user, make_product, cart_with, clock):
    lines = cart_with(user, make_product(prices=["99.00"]))
    with pytest.raises(PricesChanged):
        place_order(user, [lines[0].pk], Choices(), shown_payable=Decimal("1.00"), now=clock.now())
    assert not Order.objects.exists() and user.cart.lines.count() == 1


def test_foreign_used_and_wrong_product_coupons_are_refused(user, other_user, make_product, make_coupon,
                                                            give_coupon, cart_with, clock):
    a, b = make_product(), make_product()
    theirs = give_coupon(other_user, make_coupon(scope="product", product=a))
    for_b = give_coupon(user, make_coupon(scope="product", product=b))
    lines = cart_with(user, a)
    with pytest.raises(DomainError):
        settle(user, [lines[0].pk], Choices(line_coupons={lines[0].pk: theirs.pk}), now=clock.now())
    with pytest.raises(DomainError, match="does not apply"):
        settle(user, [lines[0].pk], Choices(line_coupons={lines[0].pk: for_b.pk}), now=clock.now())
    with pytest.raises(DomainError):
        settle(user, [lines[0].pk], Choices(global_coupon=for_b.pk), now=clock.now())


def test_offline_product_and_retired_policy_are_refused(user, make_product, cart_with, clock):
    a, b = make_product(), make_product()
    lines = cart_with(user, a, b)
    a.status = "offline"
    a.save()
    with pytest.raises(DomainError, match="not on sale"):
        settle(user, [lines[0].pk], Choices(), now=clock.now())
    b.policies.update(is_active=False)
    with pytest.raises(DomainError, match="no longer available"):
        settle(user, [lines[1].pk], Choices(), now=clock.now())


def test_negative_balance_is_refused(user, make_product, cart_with, clock):
    lines = cart_with(user, make_product())
    with pytest.raises(DomainError):
        settle(user, [lines[0].pk], Choices(balance=Decimal("-1")), now=clock.now())


def test_cancel_returns_balance_and_coupons(user, fund, make_product, make_coupon, give_coupon, cart_with, clock):
    fund(user, balance="10")
    coupon = give_coupon(user, make_coupon(value="5"))
    order = _place(user, cart_with(user, make_product()), global_coupon=coupon.pk, balance="10", now=clock.now())
    cancel(order.pk, user=user, now=clock.now())
    order.refresh_from_db()
    coupon.refresh_from_db()
    assert order.status == "cancelled" and coupon.status == "unused"
    assert Wallet.objects.get(user=user).balance == Decimal("10.00")
    assert LedgerEntry.objects.filter(wallet__user=user, kind="refund", ref=order.ref).count() == 1


def test_timeout_by_sweeper_returns_resources_once_and_refuses_payment(user, fund, make_product, make_coupon,
                                                                       give_coupon, cart_with, clock):
    fund(user, balance="10")
    coupon = give_coupon(user, make_coupon(value="5", valid_days=None, valid_from=clock.now() - timedelta(days=1),
                                           valid_until=clock.now() + timedelta(minutes=10)))
    order = _place(user, cart_with(user, make_product()), global_coupon=coupon.pk, balance="10", now=clock.now())
    clock.advance(timedelta(minutes=31))
    order.refresh_from_db()
    from shop.orders.services import is_payable

    assert not is_payable(order, clock.now())  # read against the clock, before any job ran
    assert apply_due(clock.now()) == 1
    assert apply_due(clock.now()) == 0
    assert time_out(order.pk, now=clock.now()) is None
    order.refresh_from_db()
    coupon.refresh_from_db()
    assert order.status == "timed_out"
    assert coupon.status == "expired"  # its validity ended meanwhile
    assert LedgerEntry.objects.filter(wallet__user=user, kind="refund").count() == 1
    # a payment arriving now is refunded through the gateway
    ack, log = _notify(order)
    assert ack and log.outcome == "late_refunded"
    assert GatewayRefund.objects.filter(order=order).count() == 1


def test_duplicate_notification_changes_order_once(user, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    request = PaymentRequest(order.number, order.payable, "s", "/r", "/n")
    fields = SandboxGateway().build_notification(request, paid=True)
    assert handle_notification("sandbox", fields)[1].outcome == "applied"
    assert handle_notification("sandbox", fields)[1].outcome == "duplicate"
    assert OrderEvent.objects.filter(order=order, to_status="paid").count() == 1
    assert GatewayEvent.objects.count() == 1 and NotificationLog.objects.count() == 2


def test_tampered_or_wrong_amount_notifications_are_rejected(user, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product(prices=["80.00"])), now=clock.now())
    request = PaymentRequest(order.number, order.payable, "s", "/r", "/n")
    fields = SandboxGateway().build_notification(request, paid=True)
    tampered = {**fields, "amount": "0.01"}
    ack, log = handle_notification("sandbox", tampered)
    assert not ack and not log.verified
    ack, log = _notify(order, amount=Decimal("1.00"))
    assert not ack and log.outcome == "rejected"
    order.refresh_from_db()
    assert order.status == "pending"


def test_failed_payment_keeps_order_pending(user, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    ack, log = _notify(order, paid=False)
    order.refresh_from_db()
    assert ack and log.outcome == "failed" and order.status == "pending"


def test_refund_flow_approve_returns_balance_refunds_gateway_and_ends_enrollment(
        user, operator, fund, make_product, cart_with, clock, django_capture_on_commit_callbacks):
    fund(user, balance="20")
    course = make_product(prices=["100.00"])
    order = _place(user, cart_with(user, course), balance="20", now=clock.now())
    _notify(order)
    with pytest.raises(DomainError):
        request_refund(order.pk, user=user, reason="  ", now=clock.now())
    request_refund(order.pk, user=user, reason="Changed my mind", now=clock.now())
    with django_capture_on_commit_callbacks(execute=True):
        approve_refund(order.pk, operator=operator, now=clock.now())
    order.refresh_from_db()
    assert order.status == "refunded"
    assert Wallet.objects.get(user=user).balance == Decimal("20.00")
    refund = GatewayRefund.objects.get(order=order)
    assert refund.amount == Decimal("80.00") and refund.done_at is not None
    assert Enrollment.objects.get(user=user, product=course).status == "ended"


def test_refund_reject_returns_to_paid(user, operator, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    _notify(order)
    request_refund(order.pk, user=user, reason="x", now=clock.now())
    reject_refund(order.pk, operator=operator, note="Course already completed", now=clock.now())
    order.refresh_from_db()
    assert order.status == "paid"
    with pytest.raises(DomainError):
        cancel(order.pk, user=user, now=clock.now())


def test_buying_again_extends_an_active_enrollment(user, fund, make_product, cart_with, clock):
    fund(user, balance="1000")
    course = make_product(prices=["10.00"], days=30)
    _place(user, cart_with(user, course), balance="10", now=clock.now())
    clock.advance(timedelta(days=10))
    _place(user, cart_with(user, course), balance="10", now=clock.now())
    enrollment = Enrollment.objects.get(user=user, product=course)
    assert enrollment.ends_at == enrollment.starts_at + timedelta(days=60)


def test_degree_enrollment_waits_for_registration(shopper_client, user, fund, make_product, cart_with, clock):
    fund(user, balance="1000")
    degree = make_product(prices=["500.00"], kind="degree")
    _place(user, cart_with(user, degree), balance="500", now=clock.now())
    enrollment = Enrollment.objects.get(user=user, product=degree)
    assert enrollment.status == "awaiting"
    url = reverse("courses:register", args=[enrollment.pk])
    response = shopper_client.post(url, {"current_company": "ACME"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    response = shopper_client.post(url, {
        "current_company": "ACME", "current_position": "Analyst", "current_salary": "12000", "work_experience": "3",
        "weekly_plan": "10 hours", "why_course": "Grow", "why_us": "Mentors", "expectations": "A better job"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "active" and enrollment.registration.current_company == "ACME"


# --- pages -----------------------------------------------------------------------------------
def test_checkout_page_quote_partial_and_pay(shopper_client, user, fund, make_product, make_coupon, give_coupon,
                                             cart_with, clock):
    fund(user, balance="40")
    course = make_product(prices=["150.00"])
    coupon = give_coupon(user, make_coupon(kind="threshold", value="30", min_spend="100"))
    line = cart_with(user, course)[0]
    page = shopper_client.get(reverse("checkout:start") + f"?lines={line.pk}")
    assert page.status_code == 200 and 'data-testid="payable">¥150.00' in page.content.decode()
    data = {"lines": [line.pk], f"coupon_{line.pk}": "", "global_coupon": coupon.pk, "balance": "20"}
    partial = shopper_client.post(reverse("checkout:quote"), data, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="breakdown"') and 'data-testid="payable">¥100.00' in partial
    bad = shopper_client.post(reverse("checkout:quote"), {**data, "balance": "-5"}, HTTP_HX_REQUEST="true")
    assert "can&#x27;t be negative" in bad.content.decode() or "negative" in bad.content.decode()
    assert shopper_client.post(reverse("checkout:quote"), {**data, "balance": "abc"}, HTTP_HX_REQUEST="true").status_code == 200
    tampered = shopper_client.post(reverse("checkout:pay"), {**data, "shown_payable": "1.00"})
    assert tampered.status_code == 409 and "Prices changed" in tampered.content.decode()
    response = shopper_client.post(reverse("checkout:pay"), {**data, "shown_payable": "100.00"})
    order = Order.objects.get(user=user)
    assert response.status_code == 302 and response["Location"].startswith("/pay/sandbox/")
    cashier = shopper_client.get(response["Location"])
    assert cashier.status_code == 200 and "¥100.00" in cashier.content.decode()
    back = shopper_client.post(response["Location"], {"outcome": "pay"})
    assert back.status_code == 302 and order.number in back["Location"]
    order.refresh_from_db()
    assert order.status == "paid"  # sync django-q in tests: the notification ran inline
    detail = shopper_client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Paid" in detail and "Request refund" in detail
    courses = shopper_client.get(reverse("courses:mine")).content.decode()
    assert course.title in courses


def test_checkout_with_foreign_cart_line_goes_back_to_cart(shopper_client, other_user, make_product, cart_with):
    theirs = cart_with(other_user, make_product())[0]
    response = shopper_client.get(reverse("checkout:start") + f"?lines={theirs.pk}")
    assert response.status_code == 302 and response["Location"] == reverse("cart:detail")
    assert shopper_client.get(reverse("checkout:start") + "?lines=abc").status_code == 302


def test_other_users_orders_are_404(shopper_client, other_user, make_product, cart_with, clock):
    order = _place(other_user, cart_with(other_user, make_product()), now=clock.now())
    assert shopper_client.get(reverse("orders:detail", args=[order.number])).status_code == 404
    assert shopper_client.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    assert shopper_client.post(reverse("payments:pay", args=[order.number])).status_code == 404
    order.refresh_from_db()
    assert order.status == "pending"


def test_order_pages_and_cancel(shopper_client, user, make_product, cart_with, clock, django_assert_max_num_queries):
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    for _ in range(5):
        _place(user, cart_with(user, make_product()), now=clock.now())
    with django_assert_max_num_queries(10):
        listing = shopper_client.get(reverse("orders:list"))
    assert order.number in listing.content.decode()
    poll = shopper_client.get(reverse("orders:detail", args=[order.number]) + "?poll=1&returned=1", HTTP_HX_REQUEST="true")
    assert poll.content.decode().lstrip().startswith('<section id="order-status"')
    shopper_client.post(reverse("orders:cancel", args=[order.number]))
    order.refresh_from_db()
    assert order.status == "cancelled"
    settled = shopper_client.get(reverse("orders:detail", args=[order.number]) + "?poll=1", HTTP_HX_REQUEST="true")
    assert settled["HX-Refresh"] == "true"
    again = shopper_client.post(reverse("payments:pay", args=[order.number]))
    assert again.status_code == 302 and again["Location"] == order.get_absolute_url()


def test_notify_endpoint_verifies_and_acks(client, user, make_product, cart_with, clock):
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    fields = SandboxGateway().build_notification(PaymentRequest(order.number, order.payable, "s", "/", "/"), paid=True)
    assert client.post(reverse("payments:notify", args=["sandbox"]), {**fields, "sign": "x"}).status_code == 400
    ok = client.post(reverse("payments:notify", args=["sandbox"]), fields)
    assert ok.status_code == 200 and ok.content == b"success"
    assert client.post(reverse("payments:notify", args=["nope"]), fields).status_code == 404


def test_sandbox_is_closed_when_another_gateway_is_configured(client, user, make_product, cart_with, clock, settings):
    order = _place(user, cart_with(user, make_product()), now=clock.now())
    request = PaymentRequest(order.number, order.payable, "s", "/", "/")
    url = SandboxGateway().start(request)
    fields = SandboxGateway().build_notification(request, paid=True)
    settings.BAZAAR_PAYMENT_GATEWAY = "alipay"
    assert client.get(url).status_code == 404
    assert client.post(reverse("payments:notify", args=["sandbox"]), fields).status_code == 404
    order.refresh_from_db()
    assert order.status == "pending"
