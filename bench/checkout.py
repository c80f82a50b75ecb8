"""End-to-end order placement through the views (POST /checkout/pay/ with a coupon and balance,
wallet debit, order and lines, coupon use), against a bare Django view round trip (/healthz)."""

import time
from datetime import timedelta
from decimal import Decimal

from django.test import Client

from shop.accounts.services import register_user
from shop.cart.models import Cart
from shop.cart.services import add
from shop.catalog.models import PricePolicy, Product
from shop.checkout.services import Choices, settle
from shop.core import clock
from shop.coupons.models import Coupon
from shop.coupons.services import claim
from shop.wallet.services import credit

ORDERS, ROUND_TRIPS = 150, 300


def run():
    now = clock.now()
    shopper = register_user(username="bench-shopper", password="bench-pass-123")
    credit(user=shopper, asset="balance", amount=Decimal("100000"))
    products = []
    for i in range(ORDERS):
        product = Product.objects.create(title=f"Bench {i}", slug=f"bench-{i}", status="online")
        PricePolicy.objects.create(product=product, label="1 month", price=Decimal("99.00"), days=30)
        products.append(product)
    coupon = Coupon.objects.create(name="Bench", kind="flat", value=Decimal("5"), quantity=ORDERS, per_user_limit=ORDERS,
                                   claim_opens_at=now - timedelta(minutes=1), claim_closes_at=now + timedelta(hours=1),
                                   valid_days=7, status="claiming")
    client = Client()
    client.force_login(shopper)
    cart, _ = Cart.objects.get_or_create(user=shopper)

    elapsed = 0.0
    for product in products:
        line = add(cart, product, product.policies.get().pk)
        claimed = claim(user=shopper, coupon_id=coupon.pk, now=clock.now())
        choices = Choices(global_coupon=claimed.pk, balance=Decimal("10"))
        payable = settle(shopper, [line.pk], choices, now=clock.now()).quote.payable
        data = {"lines": [line.pk], "global_coupon": claimed.pk, "balance": "10", "shown_payable": str(payable),
                f"coupon_{line.pk}": ""}
        started = time.perf_counter()
        response = client.post("/checkout/pay/", data)
        elapsed += time.perf_counter() - started
        assert response.status_code == 302, response.status_code
    rate = ORDERS / elapsed

    started = time.perf_counter()
    for _ in range(ROUND_TRIPS):
        client.get("/healthz")
    base_rate = ROUND_TRIPS / (time.perf_counter() - started)
    yield ("checkout: order placement via POST /checkout/pay/", rate, "ord/s", base_rate, "req/s", rate / base_rate)
