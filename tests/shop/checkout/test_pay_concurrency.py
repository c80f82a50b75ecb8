"""Pay now pressed several times at once (double click, two tabs): over HTTP, with CSRF enforced,
exactly one order and one debit, every other request a redirect to that order — never a 5xx.
Runs on SQLite (one writer: the others queue on the busy timeout) and on PostgreSQL (row locks)."""

from decimal import Decimal

from django.urls import reverse

from shop.orders.models import Order
from shop.wallet.models import LedgerEntry, Wallet
from tests.conftest import CsrfClient


def test_pay_now_sent_six_times_at_once_places_one_order(run_concurrently, make_user, fund, make_product, cart_with):
    shopper = make_user("clicker")
    fund(shopper, balance="25")
    lines = cart_with(shopper, make_product(prices=["80.00"]), make_product(prices=["45.00"]))
    setup = CsrfClient()
    setup.force_login(shopper)
    page = setup.get(reverse("checkout:start") + "".join(f"{'&' if i else '?'}lines={line.pk}"
                                                         for i, line in enumerate(lines))).content.decode()
    idem = page.split('name="idem" value="')[1].split('"')[0]
    data = {"lines": [line.pk for line in lines], "idem": idem, "balance": "25", "shown_payable": "100.00",
            "global_coupon": ""}
    session = setup.cookies.output(header="", sep=";")

    def press(i):
        client = CsrfClient()
        client.cookies.load(session)
        return client.post(reverse("checkout:pay"), data)

    results, errors = run_concurrently(press, 6)
    assert errors == [None] * 6
    statuses = [r.status_code for r in results]
    assert all(s == 302 for s in statuses), statuses
    order = Order.objects.get(user=shopper)
    assert order.payable == Decimal("100.00") and order.balance_used == Decimal("25.00")
    assert sum(1 for r in results if r["Location"] == order.get_absolute_url()) >= 5  # the rest: the gateway
    assert LedgerEntry.objects.filter(wallet__user=shopper, kind="expense").count() == 1
    assert Wallet.objects.get(user=shopper).balance == 0
