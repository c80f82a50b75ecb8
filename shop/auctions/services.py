"""Shoppers' auction actions (SPEC §7): deposits, bids with automatic bidding and soft close,
live comments. Settlement, forfeiture and paying a won lot are in :mod:`.settlement`.

Every rule is checked against the clock (never the stored status) while the lot row is held, so
concurrent bids are serialised per lot and each accepted bid strictly raises the price.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from shop.core import sql, writer
from shop.core.errors import DomainError
from shop.core.money import format_money, to_money
from shop.core.texts import Text
from shop.notifications.services import notify
from shop.orders import services as order_services
from shop.wallet.models import Asset, EntryKind
from shop.wallet.services import credit, debit

from . import jobs
from . import texts as T
from .models import (
    COMMENT_MAX,
    MAX_PRICE,
    AuctionSession,
    BannedWord,
    Bid,
    Comment,
    CommentColour,
    CommentPace,
    Deposit,
    DepositState,
    Lot,
    LotState,
    ProxyBid,
    SessionState,
)

log = logging.getLogger(__name__)

DEPOSIT_KIND = "deposit"
AUCTION_KIND = "auction"


def soft_close() -> timedelta:
    return timedelta(minutes=settings.BAZAAR_AUCTION_SOFT_CLOSE_MINUTES)


def hard_end() -> timedelta:
    return timedelta(minutes=settings.BAZAAR_AUCTION_HARD_END_MINUTES)


def parse_amount(value, *, field: str = "amount") -> Decimal:
    """A positive amount in cents, at most MAX_PRICE, or a DomainError with words."""
    try:
        amount = to_money(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter an amount such as 1200 or 1200.50."), code=field) from None
    if Decimal(str(value).strip()) != amount:
        raise DomainError(_("Enter an amount in whole cents."), code=field)
    if amount <= 0:
        raise DomainError(_("Enter an amount greater than zero."), code=field)
    if amount > MAX_PRICE:
        raise DomainError(_("Enter an amount of at most %(most)s.") % {"most": format_money(MAX_PRICE)}, code=field)
    return amount


# --- lots ----------------------------------------------------------------------------------------
def new_lot(session: AuctionSession, **fields) -> Lot:
    """Add a lot to ``session`` with the next catalogue number (``A<session>-<nnn>``, unique;
    a concurrent add retries) and the session's end as its end (hard end: + the hard-end minutes)."""
    for _attempt in range(5):
        count = Lot.objects.filter(session=session).count()
        lot = Lot(session=session, catalogue_no=f"A{session.pk}-{count + 1:03d}", ends_at=session.ends_at,
                  hard_ends_at=session.ends_at + hard_end(), position=fields.pop("position", count + 1), **fields)
        try:
            with transaction.atomic():
                lot.save()
            return lot
        except IntegrityError as exc:
            if "catalogue_no" not in str(exc):
                raise
    raise DomainError(_("Please try again."), code="retry")


# --- deposits ------------------------------------------------------------------------------------
def scope_text(deposit_or_lot) -> str:
    """What a deposit covers, for memos: "lot A12-003 Tea cake" or "session Spring teas"."""
    lot = deposit_or_lot if isinstance(deposit_or_lot, Lot) else deposit_or_lot.lot
    if lot is not None:
        return f"{lot.catalogue_no} {lot.title}"
    return deposit_or_lot.session.title


def deposit_rules(lot: Lot) -> dict:
    """Which deposits let a shopper bid on ``lot``: {"lot": amount|None, "session": amount|None}."""
    return {"lot": lot.deposit, "session": lot.session.deposit}


def needs_deposit(lot: Lot) -> bool:
    return lot.deposit is not None or lot.session.deposit is not None


def valid_deposit(user, lot: Lot) -> Deposit | None:
    """The held deposit that lets ``user`` bid on ``lot`` (lot deposit first, then session)."""
    if not user.is_authenticated:
        return None
    held = Deposit.objects.filter(user=user, status=DepositState.HELD, session_id=lot.session_id).filter(
        Q(lot=lot) | Q(lot__isnull=True)
    )
    return sorted(held, key=lambda d: d.lot_id is None)[0] if held else None


class DepositRefused(DomainError):
    pass


def _deposit_target(*, lot: Lot | None, session: AuctionSession | None, now: datetime):
    if lot is not None:
        session = lot.session
        amount = lot.deposit
        if amount is None:
            raise DepositRefused(_("This lot has no deposit of its own."), code="no_deposit")
        if lot.state_at(now, session) not in (LotState.NOT_STARTED, LotState.PREVIEW, LotState.BIDDING):
            raise DepositRefused(_("Bidding on this lot has ended."), code="ended")
    else:
        amount = session.deposit
        if amount is None:
            raise DepositRefused(_("This session has no session deposit."), code="no_deposit")
        if session.state_at(now) == SessionState.ENDED:
            raise DepositRefused(_("This session has ended."), code="ended")
    return session, amount


