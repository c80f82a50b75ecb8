"""Reads of the shopper's auction pages, each a bounded number of queries (no N+1).

Nothing here writes; states are always read by the clock (``state_at(now)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Q

from shop.core.money import ZERO

from .models import (
    AuctionSession,
    Bid,
    Comment,
    CommentColour,
    Deposit,
    DepositState,
    Lot,
    LotResult,
    ProxyBid,
    SessionState,
)
from .services import AUCTION_KIND

HISTORY_SIZE = 20
COMMENTS_SIZE = 30

#: the list page's tabs: (tab, the state passed to ``AuctionSession.objects.in_state``)
TAB_STATES = {"live": SessionState.BIDDING, "upcoming": SessionState.PREVIEW, "ended": SessionState.ENDED}


# --- sessions ------------------------------------------------------------------------------------
def sessions_in_tab(tab: str, now: datetime):
    """Alive sessions of a list tab with their lot count and how many lots ask a deposit of their
    own: live ones ending first, upcoming ones starting first, ended ones latest first."""
    order = {"live": ("ends_at", "id"), "upcoming": ("starts_at", "id"), "ended": ("-ends_at", "-id")}[tab]
    alive_lots = Q(lots__is_deleted=False)
    return (AuctionSession.objects.in_state(TAB_STATES[tab], now)
            .annotate(lot_count=Count("lots", filter=alive_lots),
                      lot_deposits=Count("lots", filter=alive_lots & Q(lots__deposit__isnull=False)))
            .order_by(*order))


def tab_counts(now: datetime) -> dict[str, int]:
    """How many sessions each list tab holds (one query)."""
    alive = AuctionSession.objects.alive()
    return alive.aggregate(
        live=Count("pk", filter=Q(starts_at__lte=now, ends_at__gt=now)),
        upcoming=Count("pk", filter=Q(starts_at__gt=now)),
        ended=Count("pk", filter=Q(ends_at__lte=now)),
    )


def session_for_page(pk: int) -> AuctionSession | None:
    return AuctionSession.objects.alive().filter(pk=pk).first()


def lots_of(session: AuctionSession, now: datetime) -> list[Lot]:
    """The session's lots in catalogue order, each with ``state_now`` (by the clock)."""
    lots = list(session.lots.filter(is_deleted=False).order_by("position", "id"))
    for lot in lots:
        lot.session = session  # state_at reads the session's times: no query per lot
        lot.state_now = lot.state_at(now, session)
    return lots


# --- one lot -------------------------------------------------------------------------------------
def lot_for_page(pk: int) -> Lot | None:
    """A lot that shoppers may see (it and its session not deleted), with session and leader."""
    return (Lot.objects.select_related("session", "leader")
            .filter(pk=pk, is_deleted=False, session__is_deleted=False).first())


def live_version(pk: int) -> int | None:
    """The lot's version: the one indexed query (primary key) of an unchanged live poll."""
    return next(iter(Lot.objects.filter(pk=pk, is_deleted=False).order_by().values_list("version", flat=True)[:1]),
                None)


_ROW = ("id", "lot_id", "user_id", "user__id", "user__username")  # what a row of the live part shows of its author


def history(lot: Lot, size: int = HISTORY_SIZE) -> list[Bid]:
    """The last ``size`` price moves, newest first."""
    return list(Bid.objects.filter(lot=lot).select_related("user").only(*_ROW, "is_auto", "placed_at", "amount")
                .order_by("-id")[:size])


def comments(lot: Lot, size: int = COMMENTS_SIZE) -> list[Comment]:
    """The last ``size`` comments, newest first."""
    return list(Comment.objects.filter(lot=lot).select_related("user").only(*_ROW, "text", "colour", "posted_at")
                .order_by("-id")[:size])


def colours() -> list[CommentColour]:
    return list(CommentColour.objects.filter(is_active=True).order_by("price", "id"))


