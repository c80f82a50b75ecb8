"""Storefront pages under gunicorn (2 sync workers, 8 concurrent clients): the course list, a
course page, the cart and the coupon centre, for a logged-in shopper (5-line cart, unread
notifications) and for a visitor (no account, a CSRF cookie from an earlier page), each
against a bare Django view (``/bench/bare``: same server, same middleware, no database, no
template) measured in the same run; and the bare view after loading the shopper's session and
user (``/bench/signed-in``), the floor of every logged-in page.

Pages and the baseline are measured in turns (``ROUNDS`` × ``SECONDS`` each) and the best turn
of each is kept: the machine is shared, and the best turn is the least disturbed one. Every
response must be a 200 with the page's marker in it, or the benchmark exits non-zero."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test import Client

from shop.accounts.services import register_user
from shop.cart.models import Cart
from shop.cart.services import add
from shop.catalog.models import PricePolicy, Product
from shop.core import clock
from shop.coupons.models import Coupon
from shop.notifications.services import notify

WORKERS, CLIENTS, SECONDS, ROUNDS = 2, 8, 1.5, 3
PRODUCTS, COUPONS, CART_LINES = 30, 24, 5


def _seed():
    now = clock.now()
    products = []
    for i in range(PRODUCTS):
        product = Product.objects.create(title=f"Course {i:02d}", slug=f"course-{i:02d}", status="online",
                                         summary="A course to learn something useful at your own pace. " * 2,
                                         body="Lessons, exercises and a final project.\n\n" * 8)
        for months, price in ((1, "99.00"), (3, "269.00"), (12, "899.00")):
            PricePolicy.objects.create(product=product, label=f"{months} months", price=Decimal(price),
                                       days=30 * months)
        products.append(product)
    for i in range(COUPONS):
        product_scoped = i % 3 == 0
        Coupon.objects.create(
            name=f"Coupon {i}", kind="flat", value=Decimal("10") + i, quantity=1000, claimed=i * 7,
            scope="product" if product_scoped else "global", product=products[i] if product_scoped else None,
            claim_opens_at=now - timedelta(hours=1 + i), claim_closes_at=now + timedelta(days=1 + i),
            valid_days=7, status="claiming")
    shopper = register_user(username="bench-store", password="bench-pass-123")
    cart, _ = Cart.objects.get_or_create(user=shopper)
    for product in products[:CART_LINES]:
        add(cart, product, product.policies.order_by("price").first().pk)
    for i in range(3):
        notify(shopper, f"Notification {i}", "Something happened.", email=False)
    client = Client()
    client.force_login(shopper)
    client.get("/cart/")  # a browser holds a CSRF cookie after its first page
    cookies = {name: client.cookies[name].value for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)}
    return products[PRODUCTS // 2], "; ".join(f"{name}={value}" for name, value in cookies.items())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _load(port: int, path: str, cookie: str, marker: bytes, seconds: float) -> float:
    """Requests per second answered by CLIENTS clients hitting ``path`` for ``seconds``."""
    counts = [0] * CLIENTS
    failures: list[str] = []
    barrier = threading.Barrier(CLIENTS + 1)
    deadline = [0.0]

    def client(c):
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            status, body = _get(port, path, cookie)
            if status != 200 or marker not in body:
                failures.append(f"{path}: {status}")
                return
            counts[c] += 1

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"storefront benchmark: {failures[0]}")
    return sum(counts) / (time.perf_counter() - started)


def _start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "BAZAAR_BENCH_DB_NAME": str(connection.settings_dict["NAME"])}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "project.wsgi:application", "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR)
    for _ in range(200):
        try:
            if _get(port, "/bench/bare", "")[0] == 200:
                return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise SystemExit("storefront benchmark: gunicorn did not start")


def run():
    product, cookie = _seed()
    visitor = "; ".join(part for part in cookie.split("; ") if part.startswith(settings.CSRF_COOKIE_NAME + "="))
    pages = [  # (name, path, cookie, marker)
        ("bare Django view", "/bench/bare", cookie, b"ok"),
        ("shopper: bare view + session and user", "/bench/signed-in", cookie, b"ok "),
        ("shopper: product list", "/products/", cookie, b'data-testid="product-card"'),
        ("shopper: product page", product.get_absolute_url(), cookie, product.title.encode()),
        ("shopper: cart", "/cart/", cookie, b"Course 00"),
        ("shopper: coupon centre", "/coupons/", cookie, b"Coupon 0"),
        ("visitor: product list", "/products/", visitor, b'data-testid="product-card"'),
        ("visitor: product page", product.get_absolute_url(), visitor, product.title.encode()),
        ("visitor: cart", "/cart/", visitor, b'id="cart-body"'),
        ("visitor: coupon centre", "/coupons/", visitor, b"Coupon 0"),
    ]
    connection.close()  # the workers open their own
    port = _free_port()
    server = _start_server(port)
    try:
        for _name, path, jar, _marker in pages:  # warm both workers up (templates, URL resolver)
            for _ in range(20):
                _get(port, path, jar)
        best = [0.0] * len(pages)
        for _round in range(ROUNDS):
            for i, (_name, path, jar, marker) in enumerate(pages):
                best[i] = max(best[i], _load(port, path, jar, marker, SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=30)
    bare = best[0]
    for (name, _path, _jar, _marker), rate in zip(pages[1:], best[1:], strict=True):
        yield (f"storefront: {name}", rate, "req/s", bare, "req/s", rate / bare)
