"""Real threads against the database: limits hold under simultaneous checkouts and notifications."""

from decimal import Decimal

import pytest

from shop.checkout.services import Choices, place_order, settle
from shop.core import clock
from shop.core.errors import DomainError
from shop.orders.models import Order, OrderEvent
from shop.payments.gateways.base import PaymentRequest
from shop.payments.gateways.sandbox import SandboxGateway
from shop.payments.models import GatewayEvent
from shop.payments.services import handle_notification
from shop.wallet.models import LedgerEntry, Wallet

pytestmark = pytest.mark.postgres


def test_same_coupon_in_two_simultaneous_checkouts_gives_one_order(run_concurrently, make_user, make_product,
                                                                   make_coupon, give_coupon, cart_with):
    shopper = make_user("twice")
    coupon = give_coupon(shopper, make_coupon(value="10"))
    lines = cart_with(shopper, make_product(prices=["50.00"]), make_product(prices=["70.00"]))

    def checkout(i):
        line = lines[i]
        choices = Choices(global_coupon=coupon.pk)
        payable = settle(shopper, [line.pk], choices, now=clock.now()).quote.payable
        return place_order(shopper, [line.pk], choices, shown_payable=payable, now=clock.now())

    results, errors = run_concurrently(checkout, 2)
    assert len([r for r in results if r]) == 1
    assert all(isinstance(e, DomainError) for e in errors if e)
    assert Order.objects.filter(global_coupon=coupon).count() == 1


def test_twenty_checkouts_each_using_the_whole_balance_one_succeeds(run_concurrently, make_user, make_product,
                                                                    fund, cart_with):
    shopper = make_user("spender")
    fund(shopper, balance="100")
    lines = cart_with(shopper, *[make_product(prices=["100.00"]) for _ in range(20)])

    def checkout(i):
        choices = Choices(balance=Decimal("100"))
        return place_order(shopper, [lines[i].pk], choices, shown_payable=Decimal("0.00"), now=clock.now())

    results, errors = run_concurrently(checkout, 20)
    assert len([r for r in results if r]) == 1
    assert all(isinstance(e, DomainError) for e in errors if e), [e for e in errors if e][:3]
    wallet = Wallet.objects.get(user=shopper)
    assert wallet.balance == 0
    assert sum(e.amount for e in LedgerEntry.objects.filter(wallet=wallet)) == wallet.balance


def test_notification_delivered_twenty_times_at_once_changes_the_order_once(run_concurrently, make_user,
                                                                            make_product, cart_with):
    shopper = make_user("payer")
    line = cart_with(shopper, make_product(prices=["88.00"]))[0]
    order = place_order(shopper, [line.pk], Choices(), shown_payable=Decimal("88.00"), now=clock.now())
    fields = SandboxGateway().build_notification(PaymentRequest(order.number, order.payable, "s", "/", "/"), paid=True)
    entries_before = LedgerEntry.objects.count()

    results, errors = run_concurrently(lambda i: handle_notification("sandbox", fields)[1].outcome, 20)
    assert not [e for e in errors if e]
    assert sorted(set(results)) == ["applied", "duplicate"] and results.count("applied") == 1
    assert OrderEvent.objects.filter(order=order, to_status="paid").count() == 1
    assert GatewayEvent.objects.filter(order=order).count() == 1
    assert LedgerEntry.objects.count() == entries_before