def _hold_still_there(session: AuctionSession, lot: Lot | None) -> None:
    """Lock the session's row (and the lot's) for this transaction and refuse if an operator has
    deleted it — the one check, on the rows as they are now: a deletion holds the same row while
    it refunds the deposits it finds, so a deposit either lands before it (and is refunded) or
    sees it here."""
    rows = [(AuctionSession, session.pk)] + ([(Lot, lot.pk)] if lot is not None else [])
    for model, pk in rows:
        if not model.objects.select_for_update().filter(pk=pk, is_deleted=False).values_list("pk", flat=True).first():
            raise DepositRefused(_("This auction is no longer available."), code="gone")


def pay_deposit(*, user, lot: Lot | None = None, session: AuctionSession | None = None, online: bool,
                now: datetime) -> Deposit:
    """Pay the deposit of ``lot`` or of ``session``: from the wallet balance (held at once) or
    ``online`` (a pending deposit and a gateway order; held when the order is paid). One live
    deposit per shopper and scope (unique constraint): paying twice is refused, and a pending
    online payment is handed back to be finished."""
    session, amount = _deposit_target(lot=lot, session=session, now=now)
    scope = scope_text(lot) if lot is not None else session.title
    try:
        with transaction.atomic():
            _hold_still_there(session, lot)
            deposit = Deposit.objects.create(user=user, session=session, lot=lot, amount=amount,
                                             status=DepositState.PENDING, created_at=now)
            if online:
                deposit.order = order_services.open_order(user=user, now=now, spec=order_services.OrderSpec(
                    kind=DEPOSIT_KIND, subject=deposit.ref, original_total=amount, subtotal=amount, payable=amount,
                    lines=[order_services.LineSpec(title=_("Deposit: %(scope)s") % {"scope": scope}, original=amount,
                                                   final=amount, item=deposit.ref)],
                ))
                deposit.save(update_fields=["order"])
            else:
                debit(user=user, asset=Asset.BALANCE, amount=amount, kind=EntryKind.EXPENSE,
                      memo=Text(T.MEMO_DEPOSIT, scope=scope), ref=deposit.ref, actor=user)
                credit(user=user, asset=Asset.DEPOSIT, amount=amount, kind=EntryKind.INCOME,
                       memo=Text(T.MEMO_DEPOSIT, scope=scope), ref=deposit.ref, actor=user)
                deposit.status, deposit.held_at = DepositState.HELD, now
                deposit.save(update_fields=["status", "held_at"])
    except IntegrityError:
        existing = Deposit.objects.filter(user=user, session=session, lot=lot).exclude(
            status=DepositState.CANCELLED).select_related("order").first()
        if existing is not None and existing.status == DepositState.PENDING and existing.order is not None:
            return existing  # finish the online payment already started
        raise DepositRefused(_("You have already paid this deposit."), code="already_paid") from None
    log.info("event=deposit_opened deposit=%s user=%s amount=%s online=%s", deposit.pk, user.pk, amount, online)
    return deposit


def hold_paid_deposit(order, now: datetime) -> None:
    """Order kind "deposit", paid through the gateway: the money goes into held deposits."""
    deposit = Deposit.objects.select_for_update(of=("self",)).select_related("lot", "session").get(order=order)
    if deposit.status != DepositState.PENDING:
        return
    credit(user=order.user, asset=Asset.DEPOSIT, amount=deposit.amount, kind=EntryKind.INCOME,
           memo=Text(T.MEMO_DEPOSIT_ONLINE, scope=scope_text(deposit)), ref=deposit.ref)
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositState.HELD, held_at=now)


def drop_unpaid_deposit(order, now: datetime) -> None:
    """Order kind "deposit" cancelled or timed out: the pending deposit is given up."""
    Deposit.objects.filter(order=order, status=DepositState.PENDING).update(status=DepositState.CANCELLED,
                                                                             closed_at=now)


