"""Flash claim: 10,000 attempts by 32 concurrent clients (threads, own connections) on a
quantity-100 coupon, through the claim service (with the production cache: the database cache,
Redis with REDIS_URL), against a raw conditional-UPDATE loop with the same clients on the same
database. Three rounds, each on a fresh coupon; the best rate of each side is reported (the
machine is shared: the best round is the least disturbed one). Exits non-zero if a limit was
broken (more than the quantity granted, or a shopper holding two)."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection, connections
from django.db.models import Count

from bench.clients import hammer
from shop.accounts.models import User
from shop.core import clock
from shop.core.errors import DomainError
from shop.coupons.models import ClaimedCoupon, Coupon
from shop.coupons.services import claim

ATTEMPTS, CLIENTS, QUANTITY, SHOPPERS, ROUNDS = 10_000, 32, 100, 3_000, 3


def _run(work) -> float:
    return hammer(work, calls=ATTEMPTS, clients=CLIENTS)


def _flash_round(shoppers, now, rng, table):
    """One flash sale on a fresh coupon and one raw loop on a fresh row: (claim seconds, raw
    seconds). Exits if a limit was broken."""
    coupon = Coupon.objects.create(name="Flash", kind="flat", value=Decimal("10"), quantity=QUANTITY,
                                   claim_opens_at=now - timedelta(minutes=1), claim_closes_at=now + timedelta(hours=1),
                                   valid_days=7, status="claiming")
    picks = [rng.choice(shoppers) for _ in range(ATTEMPTS)]  # some shoppers try more than once
    granted = []

    def attempt(_client, i):
        try:
            granted.append(claim(user=picks[i], coupon_id=coupon.pk, now=clock.now()))
        except DomainError:
            pass

    seconds = _run(attempt)
    coupon.refresh_from_db()
    duplicates = (ClaimedCoupon.objects.filter(coupon=coupon).values("user").annotate(n=Count("id"))
                  .filter(n__gt=1).count())
    raw = Coupon.objects.create(name="Raw", kind="flat", value=Decimal("10"), quantity=QUANTITY,
                                claim_opens_at=now, claim_closes_at=now + timedelta(hours=1), valid_days=7)

    def raw_update(_client, i):
        with connections["default"].cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET claimed = claimed + 1 WHERE id = %s AND claimed < quantity", [raw.pk])

    raw_seconds = _run(raw_update)
    raw.refresh_from_db()
    if coupon.claimed != QUANTITY or len(granted) != QUANTITY or duplicates or raw.claimed != QUANTITY:
        raise SystemExit(f"flash claim broke a limit: granted={coupon.claimed} rows={len(granted)} "
                         f"duplicates={duplicates} raw={raw.claimed} (quantity {QUANTITY})")
    return seconds, raw_seconds


def run():
    now = clock.now()
    User.objects.bulk_create([User(username=f"flash{i}", password="!") for i in range(SHOPPERS)], batch_size=500)
    shoppers = list(User.objects.filter(username__startswith="flash"))
    rng = random.Random(42)
    table = connection.ops.quote_name(Coupon._meta.db_table)
    rounds = [_flash_round(shoppers, now, rng, table) for _ in range(ROUNDS)]
    rate = max(ATTEMPTS / seconds for seconds, _raw in rounds)
    raw_rate = max(ATTEMPTS / raw_seconds for _seconds, raw_seconds in rounds)
    per_round = ", ".join(f"{raw_seconds / seconds:.2f}" for seconds, raw_seconds in rounds)
    yield ("coupons: flash claim (10k tries, 32 clients)", rate, "tries/s", raw_rate, "upd/s", rate / raw_rate,
           f"best of {ROUNDS} rounds (a fresh coupon each); each round granted {QUANTITY} of {QUANTITY} "
           f"with 0 duplicates; ratio per round: {per_round}")