def my_maximum(user, lot: Lot) -> Decimal | None:
    """The viewer's standing automatic-bidding maximum on ``lot`` (None: they never bid on it)."""
    if not user.is_authenticated:
        return None
    return ProxyBid.objects.filter(lot=lot, user=user).values_list("maximum", flat=True).first()


@dataclass(frozen=True)
class DepositStatus:
    """What the viewer holds for one lot: ``held`` (the deposit that lets them bid), or
    ``pending`` (online payments started but not finished), per scope."""

    held: Deposit | None
    pending_lot: Deposit | None
    pending_session: Deposit | None
    held_session: Deposit | None


def deposit_status(user, session: AuctionSession, lot: Lot | None = None) -> DepositStatus:
    """The viewer's live deposits for ``lot`` (or just the session), in one query."""
    if not user.is_authenticated:
        return DepositStatus(None, None, None, None)
    scope = Q(lot__isnull=True) | Q(lot=lot) if lot is not None else Q(lot__isnull=True)
    rows = list(Deposit.objects.filter(scope, user=user, session=session,
                                       status__in=(DepositState.HELD, DepositState.PENDING)).select_related("order"))

    def pick(status, lot_scope):
        return next((d for d in rows if d.status == status and (d.lot_id is not None) == lot_scope), None)
    held_lot, held_session = pick(DepositState.HELD, True), pick(DepositState.HELD, False)
    return DepositStatus(held=held_lot or held_session, pending_lot=pick(DepositState.PENDING, True),
                         pending_session=pick(DepositState.PENDING, False), held_session=held_session)


def wallet_balance(user) -> Decimal:
    from shop.wallet.models import Wallet

    if not user.is_authenticated:
        return ZERO
    return Wallet.objects.filter(user=user).values_list("balance", flat=True).first() or ZERO


# --- my auctions ---------------------------------------------------------------------------------
MY_TABS = ("pay", "bids", "won", "deposits")


def my_deposits(user):
    return Deposit.objects.filter(user=user).select_related("session", "lot", "order").order_by("-created_at", "-id")


def my_bids(user):
    """Each lot the shopper bid on, once, with their highest bid and when they last bid, latest
    first; ``lot.leader_id == user.pk`` tells leading from outbid."""
    mine = Q(bids__user=user)
    return (Lot.objects.filter(pk__in=Bid.objects.filter(user=user).values("lot_id"))
            .select_related("session")
            .annotate(my_top=Max("bids__amount", filter=mine), my_last=Max("bids__placed_at", filter=mine))
            .order_by("-my_last", "-id"))


def my_wins(user):
    return LotResult.objects.filter(winner=user).select_related("lot__session", "order").order_by("-settled_at", "-id")


def orders_to_pay(user, now: datetime):
    """The shopper's won-lot orders still payable by the clock, the most urgent first."""
    from shop.orders.models import Order, OrderStatus

    return (Order.objects.filter(user=user, kind=AUCTION_KIND).with_status(OrderStatus.PENDING, now)
            .prefetch_related("lines").order_by("expires_at", "id"))


def auction_order(user, number: str):
    """The shopper's own won-lot order (None for unknown numbers and other people's orders)."""
    from shop.orders.models import Order

    return (Order.objects.select_related("global_coupon__coupon")
            .filter(user=user, number=number, kind=AUCTION_KIND).first())


def lot_of_order(order) -> Lot | None:
    try:
        kind, pk = order.subject.split(":", 1)
        lot_id = int(pk) if kind == "lot" else None
    except ValueError:
        lot_id = None
    return Lot.objects.select_related("session").filter(pk=lot_id).first() if lot_id else None


def session_coupons(user, session_id: int, now: datetime):
    """The shopper's claimed coupons usable now on a lot of this session."""
    from shop.coupons.models import ClaimedCoupon, CouponScope

    return (ClaimedCoupon.objects.usable_for(user, now)
            .filter(coupon__scope=CouponScope.SESSION, coupon__auction_session_id=session_id)
            .select_related("coupon").order_by("valid_until", "id"))

