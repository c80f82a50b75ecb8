"""Real concurrency (threads, own connections): 100 bidders on one lot, settlement raced by its
job, the sweeper and a second worker. The big races need PostgreSQL's row locks; a smaller bid
race runs on SQLite too (one writer, BEGIN IMMEDIATE, busy timeout)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from shop.auctions import services, settlement
from shop.auctions.models import Bid, Deposit, Lot, LotResult
from shop.core.errors import DomainError
from shop.orders.models import Order
from shop.wallet.models import LedgerEntry, Wallet


def _now():
    from shop.core import clock

    return clock.now()


def _assert_ledgers_match():
    for wallet in Wallet.objects.all():
        for asset in ("balance", "gem", "gold", "deposit"):
            total = LedgerEntry.objects.filter(wallet=wallet, asset=asset).aggregate(s=Sum("amount"))["s"] or 0
            assert total == getattr(wallet, asset), (wallet.user_id, asset)


def _bid_race(run_concurrently, make_user, make_auction, *, bidders):
    lot = make_auction(lots=[{"start_price": Decimal("100"), "increment": Decimal("5")}]).lots.get()
    users = [make_user(f"bidder{lot.pk}-{i}") for i in range(bidders)]
    # everyone offers a different amount; many are too low by the time they land
    amounts = [Decimal(100 + 5 * ((i * 37) % bidders)) for i in range(bidders)]
    prices = []

    def bid(i):
        result = services.place_bid(user=users[i], lot_id=lot.pk, amount=amounts[i], now=_now())
        prices.append(result.price)
        return result

    results, errors = run_concurrently(bid, bidders)
    unexpected = [e for e in errors if e is not None and not isinstance(e, DomainError)]
    assert not unexpected, unexpected[:3]
    accepted = [r for r in results if r is not None]
    lot.refresh_from_db()
    history = list(Bid.objects.filter(lot=lot).order_by("id").values_list("amount", "user_id"))
    assert [a for a, _u in history] == sorted(a for a, _u in history)  # every accepted bid raised the price
    assert len({a for a, _u in history}) == len(history)  # strictly
    assert lot.current_price == history[-1][0] == max(r.price for r in accepted)
    assert lot.leader_id == history[-1][1] and lot.bid_count == len(history) == len(accepted)
    assert lot.current_price == max(amounts[i] for i, r in enumerate(results) if r is not None)
    return lot, accepted


def test_concurrent_bids_raise_the_price_in_order(run_concurrently, make_user, make_auction):
    _bid_race(run_concurrently, make_user, make_auction, bidders=12)


@pytest.mark.postgres
def test_100_bidders_on_one_lot(run_concurrently, make_user, make_auction):
    lot, accepted = _bid_race(run_concurrently, make_user, make_auction, bidders=100)
    assert len(accepted) >= 2


@pytest.mark.postgres
def test_settlement_raced_by_job_sweeper_and_second_worker(run_concurrently, make_user, make_auction, fund):
    from shop.auctions import tasks
    from shop.core import clock

    session = make_auction(deposit=Decimal("100"), lots=[{}, {}, {}])
    lots = list(session.lots.order_by("position"))
    users = [make_user(f"racer{i}") for i in range(4)]
    for user in users:
        fund(user, balance=1000)
        services.pay_deposit(user=user, session=session, online=False, now=_now())
    services.place_bid(user=users[0], lot_id=lots[0].pk, amount="100", now=_now())
    services.place_bid(user=users[1], lot_id=lots[0].pk, amount="150", now=_now())
    services.place_bid(user=users[2], lot_id=lots[1].pk, amount="300", now=_now())
    clock.freeze(session.ends_at + timedelta(seconds=5))

    def settle(i):
        if i % 3 == 0:
            return tasks.settle_lot(lots[i % 3].pk)
        if i % 3 == 1:
            return tasks.apply_due(clock.now())
        return settlement.settle_lot(lots[(i // 3) % 3].pk, now=clock.now())

    _results, errors = run_concurrently(settle, 24)
    assert not [e for e in errors if e is not None]
    assert LotResult.objects.filter(lot__session=session).count() == 3
    assert Order.objects.filter(kind="auction").count() == 2
    assert sorted(Lot.objects.filter(session=session).values_list("status", flat=True)) == ["passed", "sold", "sold"]
    # users[0] and users[3] won nothing: refunded once; the winners' deposits count towards their orders
    refunds = LedgerEntry.objects.filter(asset="balance", kind="refund")
    assert refunds.count() == 2 and refunds.aggregate(s=Sum("amount"))["s"] == Decimal("200")
    assert sorted(Deposit.objects.values_list("status", flat=True)) == ["held", "held", "refunded", "refunded"]
    session.refresh_from_db()
    assert session.turnover == Decimal("450") and session.closed_at is not None
    _assert_ledgers_match()


@pytest.mark.postgres
def test_concurrent_deposits_of_one_shopper_hold_one(run_concurrently, make_user, make_auction, fund):
    session = make_auction(deposit=Decimal("100"))
    user = make_user("eager")
    fund(user, balance=1000)
    _results, errors = run_concurrently(
        lambda i: services.pay_deposit(user=user, session=session, online=False, now=_now()), 10)
    assert not [e for e in errors if e is not None and not isinstance(e, DomainError)]
    assert Deposit.objects.filter(user=user, status="held").count() == 1
    assert Wallet.objects.get(user=user).balance == Decimal("900")
    _assert_ledgers_match()
