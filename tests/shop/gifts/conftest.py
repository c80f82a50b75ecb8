"""Gift draws: packages bought and paid through the real checkout and sandbox gateway, draws made
through the services, and one check that every counter adds up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.gifts import fairness, services
from shop.gifts.models import DrawStatus, GiftDraw, GiftHolding, Method, Participant


def pay(order, *, trade_no: str | None = None):
    """Pay a pending order through the sandbox gateway's signed notification."""
    from shop.payments.gateways.base import PaymentRequest
    from shop.payments.gateways.sandbox import SandboxGateway
    from shop.payments.services import handle_notification

    request = PaymentRequest(order.number, order.payable, "s", "/r", "/n")
    fields = SandboxGateway().build_notification(request, paid=True, trade_no=trade_no or f"GIFT{order.pk}")
    ack, row = handle_notification("sandbox", fields)
    assert ack, row.outcome
    order.refresh_from_db()
    return order


@pytest.fixture
def place(cart_with):
    """``place(user, *products, balance="0")``: the products through the cart and checkout
    (``place_order``), unpaid unless the balance covers it."""
    from shop.checkout.services import Choices, place_order, settle
    from shop.core import clock

    def run(user, *products, balance: str = "0"):
        lines = cart_with(user, *products)
        ids = [line.pk for line in lines]
        choices = Choices(balance=Decimal(balance))
        payable = settle(user, ids, choices, now=clock.now()).quote.payable
        return place_order(user, ids, choices, shown_payable=payable, now=clock.now())

    return run


@pytest.fixture
def buy(place):
    """``buy(user, *products)``: placed through checkout and paid through the gateway."""

    def run(user, *products):
        return pay(place(user, *products))

    return run


@pytest.fixture
def giver(make_user, make_gift_package, buy):
    """A shopper holding 10 units of a package (one paid order)."""
    shopper = make_user("giver", email="giver@example.com")
    shopper.package = make_gift_package(units=10, price="30.00")
    shopper.order = buy(shopper, shopper.package)
    return shopper


@pytest.fixture
def new_draw(giver):
    """``new_draw(method, gifts=…, needed=…, in_=timedelta)``: a draw by ``giver``."""
    from shop.core import clock

    def make(method: str = Method.FULL, *, gifts: int = 2, needed: int | None = None, in_: timedelta | None = None,
             user=None, product=None, wish: str = "Enjoy!", request_key: str | None = None):
        if method == Method.FULL and needed is None:
            needed = max(2, gifts)
        draws_at = clock.now() + (in_ or timedelta(hours=1)) if method == Method.TIMED else None
        return services.create_draw(user=user or giver, product_id=(product or giver.package).pk, gifts=gifts,
                                    method=method, wish=wish, now=clock.now(), needed=needed, draws_at=draws_at,
                                    request_key=request_key)

    return make


@pytest.fixture
def shoppers(make_user):
    """``shoppers(n, prefix)``: n shoppers with e-mail addresses."""

    def make(n: int, prefix: str = "joiner"):
        return [make_user(f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(n)]

    return make


def holding(user, product) -> GiftHolding:
    return GiftHolding.objects.get(user=user, product=product)


def assert_consistent() -> None:
    """Every holding and draw adds up: units bought = available + in draws + won by others; what
    open draws hold is what holdings say is in draws; won gifts are the winners; positions are
    1…n; a drawn random draw's winners are the ones its seed picks."""
    from shop.orders.models import OrderLine, OrderStatus

    for draw in GiftDraw.objects.all():
        entries = list(Participant.objects.filter(draw=draw).order_by("position"))
        positions = [e.position for e in entries]
        won = sorted(e.position for e in entries if e.won)
        assert positions == list(range(1, len(entries) + 1)), (draw.pk, positions)
        assert draw.participant_count == len(entries), draw.pk
        assert draw.given_count == len(won) <= draw.gifts, draw.pk
        if draw.method == Method.DIRECT:
            assert won == positions, draw.pk
            assert (draw.status == DrawStatus.DRAWN) == (draw.given_count == draw.gifts), draw.pk
        else:
            assert draw.seed_hash == fairness.commitment(draw.seed), draw.pk
            if draw.method == Method.FULL:
                assert draw.participant_count <= draw.needed, draw.pk
            if draw.status == DrawStatus.DRAWN:
                picked = fairness.pick_winners(draw.seed, positions, draw.gifts)
                assert sorted(picked) == won and len(won) == min(draw.gifts, len(entries)), draw.pk
                assert fairness.verify(seed=draw.seed, published_commitment=draw.seed_hash, participants=positions,
                                       gifts=draw.gifts, winners=picked)
            else:
                assert not won, draw.pk
    for h in GiftHolding.objects.all():
        draws = list(GiftDraw.objects.filter(giver=h.user, product=h.product))
        assert h.bought == h.available + h.in_draws + h.given, h
        assert h.in_draws == sum(d.gifts - d.given_count for d in draws if d.status == DrawStatus.OPEN), h
        assert h.given == sum(d.given_count for d in draws), h
        assert h.returned == sum(d.gifts - d.given_count for d in draws if d.status != DrawStatus.OPEN), h
        paid = OrderLine.objects.filter(order__user=h.user, product=h.product,
                                        order__status__in=[OrderStatus.PAID, OrderStatus.REFUND_REQUESTED])
        assert h.bought == sum(line.units for line in paid), h