def refund_deposit(deposit_id: int, *, now: datetime) -> bool:
    """held (and not applied to an order) → refunded, the money back in the balance. Idempotent:
    a conditional UPDATE moves it once."""
    with transaction.atomic():
        moved = Deposit.objects.filter(pk=deposit_id, status=DepositState.HELD, applied_to__isnull=True).update(
            status=DepositState.REFUNDED, closed_at=now)
        if not moved:
            return False
        deposit = Deposit.objects.select_related("user", "lot", "session").get(pk=deposit_id)
        scope = scope_text(deposit)
        debit(user=deposit.user, asset=Asset.DEPOSIT, amount=deposit.amount, kind=EntryKind.REFUND,
              memo=Text(T.MEMO_DEPOSIT_REFUND, scope=scope), ref=deposit.ref)
        credit(user=deposit.user, asset=Asset.BALANCE, amount=deposit.amount, kind=EntryKind.REFUND,
               memo=Text(T.MEMO_DEPOSIT_REFUND, scope=scope), ref=deposit.ref)
        notify(deposit.user, Text(T.DEPOSIT_REFUNDED, amount=deposit.amount, scope=scope), url="/me/auctions/")
    return True


# --- bids ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BidResult:
    lot: Lot
    leading: bool
    price: Decimal
    message: str
    replayed: bool = False  # the form was sent before: nothing new happened


class BidRefused(DomainError):
    pass


def _refuse_unless_bidding(lot: Lot, now: datetime) -> None:
    state = lot.state_at(now)
    if lot.is_deleted or lot.session.is_deleted:
        raise BidRefused(_("This auction is no longer available."), code="gone")
    if state in (LotState.NOT_STARTED, LotState.PREVIEW):
        raise BidRefused(_("Bidding has not started yet."), code="not_started")
    if state != LotState.BIDDING:
        raise BidRefused(_("Bidding on this lot has ended."), code="ended")


def place_bid(*, user, lot_id: int, amount, maximum=None, now: datetime, request_key: str | None = None) -> BidResult:
    """A bid of ``amount`` with an optional automatic-bidding ``maximum``.

    Rules (SPEC §7): bidding by the clock, a valid deposit, the first bid ≥ start price, later
    bids ≥ current + increment. Automatic bidding: every bidder's maximum stands (a typed bid is
    a maximum of itself); the shown price is the second-highest maximum + one increment, capped
    at the highest; equal maxima → the earlier leads; the leader never outbids themself (their
    typed bid is refused; with a maximum it raises that). A bid in the last N minutes extends the
    lot by N minutes, never past its hard end, and moves its settlement job. ``request_key`` (the
    form's one-time key, unique per bidder) makes a replayed form a no-op that says so.
    """
    amount = parse_amount(amount)
    maximum = parse_amount(maximum, field="maximum") if maximum not in (None, "") else None
    if maximum is not None and maximum < amount:
        raise BidRefused(_("Your maximum must be at least your bid."), code="maximum")
    _refuse_if_too_low(user, lot_id, amount, request_key, now)
    with writer.queue(f"lot:{lot_id}"):  # SQLite: this process's bids on the lot take turns
        return _place_bid(user, lot_id, amount, maximum, now, request_key or None)


def _refuse_if_too_low(user, lot_id: int, amount: Decimal, request_key: str | None, now: datetime) -> None:
    """A bid below the minimum is refused from a plain read, before the lot's lock: a price only
    rises, so a minimum read a moment ago can only be lower than the real one. (Under a rush most
    bids are refused this way instead of queueing for the lock.) A replayed form is left to the
    locked path, which says it was already sent."""
    lot = next(iter(sql.select(Lot, "id = %s", [lot_id])), None)
    if lot is not None:
        _refuse_too_low(lot, user, amount, request_key, now)


def _refuse_too_low(lot: Lot, user, amount: Decimal, request_key: str | None, now: datetime) -> None:
    """Refuse a bid below ``lot``'s minimum first of all — before the lot's lock from a plain read,
    and again as soon as the lock is taken, the locked path's one minimum check (the bids that
    queued for the lock behind the winner leave at once). The leader, a lot past its end and a
    replayed form are left to the rest of the locked path, which says why."""
    minimum = lot.next_minimum()
    if amount >= minimum or lot.leader_id == user.pk or now >= lot.ends_at:
        return
    if request_key and _sent(user, request_key):
        return
    raise BidRefused(_("Bid at least %(min)s.") % {"min": format_money(minimum)}, code="too_low")


