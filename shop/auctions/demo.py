"""Demo auctions (SPEC §11), relative to the moment they are loaded: a tea session in preview
(bidding opens in two days) and one bidding now whose lots end at staggered times — the first
in 20 minutes, so a newcomer sees a lot settle, the others over the next three days so the demo
stays live; lots with and without bids (one led by an automatic maximum), a session deposit and
one lot with its own deposit; alice and bob hold the session deposit (paid from their balance)
and can bid at once. Also two comment colours (paid in gems) and a few banned words.

Idempotent by title; :func:`reset` removes the demo sessions with everything hanging off them —
held deposits go back to their owners' balance first (ledger entries), then results, deposits,
their orders and the lots — so that ``seed_demo --reset`` brings the times back to now and the
accounts demo can remove alice and bob afterwards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from shop.accounts.models import User
from shop.core import clock
from shop.core.texts import Text
from shop.scheduling.services import job_name, unschedule
from shop.wallet.models import Asset
from shop.wallet.services import credit, wallet_of
from shop.wallet.texts import WELCOME_GIFT

from . import jobs, services
from .models import AuctionSession, BannedWord, CommentColour, Deposit, DepositState, Lot, LotResult, LotState

LIVE = "Winter Tea Auction: aged pu-erh and rock oolongs"
PREVIEW = "Spring First Flush: green and white teas"
SESSION_DEPOSIT = Decimal("100.00")
COLOURS = [("Gold", "#b8860b", Decimal("5")), ("Rose", "#d63384", Decimal("10"))]
BANNED_WORDS = ["counterfeit", "replica", "shill"]

D = Decimal
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

# title, description, start price, increment, reference range, lot deposit, ends after (live session only)
LIVE_LOTS = [
    ("2006 Menghai 7542 raw pu-erh cake",
     "357 g cake from the Menghai Tea Factory, batch 601, stored dry in Guangzhou. Camphor and dried apricot, "
     "a long sweet finish. Wrapper and neifei intact.",
     D("800"), D("50"), (D("1200"), D("1800")), None, 20 * MINUTE),
    ("Da Hong Pao 1998 vintage",
     "250 g of Wuyi rock oolong from 1998, re-roasted twice, kept in its original tin. Dark roast, mineral, "
     "stone fruit. Bidding on this lot needs its own deposit (or the session deposit).",
     D("2000"), D("100"), (D("2800"), D("3600")), D("300"), DAY + 2 * HOUR),
    ("Yixing Zhu Ni teapot, 1980s",
     "A 120 ml red-clay teapot with a pear-shaped body, maker's seal on the base. Fine lid fit, no repairs.",
     D("1500"), D("100"), (D("2000"), D("3000")), None, 2 * DAY + 3 * HOUR),
    ("1990s Liu Bao black tea, 500 g basket",
     "Traditional bamboo basket of Guangxi Liu Bao, betel-nut aroma, smooth and woody after thirty years.",
     D("600"), D("50"), (D("900"), D("1400")), None, 3 * DAY),
    ("2012 Lao Ban Zhang spring maocha, 1 kg",
     "Loose sun-dried leaf from Lao Ban Zhang village, spring 2012 harvest. Thick, bitter-sweet, strong huigan.",
     D("1200"), D("100"), (D("1600"), D("2400")), None, 3 * DAY + 2 * HOUR),
]
PREVIEW_LOTS = [
    ("2025 Xi Hu Longjing, pre-Qingming, 250 g",
     "Shi Feng hand-roasted Longjing picked before Qingming: chestnut, orchid, a clean sweet finish.",
     D("400"), D("20"), (D("600"), D("900")), None),
    ("Bai Hao Yin Zhen silver needle 2024, 200 g",
     "Fuding silver-needle buds, sun-withered. Honeydew and hay, silky body.",
     D("300"), D("20"), (D("450"), D("700")), None),
    ("Taiping Houkui 2025, 100 g",
     "Long flat leaves pressed by hand in Huangshan; orchid aroma and a lasting sweetness.",
     D("250"), D("10"), (D("350"), D("500")), None),
]


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=["alice", "bob"])}


def _session(title: str, **fields) -> AuctionSession:
    return AuctionSession.objects.create(title=title, **fields)


def _add_lots(session: AuctionSession, specs, *, status: str) -> list[Lot]:
    lots = []
    for title, description, start, increment, (low, high), deposit, *_ends in specs:
        lots.append(services.new_lot(session, title=title, description=description, start_price=start,
                                     increment=increment, reference_low=low, reference_high=high, deposit=deposit,
                                     status=status))
    return lots


def _hold_session_deposit(user: User, session: AuctionSession, now) -> None:
    """alice and bob may bid at once: their session deposit, paid from their balance (topped up
    if they spent it elsewhere, so the demo never fails on an empty wallet)."""
    wallet = wallet_of(user)
    if wallet.balance < session.deposit:
        credit(user=user, asset=Asset.BALANCE, amount=session.deposit - wallet.balance, memo=Text(WELCOME_GIFT),
               ref="demo")
    services.pay_deposit(user=user, session=session, online=False, now=now)


def _live_session(now, users: dict[str, User]) -> AuctionSession:
    ends = [now + spec[-1] for spec in LIVE_LOTS]
    session = _session(
        LIVE, description="Five lots from a Guangzhou collector: aged sheng pu-erh, a rock oolong from 1998 and a "
                          "Yixing teapot. Lots end one after another; a bid in the last two minutes extends its lot.",
        preview_starts_at=now - 2 * DAY, preview_ends_at=now - DAY, starts_at=now - DAY, ends_at=max(ends),
        deposit=SESSION_DEPOSIT)
    session.status = session.state_at(now)
    session.save(update_fields=["status"])
    lots = _add_lots(session, LIVE_LOTS, status=LotState.BIDDING)
    for lot, ends_at in zip(lots, ends, strict=True):  # staggered ends (the session ends with the last)
        Lot.objects.filter(pk=lot.pk).update(ends_at=ends_at, hard_ends_at=ends_at + services.hard_end())
    alice, bob = users.get("alice"), users.get("bob")
    if alice is None or bob is None:
        return session
    for user in (alice, bob):
        _hold_session_deposit(user, session, now - 4 * HOUR)
    pu_erh, _dhp, teapot, liu_bao, _maocha = lots
    bid = services.place_bid
    # pu-erh (ends in 20 minutes): bob opens, alice leaves a maximum, bob's next bid is answered by it
    bid(user=bob, lot_id=pu_erh.pk, amount="800", now=now - 3 * HOUR)
    bid(user=alice, lot_id=pu_erh.pk, amount="850", maximum="1200", now=now - 2 * HOUR)
    bid(user=bob, lot_id=pu_erh.pk, amount="900", now=now - HOUR)
    bid(user=bob, lot_id=teapot.pk, amount="1500", now=now - 30 * MINUTE)
    bid(user=alice, lot_id=liu_bao.pk, amount="600", now=now - 10 * MINUTE)
    return session


def _preview_session(now) -> AuctionSession:
    session = _session(
        PREVIEW, description="This spring's first pickings from Hangzhou, Fuding and Huangshan. Look around now; "
                             "bidding opens in two days.",
        preview_starts_at=now - HOUR, preview_ends_at=now + 2 * DAY, starts_at=now + 2 * DAY,
        ends_at=now + 4 * DAY, deposit=SESSION_DEPOSIT)
    session.status = session.state_at(now)
    session.save(update_fields=["status"])
    _add_lots(session, PREVIEW_LOTS, status=LotState.PREVIEW)
    return session


def seed(*, now):
    made = []
    for name, css, price in COLOURS:
        CommentColour.objects.get_or_create(name=name, defaults={"css": css, "asset": "gem", "price": price})
    for word in BANNED_WORDS:
        BannedWord.objects.get_or_create(word=word)
    alive = set(AuctionSession.objects.alive().filter(title__in=[LIVE, PREVIEW]).values_list("title", flat=True))
    for title, build in ((PREVIEW, lambda: _preview_session(now)), (LIVE, lambda: _live_session(now, _users()))):
        if title in alive:
            continue
        with transaction.atomic():
            session = build()
            transaction.on_commit(lambda session=session: jobs.schedule_session(session))
        made.append(title)
    if not made:
        return "auction sessions: already there"
    return ("auction sessions: one in preview (bidding in 2 days), one bidding now (first lot ends in 20 minutes, "
            "alice and bob hold its deposit); comment colours and banned words")


def reset():
    """Remove the demo sessions and what hangs off them (whoever bid or paid): held deposits are
    refunded first, so every wallet still equals its ledger; then results, deposits, their
    orders (with gateway records), session coupons, lots (bids, maxima, comments) and sessions."""
    from shop.coupons.models import ClaimedCoupon, Coupon
    from shop.orders.models import Order
    from shop.payments.models import GatewayEvent, GatewayRefund

    now = clock.now()
    sessions = list(AuctionSession.objects.filter(title__in=[LIVE, PREVIEW]))
    if sessions:
        deposits = Deposit.objects.filter(session__in=sessions)
        # a deposit counting towards an unpaid won lot is still the shopper's money: back it goes
        held = deposits.filter(status=DepositState.HELD)
        held.update(applied_to=None)
        for pk in held.values_list("pk", flat=True):
            services.refund_deposit(pk, now=now)
        lots = Lot.objects.filter(session__in=sessions)
        results = LotResult.objects.filter(lot__in=lots)
        order_ids = {*results.exclude(order=None).values_list("order_id", flat=True),
                     *deposits.exclude(order=None).values_list("order_id", flat=True),
                     *deposits.exclude(applied_to=None).values_list("applied_to_id", flat=True)}
        refs = [lot.ref for lot in lots] + [d.ref for d in deposits]
        orders = Order.objects.filter(Q(pk__in=order_ids) | Q(subject__in=refs,
                                                             kind__in=[services.AUCTION_KIND, services.DEPOSIT_KIND]))
        order_ids = list(orders.values_list("pk", flat=True))
        results.delete()
        deposits.delete()
        GatewayEvent.objects.filter(order_id__in=order_ids).delete()
        GatewayRefund.objects.filter(order_id__in=order_ids).delete()
        Order.objects.filter(pk__in=order_ids).delete()
        coupons = Coupon.objects.filter(auction_session__in=sessions)
        for pk in coupons.values_list("pk", flat=True):
            for event in ("open", "close"):
                unschedule(job_name("coupon", pk, event))
        ClaimedCoupon.objects.filter(coupon__in=coupons).delete()
        coupons.delete()
        for session in sessions:
            jobs.unschedule_session(session)
        lots.delete()
        AuctionSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    CommentColour.objects.filter(name__in=[c[0] for c in COLOURS]).delete()
    BannedWord.objects.filter(word__in=BANNED_WORDS).delete()
