"""The demo auctions of SPEC §11: loaded twice (idempotent), live at once for alice and bob, the
first lot settling within 20 minutes, and a reset that brings the times back to now and leaves
every wallet equal to its ledger (and the demo users removable)."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django_q.models import Schedule

from shop.accounts import demo as accounts_demo
from shop.accounts.models import User
from shop.auctions import demo, services, settlement
from shop.auctions.models import (
    AuctionSession,
    BannedWord,
    Bid,
    CommentColour,
    Deposit,
    DepositState,
    Lot,
    LotState,
)
from shop.orders.models import Order
from shop.wallet.models import Asset, LedgerEntry, Wallet


def assert_wallets_match_ledgers():
    for wallet in Wallet.objects.all():
        for asset in Asset.values:
            total = LedgerEntry.objects.filter(wallet=wallet, asset=asset).aggregate(s=Sum("amount"))["s"] or 0
            assert total == wallet.amount_of(asset), (wallet.user.username, asset)


def seed(now, capture):
    accounts_demo.seed(now=now)
    with capture(execute=True):
        demo.seed(now=now)


def test_demo_auctions(db, clock, django_capture_on_commit_callbacks):
    now = clock.now()
    seed(now, django_capture_on_commit_callbacks)
    seed(now, django_capture_on_commit_callbacks)  # idempotent
    assert AuctionSession.objects.count() == 2 and Lot.objects.count() == 8

    preview = AuctionSession.objects.get(title=demo.PREVIEW)
    assert preview.state_at(now) == "preview" and preview.status == "preview"
    assert timedelta(days=1) <= preview.starts_at - now <= timedelta(days=2)
    assert set(preview.lots.values_list("status", flat=True)) == {LotState.PREVIEW}

    live = AuctionSession.objects.get(title=demo.LIVE)
    assert live.state_at(now) == "bidding" and live.status == "bidding" and live.deposit == Decimal("100")
    lots = list(live.lots.order_by("ends_at"))
    first, *later = lots
    assert timedelta(minutes=15) <= first.ends_at - now <= timedelta(minutes=20)
    assert all(lot.ends_at - now >= timedelta(days=1) for lot in later)
    assert live.ends_at == lots[-1].ends_at
    assert all(lot.hard_ends_at == lot.ends_at + services.hard_end() for lot in lots)
    assert all(lot.state_at(now) == LotState.BIDDING for lot in lots)
    assert {lot.bid_count > 0 for lot in lots} == {True, False}  # lots with and without bids
    assert first.leader.username == "alice" and Bid.objects.filter(lot=first, is_auto=True).exists()
    assert live.lots.exclude(deposit=None).count() == 1
    for lot in lots:
        assert Schedule.objects.filter(name=f"lot:{lot.pk}:settle").exists()
    assert Schedule.objects.filter(name=f"auction:{live.pk}:end").exists()
    assert Schedule.objects.filter(name=f"auction:{preview.pk}:start").exists()

    assert set(CommentColour.objects.values_list("name", "asset")) == {("Gold", "gem"), ("Rose", "gem")}
    assert BannedWord.objects.filter(word__in=demo.BANNED_WORDS).count() == len(demo.BANNED_WORDS)
    assert services.mask_banned("no Shill here") == "no ***** here"

    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
    for user in (alice, bob):  # bid right away: the session deposit is held
        assert Deposit.objects.get(user=user, session=live, lot=None).status == DepositState.HELD
    open_lot = next(lot for lot in later if lot.bid_count == 0)
    result = services.place_bid(user=alice, lot_id=open_lot.pk, amount=open_lot.start_price, now=now)
    assert result.leading
    result = services.place_bid(user=bob, lot_id=first.pk, amount=first.next_minimum(), now=now)
    assert not result.leading  # alice's maximum answers
    assert_wallets_match_ledgers()


def test_demo_first_lot_settles_and_reset_brings_the_times_back(db, clock, django_capture_on_commit_callbacks):
    seed(clock.now(), django_capture_on_commit_callbacks)
    live = AuctionSession.objects.get(title=demo.LIVE)
    alice = User.objects.get(username="alice")
    dhp = live.lots.exclude(deposit=None).get()
    services.pay_deposit(user=alice, lot=dhp, online=False, now=clock.now())
    services.pay_deposit(user=User.objects.get(username="bob"), lot=dhp, online=True, now=clock.now())

    clock.advance(timedelta(minutes=21))
    settlement.apply_due(clock.now())
    first = live.lots.order_by("ends_at").first()
    assert first.status == LotState.SOLD and first.result.winner == alice
    order = Order.objects.get(subject=first.ref)
    assert order.deposit_applied == Decimal("100") and order.user == alice
    assert_wallets_match_ledgers()

    demo.reset()  # as seed_demo --reset: auctions first …
    assert not AuctionSession.objects.exists() and not Order.objects.exists() and not Deposit.objects.exists()
    assert not Schedule.objects.filter(name__startswith="lot:").exists()
    wallet = Wallet.objects.get(user=alice)
    assert wallet.deposit == 0 and wallet.balance == Decimal("500.00")  # every held deposit came back
    assert_wallets_match_ledgers()

    clock.advance(timedelta(hours=5))
    now = clock.now()
    seed(now, django_capture_on_commit_callbacks)
    first = AuctionSession.objects.get(title=demo.LIVE).lots.order_by("ends_at").first()
    assert first.ends_at - now == timedelta(minutes=20) and first.status == LotState.BIDDING
    assert_wallets_match_ledgers()

    demo.reset()
    accounts_demo.reset()  # … then the demo users go: nothing of theirs is left in auctions
    assert not User.objects.filter(username__in=["alice", "bob"]).exists()
