"""Settling lots and sessions, and what paying or not paying a won lot does (SPEC §7).

* :func:`settle_lot` — at a lot's (extended) end: the leader wins (lot *sold*, an auction order
  for the final price less the winner's held deposit, due within the payment window) or nobody
  bid (*passed*); the lot's other deposits go back. Run by its job, the sweeper and any number of
  qclusters at once: the lot row is locked and its status checked, and ``LotResult.lot`` is
  unique, so it happens once.
* :func:`close_session` — once every lot has settled: session deposits not counting towards an
  order go back, the stored status says ended.
* The auction order kind's hooks: paid → lot *paid*, deposit *applied*; timed out → lot
  *unpaid*, deposit *forfeited*.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from shop.core.errors import DomainError
from shop.core.money import ZERO
from shop.core.texts import Text
from shop.notifications.services import notify
from shop.orders import services as order_services
from shop.orders.models import Order, OrderStatus
from shop.wallet.models import Asset, EntryKind
from shop.wallet.services import credit, debit

from . import texts as T
from .models import (
    SETTLED_STATES,
    AuctionSession,
    Deposit,
    DepositState,
    Lot,
    LotResult,
    LotState,
    SessionState,
)
from .services import AUCTION_KIND, refund_deposit, scope_text

log = logging.getLogger(__name__)


def payment_window() -> timedelta:
    return timedelta(hours=settings.BAZAAR_AUCTION_PAYMENT_HOURS)


def _winner_deposit(lot: Lot, user_id: int) -> Deposit | None:
    """The winner's held deposit to count towards the order: the lot deposit, else the session
    deposit if it does not already count towards another won lot."""
    held = Deposit.objects.select_for_update().filter(user_id=user_id, session_id=lot.session_id,
                                                      status=DepositState.HELD, applied_to__isnull=True)
    return held.filter(lot=lot).first() or held.filter(lot__isnull=True).first()


def settle_lot(lot_id: int, *, now: datetime) -> bool:
    """Settle one lot whose end has passed. Idempotent; True if this call settled it."""
    with transaction.atomic():
        lot = (Lot.objects.select_for_update(of=("self",)).select_related("session", "leader")
               .filter(pk=lot_id, ends_at__lte=now).exclude(status__in=SETTLED_STATES).first())
        if lot is None:
            return False
        order = None
        if lot.leader_id is None:
            lot.status = LotState.PASSED
        else:
            lot.status = LotState.SOLD
            price = lot.current_price
            deposit = _winner_deposit(lot, lot.leader_id)
            counted = min(deposit.amount, price) if deposit else ZERO
            address = lot.leader.addresses.order_by("-is_default", "-created_at").first()
            order = order_services.open_order(user=lot.leader, now=now, spec=order_services.OrderSpec(
                kind=AUCTION_KIND, subject=lot.ref, original_total=price, subtotal=price, deposit_applied=counted,
                payable=price - counted,
                shipping={"name": address.name, "phone": address.phone, "address": address.address} if address else None,
                lines=[order_services.LineSpec(title=f"{lot.catalogue_no} {lot.title}", original=price, final=price,
                                               item=lot.ref)],
            ))
            if deposit is not None:
                Deposit.objects.filter(pk=deposit.pk).update(applied_to=order)
            if order.status == OrderStatus.PAID:  # the deposit paid it all: fulfilled already, bar the deposit
                lot.status = LotState.PAID
                _apply_deposit(order, now)
            AuctionSession.objects.filter(pk=lot.session_id).update(turnover=F("turnover") + price)
            if order.status == OrderStatus.PENDING:
                notify(lot.leader, Text(T.WON, lot=lot.title, price=price, due=order.payable,
                                        deadline=order.expires_at), url=order.get_absolute_url())
            else:  # the deposit paid it all
                notify(lot.leader, Text(T.WON_PAID, lot=lot.title, price=price),
                       url=order.settle_url if order.needs_shipping else order.get_absolute_url())
        lot.settled_at = now
        Lot.objects.filter(pk=lot.pk).update(status=lot.status, settled_at=now, version=F("version") + 1)
        LotResult.objects.create(lot=lot, winner_id=lot.leader_id, final_price=lot.current_price, order=order,
                                 settled_at=now)
        others = list(Deposit.objects.filter(lot=lot, status=DepositState.HELD, applied_to__isnull=True)
                      .values_list("pk", flat=True))
    for deposit_id in others:  # each its own transaction: idempotent, retried by the sweeper
        refund_deposit(deposit_id, now=now)
    log.info("event=lot_settled lot=%s status=%s price=%s winner=%s", lot.pk, lot.status, lot.current_price,
             lot.leader_id)
    close_session(lot.session_id, now=now)
    return True


def close_session(session_id: int, *, now: datetime) -> bool:
    """Once the session has ended and every lot has settled: session deposits that count towards
    no order go back (idempotent, each a conditional UPDATE), the session is closed."""
    session = AuctionSession.objects.filter(pk=session_id, ends_at__lte=now).first()
    if session is None:
        return False
    if session.lots.filter(is_deleted=False).exclude(status__in=SETTLED_STATES).exists():
        return False
    for deposit_id in Deposit.objects.filter(session=session, lot__isnull=True, status=DepositState.HELD,
                                             applied_to__isnull=True).values_list("pk", flat=True):
        refund_deposit(deposit_id, now=now)
    closed = AuctionSession.objects.filter(pk=session.pk, closed_at__isnull=True).update(
        closed_at=now, status=SessionState.ENDED)
    return bool(closed)


def sync_session(session_id: int | None, *, now: datetime) -> int:
    """The stored status of one session (or of every session lagging behind) follows the clock."""
    sessions = AuctionSession.objects.alive().filter(closed_at__isnull=True)
    if session_id is not None:
        sessions = sessions.filter(pk=session_id)
    moved = 0
    for session in sessions.exclude(status=SessionState.ENDED):
        state = session.state_at(now)
        if state != session.status:
            moved += AuctionSession.objects.filter(pk=session.pk, status=session.status).update(status=state)
            lot_state = {SessionState.PREVIEW: LotState.PREVIEW, SessionState.BIDDING: LotState.BIDDING}.get(state)
            if lot_state:
                session.lots.filter(status__in=[LotState.NOT_STARTED, LotState.PREVIEW]).update(
                    status=lot_state, version=F("version") + 1)
    return moved


def apply_due(now: datetime, *, limit: int = 200) -> int:
    """The sweeper's share: session states, lots past their end, sessions to close."""
    done = sync_session(None, now=now)
    due = (Lot.objects.filter(ends_at__lte=now, session__is_deleted=False, is_deleted=False)
           .exclude(status__in=SETTLED_STATES).order_by("ends_at").values_list("pk", flat=True)[:limit])
    for lot_id in list(due):
        done += settle_lot(lot_id, now=now)
    for session_id in AuctionSession.objects.alive().filter(ends_at__lte=now, closed_at__isnull=True).values_list(
            "pk", flat=True)[:limit]:
        done += close_session(session_id, now=now)
    return done + refund_stray_deposits(now=now, limit=limit)


