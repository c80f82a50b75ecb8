"""Gift draws made through the real services: a giver holding units of a package, draws of each
method, participants, winners with (or without) an address."""

from datetime import timedelta

import pytest

from shop.accounts.models import Address
from shop.gifts import services
from shop.gifts.models import GiftHolding


@pytest.fixture
def package(make_gift_package):
    return make_gift_package("Oolong tea box", units=5)


@pytest.fixture
def giver(make_user, package):
    """A shopper holding 200 units of ``package`` (as if bought)."""
    giver = make_user("generous")
    GiftHolding.objects.create(user=giver, product=package, bought=200, available=200)
    return giver


@pytest.fixture
def make_draw(giver, package, clock):
    """``make_draw(method="direct", gifts=2, needed=None, in_minutes=None, wish=…)``."""

    def make(method="direct", *, gifts=2, needed=None, in_minutes=None, wish="Enjoy the tea!", user=None):
        draws_at = clock.now() + timedelta(minutes=in_minutes) if in_minutes is not None else None
        return services.create_draw(user=user or giver, product_id=package.pk, gifts=gifts, method=method, wish=wish,
                                    needed=needed, draws_at=draws_at, now=clock.now())

    return make


@pytest.fixture
def join(make_user, clock):
    """``join(draw, "name", ...)``: new shoppers join ``draw`` in that order; returns the entries."""

    def do(draw, *names):
        return [services.join(draw_id=draw.pk, user=make_user(name), now=clock.now()) for name in names]

    return do


@pytest.fixture
def give_address(clock):
    """``give_address(entry, name="Ann")``: the winner of ``entry`` gives a shipping address."""

    def give(entry, *, name="Ann Lee", phone="13800000000", address="1 Tea Road, Hangzhou"):
        book = Address.objects.create(user=entry.user, name=name, phone=phone, address=address)
        return services.give_address(draw_id=entry.draw_id, user=entry.user, address=book, now=clock.now())

    return give
