"""Shared fixtures: users, a movable clock, threads against a real database, and a browser."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections

from shop.accounts.services import register_user
from shop.core import clock as clock_module

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- users ---------------------------------------------------------------------------------------
@pytest.fixture
def make_user(db):
    counter = iter(range(1, 1_000_000))

    def make(username: str | None = None, *, password: str = "pw-secret-123", **profile):
        return register_user(username=username or f"user{next(counter)}", password=password, **profile)

    return make


@pytest.fixture
def user(make_user):
    return make_user("shopper", email="shopper@example.com")


@pytest.fixture
def other_user(make_user):
    return make_user("someone-else")


@pytest.fixture
def operator(make_user):
    from shop.accounts.demo import operations_group

    staff = make_user("op", is_staff=True)
    staff.groups.add(operations_group())
    return staff


@pytest.fixture
def staff_without_areas(make_user):
    return make_user("plainstaff", is_staff=True)


@pytest.fixture
def shopper_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def fund(db):
    """``fund(user, balance=…, gem=…, gold=…)`` credits through the wallet service."""
    from shop.wallet.services import credit

    def fund(user, **assets):
        for asset, amount in assets.items():
            credit(user=user, asset=asset, amount=Decimal(str(amount)), memo="test funds")

    return fund


# --- time ----------------------------------------------------------------------------------------
@pytest.fixture
def clock():
    """The domain clock, frozen at the real now; ``clock.advance(timedelta)`` moves it."""
    from django.utils import timezone

    clock_module.freeze(timezone.now())
    yield clock_module
    clock_module.reset()


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock_module.reset()


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches (cached fragments and claim hints name row ids, which
    a rolled-back test database hands out again)."""
    from django.core.cache import cache

    from shop.catalog import selectors
    from shop.core import fragments
    from shop.coupons import claim_hints

    cache.clear()
    claim_hints.clear_local()
    fragments.clear()
    selectors.forget_kept()


# --- concurrency ---------------------------------------------------------------------------------
@pytest.fixture
def run_concurrently(transactional_db):
    """``run_concurrently(fn, n)`` calls ``fn(i)`` in n threads released together; returns
    ``(results, errors)``. Each thread has its own database connection; at most ``connections``
    are open at once (PostgreSQL's default limit is 100)."""

    def run(fn: Callable[[int], object], n: int, *, timeout: float = 60, max_connections: int = 40):
        barrier = threading.Barrier(n)
        gate = threading.BoundedSemaphore(max_connections)
        results: list = [None] * n
        errors: list = [None] * n

        def worker(i: int):
            try:
                barrier.wait(timeout=timeout)
                with gate:
                    try:
                        results[i] = fn(i)
                    finally:
                        connections.close_all()
            except BaseException as exc:  # noqa: BLE001 - returned to the test
                errors[i] = exc

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout)
        return results, errors

    return run


# --- browser -------------------------------------------------------------------------------------
def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


_skipped_browser_tests = 0