def refund_stray_deposits(*, now: datetime, limit: int = 200) -> int:
    """Deposits held after their chance to count has passed — an online payment that arrived
    after its lot settled or its session closed — go back (idempotent, like every refund)."""
    stray = Deposit.objects.filter(status=DepositState.HELD, applied_to__isnull=True).filter(
        Q(lot__isnull=False, lot__status__in=SETTLED_STATES) | Q(lot__isnull=True, session__closed_at__isnull=False))
    return sum(refund_deposit(pk, now=now) for pk in stray.values_list("pk", flat=True)[:limit])


# --- the auction order kind ----------------------------------------------------------------------
def _lot_of(order: Order) -> Lot:
    return Lot.objects.select_related("session").get(pk=int(order.subject.split(":", 1)[1]))


def lot_paid(order: Order, now: datetime) -> None:
    """Fulfil hook: the won lot is paid; the deposit that counted is applied (and anything it held
    beyond the price goes back to the balance)."""
    lot = _lot_of(order)
    Lot.objects.filter(pk=lot.pk, status=LotState.SOLD).update(status=LotState.PAID, version=F("version") + 1)
    _apply_deposit(order, now)


def _apply_deposit(order: Order, now: datetime) -> None:
    deposit = Deposit.objects.select_for_update().filter(applied_to=order, status=DepositState.HELD).first()
    if deposit is None:
        return
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositState.APPLIED, closed_at=now)
    debit(user=order.user, asset=Asset.DEPOSIT, amount=deposit.amount, kind=EntryKind.EXPENSE,
          memo=Text(T.MEMO_DEPOSIT_APPLIED, number=order.number), ref=deposit.ref)
    excess = deposit.amount - order.deposit_applied
    if excess > 0:
        credit(user=order.user, asset=Asset.BALANCE, amount=excess, kind=EntryKind.REFUND,
               memo=Text(T.MEMO_DEPOSIT_REFUND, scope=scope_text(deposit)), ref=deposit.ref)