def _place_bid(user, lot_id: int, amount: Decimal, maximum: Decimal | None, now: datetime,
               request_key: str | None) -> BidResult:
    # Written out (shop.core.sql): building these statements through the ORM cost several times
    # running them, and every accepted bid on a hot lot holds the lot's row for all of it.
    with transaction.atomic():
        lot = next(iter(sql.select(Lot, "id = %s", [lot_id], for_update=True)), None)
        if lot is None:
            raise Lot.DoesNotExist
        _refuse_too_low(lot, user, amount, request_key, now)
        sql.load_related([lot], "session")
        if request_key and _sent(user, request_key):
            return BidResult(lot, lot.leader_id == user.pk, lot.current_price, _("This bid was already sent."),
                             replayed=True)
        _refuse_unless_bidding(lot, now)
        if needs_deposit(lot) and not _holds_deposit(user, lot):
            raise BidRefused(_("Pay the deposit before you bid."), code="deposit")
        inc, previous_leader_id, before = lot.increment, lot.leader_id, lot.current_price
        if lot.leader_id == user.pk:
            wanted = max(amount, maximum or amount)
            mine = _maximum_of(lot, user.pk)
            if maximum is None or wanted <= (mine or lot.current_price):
                raise BidRefused(_("You are already the highest bidder."), code="leading")
            _set_maximum(lot, user, wanted, now)
            sql.execute(f"UPDATE {sql.table(Lot)} SET version = version + 1 WHERE id = %s", [lot.pk])
            lot.version += 1
            return BidResult(lot, True, lot.current_price,
                             _("You still lead; your maximum is now %(max)s.") % {"max": format_money(wanted)})
        ceiling = max(amount, maximum or amount)  # (a bid below the minimum was refused on taking the lock)
        rows: list[tuple[int, Decimal, bool]] = []  # (user id, amount, automatic)
        if lot.leader_id is None:
            price, leader_id = amount, user.pk
            rows.append((user.pk, amount, False))
        else:
            held = _maximum_of(lot, lot.leader_id)
            leader_max = max(held or lot.current_price, lot.current_price)
            if ceiling > leader_max:  # the challenger takes the lead
                price = max(amount, min(ceiling, leader_max + inc))
                if before < leader_max < price:  # the old leader's automatic bidding went this far
                    rows.append((lot.leader_id, leader_max, True))
                rows.append((user.pk, price, price != amount))
                leader_id = user.pk
            else:  # the standing maximum answers at once (equal maxima: the earlier leads)
                rows.append((user.pk, amount, False))
                if ceiling > amount:
                    rows.append((user.pk, ceiling, True))
                price, leader_id = min(leader_max, ceiling + inc), lot.leader_id
                rows.append((lot.leader_id, price, True))
        _set_maximum(lot, user, ceiling, now)
        ends_at = lot.ends_at
        if ends_at - now <= soft_close():
            ends_at = min(ends_at + soft_close(), lot.hard_ends_at)
        extended = ends_at != lot.ends_at
        sql.execute(f"UPDATE {sql.table(Lot)} SET current_price = %s, leader_id = %s, ends_at = %s, "
                    f"bid_count = bid_count + %s, version = version + 1 WHERE id = %s",
                    [sql.prep(Lot, "current_price", price), leader_id, sql.prep(Lot, "ends_at", ends_at), len(rows),
                     lot.pk])
        keyed = next(i for i, (uid, _value, _auto) in enumerate(rows) if uid == user.pk)
        for i, (uid, value, auto) in enumerate(rows):
            sql.insert(Bid(lot=lot, user_id=uid, amount=value, is_auto=auto, placed_at=now,
                           request_key=request_key if i == keyed else None))
        lot.current_price, lot.leader_id, lot.ends_at = price, leader_id, ends_at
        lot.bid_count, lot.version = lot.bid_count + len(rows), lot.version + 1
        outbid = [uid for uid in {previous_leader_id, user.pk} if uid is not None and uid != leader_id]
        if extended:
            transaction.on_commit(lambda: jobs.schedule_settlement(lot))
    for uid in outbid:  # in-site (and e-mail), after the bid committed
        if uid != user.pk:
            _notify_outbid(uid, lot)
    log.info("event=bid lot=%s user=%s amount=%s price=%s leader=%s extended=%s", lot.pk, user.pk, amount, price,
             leader_id, extended)
    if leader_id == user.pk:
        return BidResult(lot, True, price, _("You are the highest bidder at %(price)s.") % {"price": format_money(price)})
    return BidResult(lot, False, price, _("Another bidder's automatic bid is higher: the price is now %(price)s.")
                     % {"price": format_money(price)})


def _sent(user, request_key: str) -> bool:
    """Whether this bidder's form with ``request_key`` already bid."""
    return bool(sql.rows(f"SELECT 1 FROM {sql.table(Bid)} WHERE user_id = %s AND request_key = %s",
                         [user.pk, request_key]))


def _holds_deposit(user, lot: Lot) -> bool:
    return bool(sql.rows(
        f"SELECT 1 FROM {sql.table(Deposit)} WHERE user_id = %s AND status = %s AND session_id = %s "
        f"AND (lot_id = %s OR lot_id IS NULL) LIMIT 1", [user.pk, DepositState.HELD, lot.session_id, lot.pk]))


