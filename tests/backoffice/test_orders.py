from decimal import Decimal

from django.urls import reverse

from shop.checkout.services import Choices, place_order
from shop.core.models import AuditLog
from shop.orders.models import Enrollment
from shop.orders.services import request_refund


def _paid_order(user, fund, make_product, cart_with, clock, price="30.00"):
    fund(user, balance=price)
    line = cart_with(user, make_product(prices=[price]))[0]
    return place_order(user, [line.pk], Choices(balance=Decimal(price)), shown_payable=Decimal("0.00"), now=clock.now())


def test_orders_table_filters_and_csv(operator_client, user, fund, make_product, cart_with, clock):
    order = _paid_order(user, fund, make_product, cart_with, clock)
    page = operator_client.get(reverse("backoffice:orders:list") + "?status=paid").content.decode()
    assert order.number in page
    assert order.number not in operator_client.get(reverse("backoffice:orders:list") + "?status=pending").content.decode()
    csv = operator_client.get(reverse("backoffice:orders:export") + "?status=paid")
    body = b"".join(csv.streaming_content).decode()
    assert csv["Content-Type"] == "text/csv" and order.number in body and body.startswith("number,user,status")


def test_order_detail_and_refund_approval(operator_client, operator, user, fund, make_product, cart_with, clock):
    order = _paid_order(user, fund, make_product, cart_with, clock)
    request_refund(order.pk, user=user, reason="Not for me", now=clock.now())
    detail = operator_client.get(reverse("backoffice:orders:detail", args=[order.number])).content.decode()
    assert "Not for me" in detail and "Approve refund" in detail
    unconfirmed = operator_client.post(reverse("backoffice:orders:refund", args=[order.number]),
                                       {"decision": "approve"}, follow=True)
    order.refresh_from_db()
    assert order.status == "refund_requested" and "Tick the box to confirm" in unconfirmed.content.decode()
    no_reason = operator_client.post(reverse("backoffice:orders:refund", args=[order.number]),
                                     {"decision": "reject", "note": "  "}, follow=True)
    order.refresh_from_db()
    assert order.status == "refund_requested" and "why the refund is declined" in no_reason.content.decode()
    operator_client.post(reverse("backoffice:orders:refund", args=[order.number]), {"decision": "approve",
                                                                                    "confirm": "yes"})
    order.refresh_from_db()
    assert order.status == "refunded"
    assert AuditLog.objects.filter(action="order.refund_approve", actor=operator).exists()
    again = operator_client.post(reverse("backoffice:orders:refund", args=[order.number]),
                                 {"decision": "approve", "confirm": "yes"}, follow=True)
    assert "cannot be changed" in again.content.decode()


def test_enrollments_and_mentor_assignment(operator_client, operator, user, fund, make_product, cart_with, clock):
    _paid_order(user, fund, make_product, cart_with, clock)
    enrollment = Enrollment.objects.get(user=user)
    assert user.username in operator_client.get(reverse("backoffice:orders:enrollments")).content.decode()
    response = operator_client.post(reverse("backoffice:orders:enrollment", args=[enrollment.pk]), {"mentor": operator.pk})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.mentor == operator


def test_orders_area_is_staff_only(shopper_client):
    from django.test import Client

    assert Client().get(reverse("backoffice:orders:export")).status_code == 302
    assert shopper_client.get(reverse("backoffice:orders:list")).status_code == 403
    assert shopper_client.get(reverse("backoffice:orders:detail", args=["B0"])).status_code == 403