def lot_unpaid(order: Order, now: datetime) -> None:
    """Release hook (the order timed out): the lot is unpaid, the deposit that counted forfeited,
    the session's turnover no longer counts it."""
    lot = _lot_of(order)
    if Lot.objects.filter(pk=lot.pk, status=LotState.SOLD).update(status=LotState.UNPAID, version=F("version") + 1):
        AuctionSession.objects.filter(pk=lot.session_id).update(turnover=F("turnover") - order.original_total)
    deposit = Deposit.objects.select_for_update().filter(applied_to=order, status=DepositState.HELD).first()
    if deposit is None:
        return
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositState.FORFEITED, closed_at=now)
    debit(user=order.user, asset=Asset.DEPOSIT, amount=deposit.amount, kind=EntryKind.FORFEIT,
          memo=Text(T.MEMO_FORFEIT, lot=lot.title), ref=deposit.ref)
    notify(order.user, Text(T.FORFEITED, lot=lot.title, amount=deposit.amount), url="/me/auctions/")


# --- paying a won lot ----------------------------------------------------------------------------
def prepare_payment(order_id: int, *, user, address, coupon=None, balance: Decimal = ZERO, now: datetime) -> Order:
    """The shopper settles their auction order before paying: shipping address (required), one
    coupon of this session and some balance. Payable 0 → paid at once."""
    from shop.checkout import pricing
    from shop.coupons.models import ClaimedStatus, CouponScope

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id, user=user, kind=AUCTION_KIND)
        if order.status == OrderStatus.PAID and not order.shipping and coupon is None and not balance:
            # the deposit paid it all at settlement, before the winner had an address
            if address is None or address.user_id != user.pk:
                raise DomainError(_("Choose the address we ship the lot to."), code="address")
            order.shipping = {"name": address.name, "phone": address.phone, "address": address.address}
            Order.objects.filter(pk=order.pk).update(shipping=order.shipping)
            return order
        if not order_services.is_payable(order, now):
            if order.status == OrderStatus.PENDING:
                raise order_services.OrderTimedOut()
            raise DomainError(_("This order does not need paying."), code="not_payable")
        if address is None or address.user_id != user.pk:
            raise DomainError(_("Choose the address we ship the lot to."), code="address")
        shipping = {"name": address.name, "phone": address.phone, "address": address.address}
        if order.global_coupon_id or order.balance_used:
            if coupon is not None or balance:
                raise DomainError(_("A coupon or balance is already counted on this order."), code="settled")
            Order.objects.filter(pk=order.pk).update(shipping=shipping)  # a new address only
            order.shipping = shipping
            return order
        lot = _lot_of(order)
        due, discount = order.payable, ZERO
        if coupon is not None:
            terms = coupon.coupon
            if (coupon.user_id != user.pk or coupon.status != ClaimedStatus.UNUSED
                    or terms.scope != CouponScope.SESSION or terms.auction_session_id != lot.session_id
                    or not coupon.valid_from <= now < coupon.valid_until):
                raise DomainError(_("That coupon can't be used on this lot."), code="coupon")
            discount, notice = pricing.discount(due, terms.pricing_terms(ref=str(coupon.pk)))
            if notice:
                raise DomainError(_("This order does not reach that coupon's minimum spend."), code="coupon")
        balance = min(balance or ZERO, due - discount)
        if balance < 0:
            raise DomainError(_("Enter an amount of balance of zero or more."), code="balance")
        if coupon is not None:
            from shop.coupons import services as coupon_services

            coupon_services.mark_used([coupon.pk], order_ref=order.ref, now=now, user=user)
        if balance > 0:
            debit(user=user, asset=Asset.BALANCE, amount=balance, kind=EntryKind.EXPENSE,
                  memo=Text(order_services.T.MEMO_ORDER, number=order.number), ref=order.ref, actor=user)
        Order.objects.filter(pk=order.pk).update(
            shipping=shipping, global_coupon=coupon, global_discount=discount, balance_used=balance,
            payable=due - discount - balance)
        order.refresh_from_db()
        if order.payable == 0:
            order = order_services.mark_paid(order.pk, method="wallet", now=now, actor=user)
    return order