def pytest_collection_modifyitems(config, items):
    global _skipped_browser_tests
    if connection.vendor != "postgresql":
        skip_pg = pytest.mark.skip(reason="needs real row locks: runs on PostgreSQL (DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip_pg)
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items or chromium_path():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the browser tests, but no Chromium was found.")
    skip = pytest.mark.skip(reason="no Chromium found")
    for item in browser_items:
        item.add_marker(skip)
    _skipped_browser_tests = len(browser_items)


def pytest_terminal_summary(terminalreporter):
    if _skipped_browser_tests:
        terminalreporter.write_line(
            f"{_skipped_browser_tests} browser tests skipped: no Chromium. Enable them with "
            "`sudo apt-get install chromium` or CHROMIUM_PATH=/path/to/chromium.",
            yellow=True,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


# --- shop data -----------------------------------------------------------------------------------
@pytest.fixture
def make_product(db):
    from shop.catalog.models import PricePolicy, Product

    counter = iter(range(1, 1_000_000))

    def make(title: str | None = None, *, prices=("100.00",), status="online", kind="regular", days=30, units=0):
        n = next(counter)
        product = Product.objects.create(title=title or f"Course {n}", slug=f"course-{n}-{os.getpid()}",
                                         status=status, kind=kind, summary="A course", gift_units=units)
        for position, price in enumerate(prices):
            PricePolicy.objects.create(product=product, label=f"Plan {position + 1}", price=Decimal(price),
                                       days=days, position=position)
        return product

    return make


@pytest.fixture
def make_gift_package(make_product):
    """``make_gift_package(title, units=3, price="60.00")``: a gift package on sale."""

    def make(title: str = "Tea gift box", *, units: int = 3, price: str = "60.00", **fields):
        return make_product(title, prices=(price,), kind="gift", units=units, days=1, **fields)

    return make


@pytest.fixture
def give_gifts(db):
    """``give_gifts(user, package, n)``: the user holds n more units of the package (as if bought)."""
    from django.db.models import F

    from shop.gifts.models import GiftHolding

    def give(user, package, n: int):
        holding, _ = GiftHolding.objects.get_or_create(user=user, product=package)
        GiftHolding.objects.filter(pk=holding.pk).update(bought=F("bought") + n, available=F("available") + n)
        holding.refresh_from_db()
        return holding

    return give


@pytest.fixture
def make_coupon(db):
    """``make_coupon(kind="flat", value="20", scope="global", product=None, **fields)`` claiming now."""
    from datetime import timedelta

    from shop.core import clock as clk
    from shop.coupons.models import Coupon

    def make(*, kind="flat", value="20", scope="global", product=None, **fields):
        now = clk.now()
        defaults = {"name": f"{kind} {value}", "quantity": 100, "claim_opens_at": now - timedelta(days=1),
                    "claim_closes_at": now + timedelta(days=1), "valid_days": 10, "status": "claiming"}
        defaults.update(fields)
        return Coupon.objects.create(kind=kind, value=Decimal(str(value)), scope=scope, product=product, **defaults)

    return make


@pytest.fixture
def give_coupon(db):
    """Claim ``coupon`` for ``user`` through the claim service."""
    from shop.core import clock as clk
    from shop.coupons.services import claim

    def give(user, coupon):
        return claim(user=user, coupon_id=coupon.pk, now=clk.now())

    return give


@pytest.fixture
def cart_with(db):
    """``cart_with(user, product, ...)`` → the user's cart lines, first policy of each product."""
    from shop.cart.models import Cart
    from shop.cart.services import add

    def fill(user, *products):
        cart, _ = Cart.objects.get_or_create(user=user)
        return [add(cart, p, p.policies.first().pk) for p in products]

    return fill


# --- CSRF like a browser -------------------------------------------------------------------------
from django.test import Client  # noqa: E402


class CsrfClient(Client):
    """A test client that enforces CSRF as production does and, like a browser, sends the token
    it was given: read from the ``csrftoken`` cookie (set by the home page when it has none yet)
    and sent as ``X-CSRFToken``, the way htmx and the forms' token do. ``post(..., csrf=False)``
    sends none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, enforce_csrf_checks=True, **kwargs)

    def csrf_token(self) -> str:
        from django.conf import settings

        if settings.CSRF_COOKIE_NAME not in self.cookies:
            self.get("/")
        return self.cookies[settings.CSRF_COOKIE_NAME].value

    def post(self, path, data=None, *args, csrf: bool = True, **extra):
        if csrf:
            extra.setdefault("HTTP_X_CSRFTOKEN", self.csrf_token())
        return super().post(path, data, *args, **extra)


@pytest.fixture
def csrf_client(db):
    """A fresh ``CsrfClient`` (CSRF enforced, token sent from the cookie). A test directory's
    conftest may make it the ``client`` (and so ``shopper_client`` / ``operator_client``)."""
    return CsrfClient()


# --- coupon definitions as the backoffice form sends them ----------------------------------------
@pytest.fixture
def form_data(clock):
    """``form_data(**overrides)``: a valid backoffice coupon form (flat ¥10, claim opens in an
    hour, valid 7 days after claiming), in local time as the browser sends it."""

    def data(**overrides):
        now = clock.now()
        values = {"name": "Spring", "kind": "flat", "value": "10", "scope": "global", "quantity": "5",
                  "per_user_limit": "1", "claim_opens_at": _local(now + timedelta(hours=1)),
                  "claim_closes_at": _local(now + timedelta(days=1)), "validity": "days", "valid_days": "7"}
        values.update(overrides)
        return values

    return data


def _local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def local():
    return _local


@pytest.fixture
def make_campaign(db):
    """``make_campaign(prizes=[{"title":…, "weight":…, "stock_left":…, …}], **fields)``: a
    campaign online now (lottery unless ``kind="exchange"``); prizes grant physical items unless
    told otherwise."""
    from datetime import timedelta

    from shop.core import clock as clk
    from shop.lottery.models import Campaign, Prize

    def make(*, prizes=(), **fields):
        now = clk.now()
        defaults = {"title": "Lucky wheel", "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=7),
                    "draw_cost": Decimal("10"), "status": "online"}
        defaults.update(fields)
        campaign = Campaign.objects.create(**defaults)
        for position, spec in enumerate(prizes):
            Prize.objects.create(campaign=campaign, position=position,
                                 **{"title": f"Prize {position + 1}", "grant": "physical", "weight": 1,
                                    "stock_left": 10, **spec})
        return campaign

    return make


@pytest.fixture
def make_auction(db):
    """``make_auction(lots=[{"title":…, "start_price":…, …}], **session_fields)``: a session
    bidding now (started an hour ago, ends in an hour, preview the day before) and its lots
    (start price ¥100, increment ¥10 unless told otherwise). Returns the session."""
    from datetime import timedelta

    from shop.auctions.models import AuctionSession
    from shop.auctions.services import new_lot
    from shop.core import clock as clk

    def make(*, lots=({},), **fields):
        now = clk.now()
        starts = fields.pop("starts_at", now - timedelta(hours=1))
        defaults = {"title": "Spring teas", "preview_starts_at": starts - timedelta(days=1),
                    "preview_ends_at": starts, "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                    "status": "bidding"}
        defaults.update(fields)
        session = AuctionSession.objects.create(**defaults)
        for position, spec in enumerate(lots):
            new_lot(session, **{"title": f"Lot {position + 1}", "start_price": Decimal("100"),
                                "increment": Decimal("10"), "status": "bidding", **spec})
        return session

    return make