def _maximum_of(lot: Lot, user_id: int) -> Decimal | None:
    """The standing maximum of ``user_id`` on the lot, if any."""
    held = sql.select(ProxyBid, "lot_id = %s AND user_id = %s", [lot.pk, user_id])
    return held[0].maximum if held else None


def _set_maximum(lot: Lot, user, maximum: Decimal, now: datetime) -> None:
    """The shopper's standing maximum on the lot, in one upsert."""
    sql.execute(f"INSERT INTO {sql.table(ProxyBid)} (lot_id, user_id, maximum, placed_at) VALUES (%s, %s, %s, %s) "
                f"ON CONFLICT (lot_id, user_id) DO UPDATE SET maximum = excluded.maximum, placed_at = excluded.placed_at",
                [lot.pk, user.pk, sql.prep(ProxyBid, "maximum", maximum), sql.prep(ProxyBid, "placed_at", now)])


def _notify_outbid(user_id: int, lot: Lot) -> None:
    from django.contrib.auth import get_user_model

    user = next(iter(sql.select(get_user_model(), "id = %s", [user_id])), None)
    if user is not None:
        with transaction.atomic():
            notify(user, Text(T.OUTBID, lot=lot.title, price=lot.current_price), url=lot.get_absolute_url())


# --- comments ------------------------------------------------------------------------------------
_SPACES = re.compile(r"\s+")


def mask_banned(text: str, words=None) -> str:
    """``text`` with every banned word (case-insensitive) replaced by asterisks."""
    words = [w for w in (words if words is not None else BannedWord.objects.values_list("word", flat=True)) if w]
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    return pattern.sub(lambda m: "*" * len(m.group(0)), text)


def post_comment(*, user, lot_id: int, text: str, colour_id: int | None = None, request_key: str | None = None,
                 now: datetime) -> Comment:
    """A live comment while the lot is bidding. Plain comments are free and at least
    ``BAZAAR_AUCTION_COMMENT_SECONDS`` apart per shopper (a conditional UPDATE of the shopper's
    pace row); a coloured one costs its price in credits (ledger entry). Banned words masked."""
    text = _SPACES.sub(" ", (text or "").replace("\x00", "")).strip()
    if not text:
        raise DomainError(_("Write something first."), code="empty")
    if len(text) > COMMENT_MAX:
        raise DomainError(_("Keep it under %(n)s characters.") % {"n": COMMENT_MAX}, code="too_long")
    lot = Lot.objects.select_related("session").filter(pk=lot_id, is_deleted=False).first()
    if lot is None:
        raise Lot.DoesNotExist
    if lot.state_at(now) != LotState.BIDDING:
        raise DomainError(_("Comments are open while the lot is bidding."), code="closed")
    colour = None
    if colour_id:
        colour = CommentColour.objects.filter(pk=colour_id, is_active=True).first()
        if colour is None:
            raise DomainError(_("That colour is not offered any more."), code="colour")
    text = mask_banned(text)
    if request_key:
        done = Comment.objects.filter(user=user, request_key=request_key).first()
        if done is not None:
            return done
    try:
        with transaction.atomic():
            if colour is None:
                _take_pace(user, now)
            comment = Comment.objects.create(lot=lot, user=user, text=text, colour=colour.css if colour else "",
                                             cost=colour.price if colour else Decimal("0.00"), posted_at=now,
                                             request_key=request_key or None)
            if colour is not None:
                debit(user=user, asset=colour.asset, amount=colour.price, kind=EntryKind.EXPENSE,
                      memo=Text(T.MEMO_COMMENT, lot=lot.title), ref=f"comment:{comment.pk}", actor=user)
            Lot.objects.filter(pk=lot.pk).update(version=F("version") + 1)
    except IntegrityError:
        done = Comment.objects.filter(user=user, request_key=request_key).first() if request_key else None
        if done is None:
            raise
        return done
    return comment


def _take_pace(user, now: datetime) -> None:
    gap = timedelta(seconds=settings.BAZAAR_AUCTION_COMMENT_SECONDS)
    if CommentPace.objects.filter(user=user, next_at__lte=now).update(next_at=now + gap):
        return
    try:
        with transaction.atomic():
            CommentPace.objects.create(user=user, next_at=now + gap)
            return
    except IntegrityError:
        pass
    if not CommentPace.objects.filter(user=user, next_at__lte=now).update(next_at=now + gap):
        raise DomainError(_("You are commenting too fast. Wait a few seconds."), code="too_fast")
