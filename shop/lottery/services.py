"""Shopper-side campaign writes: draw, exchange, members' code gifts and the details of a
physical prize. Operator writes (campaigns, prizes, code imports, shipping) are in
:mod:`.operations`.

Each write is one transaction that first locks the shopper's :class:`Entry` of the campaign
(``NOWAIT`` where the database has it: a second draw while the first runs is refused as "too
frequent"; SQLite runs one writer at a time anyway), so a shopper's draws and exchanges are
serialised; stock, free chances, draw limits, codes and credits only move through conditional
UPDATEs, so no number of concurrent shoppers can take a prize below zero.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.core import sql, writer
from shop.core.errors import DomainError
from shop.core.texts import Text
from shop.notifications.services import notify
from shop.orders.services import new_order_number
from shop.wallet import services as wallet
from shop.wallet.models import EntryKind

from . import texts
from .models import (
    RANDOM_BITS,
    Campaign,
    CampaignKind,
    CampaignState,
    CodePool,
    CodeVia,
    Draw,
    Entry,
    Grant,
    Outcome,
    Prize,
    PrizeOrder,
    PrizeOrderStatus,
    PrizeSource,
    RedeemCode,
)


class Refused(DomainError):
    """A draw, exchange or gift refused; ``code`` says which rule."""


# --- rules ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    ok: bool


def eligibility(campaign: Campaign, user) -> list[Rule]:
    """The campaign's eligibility rules that apply, each with whether ``user`` meets it."""
    rules = []
    if campaign.members_only:
        rules.append(Rule("members_only", _("Members only"), bool(user.is_authenticated and user.is_member)))
    if campaign.verified_only:
        rules.append(Rule("verified_only", _("Identity-verified shoppers only"),
                          bool(user.is_authenticated and user.is_verified)))
    if campaign.phone_required:
        rules.append(Rule("phone_required", _("A phone number in your profile"),
                          bool(user.is_authenticated and user.phone)))
    return rules


_STATE_REFUSALS = {
    CampaignState.SCHEDULED: ("not_started", "This campaign has not started yet."),
    CampaignState.PAUSED: ("paused", "Not started yet — this campaign is paused for now."),
    CampaignState.ENDED: ("ended", "This campaign has ended."),
}
_RULE_REFUSALS = {
    "members_only": "This campaign is for members only.",
    "verified_only": "Only identity-verified shoppers can take part. Ask us to verify your identity first.",
    "phone_required": "Add a phone number to your profile to take part.",
}


def refusal(campaign: Campaign, user, now: datetime) -> Refused | None:
    """Why ``user`` may not take part in ``campaign`` at ``now`` (by the clock), or None."""
    state = campaign.state_at(now)
    if state in _STATE_REFUSALS:
        code, message = _STATE_REFUSALS[state]
        return Refused(_(message), code=code)
    for rule in eligibility(campaign, user):
        if not rule.ok:
            return Refused(_(_RULE_REFUSALS[rule.code]), code=rule.code)
    return None


def _check(campaign: Campaign, user, now: datetime) -> None:
    refused = refusal(campaign, user, now)
    if refused:
        raise refused


# --- odds and the pick ---------------------------------------------------------------------------
def published_odds(prizes: Sequence[Prize]) -> dict[int, Decimal]:
    """Prize id → chance in percent (two places): the weights of the prizes that still have
    stock — exactly what :func:`pick` uses for a shopper without win limits."""
    weights = {p.pk: p.weight for p in prizes if p.stock_left > 0 and p.weight > 0}
    total = sum(weights.values())
    if not total:
        return {}
    return {pk: (Decimal(100 * w) / total).quantize(Decimal("0.01")) for pk, w in weights.items()}


def pick(candidates: Sequence[Sequence[int]], random_value: int) -> int | None:
    """The prize id that ``random_value`` (an integer in [0, 2**53)) picks among ``candidates``
    ``[[prize_id, weight], …]``: each with probability weight / total, in integer arithmetic
    (no float rounding), so a recorded draw replays exactly."""
    total = sum(weight for _pk, weight in candidates)
    if total <= 0:
        return None
    target = (random_value * total) >> RANDOM_BITS  # uniform in [0, total)
    for prize_id, weight in candidates:
        if target < weight:
            return prize_id
        target -= weight
    raise AssertionError("unreachable: target < total")


@dataclass(frozen=True)
class Replay:
    picked_id: int | None
    matches: bool  # the record's "picked" is what its random value and candidates give
    fell_back: bool  # the picked prize could not be granted (stock gone, limit, no code left)


def replay(draw: Draw) -> Replay:
    """Recompute a draw from its record (operators' audit)."""
    picked_id = pick(draw.candidates, draw.random_value)
    return Replay(picked_id=picked_id, matches=picked_id == draw.picked_id,
                  fell_back=picked_id is not None and draw.prize_id != picked_id)


# --- the shopper's entry -------------------------------------------------------------------------
def _too_frequent() -> Refused:
    return Refused(_("Too frequent — your previous draw is still running. Try again in a moment."),
                   code="too_frequent")


def _hold_entry_row(campaign_id: int, user) -> None:
    """PostgreSQL: lock the shopper's entry row for this transaction, or refuse "too frequent" at
    once if another of their draws holds it. (SQLite runs one writer at a time: nothing to do.)"""
    if not connection.features.has_select_for_update_nowait:
        return
    try:  # a refusal rolls the whole transaction back, so no savepoint is needed
        sql.execute(f"SELECT id FROM {sql.table(Entry)} WHERE campaign_id = %s AND user_id = %s FOR UPDATE NOWAIT",
                    [campaign_id, user.pk])
    except OperationalError:
        raise _too_frequent() from None


def _count_draw(campaign: Campaign, user) -> bool:
    """Count one draw on the shopper's entry — one upsert: +1 draw while under the draw limit, a
    free chance used while any is left. Returns whether it was free; refuses at the limit."""
    t = sql.table(Entry)
    chances = campaign.free_chances
    limit = campaign.draw_limit if campaign.draw_limit is not None else 2 ** 31 - 1
    _count, row = sql.execute(
        f"INSERT INTO {t} (campaign_id, user_id, draws, free_used, last_free) VALUES (%s, %s, 1, %s, %s) "
        f"ON CONFLICT (campaign_id, user_id) DO UPDATE SET draws = {t}.draws + 1, "
        f"free_used = {t}.free_used + CASE WHEN {t}.free_used < %s THEN 1 ELSE 0 END, "
        f"last_free = ({t}.free_used < %s) WHERE {t}.draws < %s RETURNING last_free",
        [campaign.pk, user.pk, int(chances > 0), chances > 0, chances, chances, limit],
    )
    if row is None:
        raise Refused(_("You have used all your draws in this campaign."), code="draw_limit")
    return bool(row[0])


def _locked_entry(campaign: Campaign, user) -> Entry:
    """The shopper's entry, locked for this transaction (exchanges; draws use :func:`_count_draw`)."""
    _hold_entry_row(campaign.pk, user)
    try:
        with transaction.atomic():
            entry, _created = Entry.objects.get_or_create(campaign=campaign, user=user)
    except IntegrityError:  # the shopper's first exchange, twice at once
        raise _too_frequent() from None
    return entry


def chances_left(campaign: Campaign, entry: Entry | None) -> dict:
    """Free chances left and draws left (None = no limit) for a shopper's entry."""
    draws = entry.draws if entry else 0
    free_used = entry.free_used if entry else 0
    return {
        "free": max(campaign.free_chances - free_used, 0),
        "draws": None if campaign.draw_limit is None else max(campaign.draw_limit - draws, 0),
    }


def wins_of(user, campaign: Campaign) -> Counter:
    """Prize id → how many of it ``user`` has won (or exchanged) in ``campaign``."""
    rows = (PrizeOrder.objects.filter(user=user, campaign=campaign).values("prize_id")
            .annotate(n=Count("id")).values_list("prize_id", "n"))
    return Counter(dict(rows))


# --- granting ------------------------------------------------------------------------------------
def _take_stock(prize_id: int) -> bool:
    count, _row = sql.execute(f"UPDATE {sql.table(Prize)} SET stock_left = stock_left - 1, stock_used = stock_used + 1 "
                              f"WHERE id = %s AND stock_left > 0", [prize_id])
    return count == 1


HAND_OUT_ATTEMPTS = 60


def hand_out_code(*, pool_id: int, user, via: str, now: datetime) -> RedeemCode | None:
    """Give ``user`` one unissued code of the pool (None if none is left): the first free row not
    held by another transaction (PostgreSQL's SKIP LOCKED), taken by a conditional UPDATE.

    It never waits on a code row. A locking read on PostgreSQL keeps the lock on every row it had
    to re-check after a concurrent issue, even the ones it then skips, so two claims that each
    waited for a row the other held deadlocked under load. When every free code is held by
    someone else (they will be issued, or freed by a rollback) the claim backs off and looks
    again, for about two seconds at most."""
    free = RedeemCode.objects.filter(pool_id=pool_id, user__isnull=True).order_by("id")
    for attempt in range(HAND_OUT_ATTEMPTS):
        code = free.select_for_update(skip_locked=True).first()
        if code is None:
            if not free.exists():
                return None
            time.sleep(min(0.005 * (attempt + 1), 0.05))
            continue
        if RedeemCode.objects.filter(pk=code.pk, user__isnull=True).update(user=user, via=via, issued_at=now):
            code.user, code.via, code.issued_at = user, via, now
            return code
    return None


class _StockGone(Exception):
    pass


def _win(*, user, prize: Prize, source: str, now: datetime, draw: dict | None = None,
         **fields) -> PrizeOrder | None:
    """Grant one of ``prize``'s stock: the prize order (and, for a draw, the draw record made of
    ``draw``'s fields) or None if it cannot be granted — stock gone, no code left, the coupon
    given out. One savepoint: nothing is left behind on None. Everything is written first and
    the stock taken last, so the prize's row — the one every shopper's draw wants — stays locked
    only from that UPDATE to the commit."""
    order = PrizeOrder(number=new_order_number(now, prefix="P"), user=user, campaign_id=prize.campaign_id,
                       prize=prize, source=source, created_at=now, status=PrizeOrderStatus.FULFILLED, **fields)
    try:
        with transaction.atomic():
            if prize.grant == Grant.CREDITS:
                wallet.credit(user=user, asset=prize.asset, amount=prize.amount, kind=EntryKind.INCOME,
                              memo=Text(texts.MEMO_PRIZE, prize=prize.title), ref=f"prize-order:{order.number}")
            elif prize.grant == Grant.COUPON:
                from shop.coupons.services import grant as grant_coupon

                order.claimed_coupon = grant_coupon(user=user, coupon_id=prize.coupon_id, now=now)
            elif prize.grant == Grant.CODE:
                order.code = hand_out_code(pool_id=prize.pool_id, user=user, via=CodeVia.PRIZE, now=now)
                if order.code is None:
                    raise Refused(_("No codes left."), code="no_code")
            else:
                order.status = PrizeOrderStatus.TO_CLAIM
            if draw is not None:
                outcome = Outcome.CONSOLATION if prize.is_default else Outcome.WON
                order.draw = sql.insert(Draw(prize=prize, outcome=outcome, **draw))
            sql.insert(order)
            _announce(order)
            if not _take_stock(prize.pk):
                raise _StockGone
    except (DomainError, _StockGone):
        return None
    return order


def _announce(order: PrizeOrder) -> None:
    """A physical prize waits for the shopper's details: say so in the bell (and by e-mail).
    Virtual prizes are shown at once on the page and in My prizes."""
    if order.status == PrizeOrderStatus.TO_CLAIM:
        text = texts.EXCHANGED_PHYSICAL if order.source == PrizeSource.EXCHANGE else texts.WON_PHYSICAL
        notify(order.user, Text(text, prize=order.prize.title), url=reverse("lottery:prize", args=[order.number]))


# --- draw ----------------------------------------------------------------------------------------
def _campaign(campaign_id, kind: str) -> Campaign:
    try:
        campaign_id = int(campaign_id)
    except (TypeError, ValueError):
        campaign_id = 0
    campaign = next(iter(sql.select(Campaign, "id = %s AND kind = %s", [campaign_id, kind])), None)
    if campaign is None:
        raise Refused(_("This campaign does not exist."), code="missing")
    return campaign


class AlreadyDone(Exception):
    """The form with this one-time key was already carried out: ``result`` is what it did."""

    def __init__(self, result):
        super().__init__("already done")
        self.result = result


def draw(*, user, campaign_id: int, now: datetime, key: str = "") -> Draw:
    """One draw (SPEC §5): a free chance if any is left, else the draw cost; a prize picked by
    weight among those with stock that the shopper may still win; if it cannot be granted, the
    consolation prize; if none, "no prize this time". Raises ``Refused``, or ``AlreadyDone``
    when the form's one-time ``key`` already drew (a double click or a replay)."""
    with writer.queue(f"campaign:{campaign_id}"):  # SQLite: this process's draws take turns
        try:
            return _draw(user=user, campaign_id=campaign_id, now=now, key=key)
        except IntegrityError:  # the same form's first draw, twice at once: the other one won
            done = Draw.objects.filter(user=user, request_key=key).first() if key else None
            if done is None:
                raise
            raise AlreadyDone(done) from None


@transaction.atomic
def _draw(*, user, campaign_id: int, now: datetime, key: str) -> Draw:
    campaign = _campaign(campaign_id, CampaignKind.LOTTERY)
    _check(campaign, user, now)
    prizes = sql.select(Prize, "campaign_id = %s", [campaign.pk], order_by="position, id")
    _hold_entry_row(campaign.pk, user)
    if key and (done := Draw.objects.filter(user=user, request_key=key).first()):
        raise AlreadyDone(done)
    if not any(p.stock_left > 0 for p in prizes):
        raise Refused(_("All prizes have been given out."), code="sold_out")
    free = _count_draw(campaign, user)
    cost = Decimal("0.00") if free else campaign.draw_cost
    if cost > 0:
        wallet.debit(user=user, asset=campaign.draw_asset, amount=cost, kind=EntryKind.EXPENSE,
                     memo=Text(texts.MEMO_DRAW, campaign=campaign.title), ref=f"campaign:{campaign.pk}")

    wins = wins_of(user, campaign) if any(p.win_limit for p in prizes) else Counter()

    def may_win(p: Prize) -> bool:
        return p.stock_left > 0 and (p.win_limit is None or wins[p.pk] < p.win_limit)

    candidates = [[p.pk, p.weight] for p in prizes if p.weight > 0 and may_win(p)]
    random_value = secrets.randbits(RANDOM_BITS)
    picked_id = pick(candidates, random_value)
    by_id = {p.pk: p for p in prizes}
    record = {"campaign": campaign, "user": user, "created_at": now, "free": free, "cost": cost,
              "asset": "" if free else campaign.draw_asset, "random_value": random_value,
              "candidates": candidates, "picked_id": picked_id, "request_key": key}
    order = None
    if picked_id is not None:
        order = _win(user=user, prize=by_id[picked_id], source=PrizeSource.DRAW, now=now, draw=record)
    default = next((p for p in prizes if p.is_default), None)
    if order is None and default is not None and default.pk != picked_id and may_win(default):
        order = _win(user=user, prize=default, source=PrizeSource.DRAW, now=now, draw=record)
    if order is None:
        return sql.insert(Draw(prize=None, outcome=Outcome.NOTHING, **record))
    return order.draw


# --- exchange ------------------------------------------------------------------------------------
@transaction.atomic
def exchange(*, user, prize_id: int, now: datetime, key: str = "") -> PrizeOrder:
    """Exchange credits for an item of an exchange campaign: stock and credits are taken
    together or not at all; the item's "wins per shopper" caps what one shopper may take.
    ``key``: the form's one-time key, as for :func:`draw`."""
    prize = Prize.objects.select_related("campaign").filter(pk=prize_id, campaign__kind=CampaignKind.EXCHANGE).first()
    if prize is None or prize.price is None:
        raise Refused(_("This item does not exist."), code="missing")
    campaign = prize.campaign
    _check(campaign, user, now)
    _locked_entry(campaign, user)
    if key and (done := PrizeOrder.objects.filter(user=user, request_key=key).first()):
        raise AlreadyDone(done)
    if prize.win_limit is not None and wins_of(user, campaign)[prize.pk] >= prize.win_limit:
        raise Refused(_("You have already exchanged as many of these as one shopper may."), code="win_limit")
    sold_out = Refused(_("None left — this item has been exchanged out."), code="sold_out")
    if prize.stock_left <= 0:
        raise sold_out
    # Credits first (not enough: refused before anything else is written), the stock last.
    wallet.debit(user=user, asset=campaign.draw_asset, amount=prize.price, kind=EntryKind.EXPENSE,
                 memo=Text(texts.MEMO_EXCHANGE, prize=prize.title), ref=f"campaign:{campaign.pk}")
    order = _win(user=user, prize=prize, source=PrizeSource.EXCHANGE, cost_asset=campaign.draw_asset,
                 cost=prize.price, now=now, request_key=key)
    if order is None:
        raise sold_out  # the whole exchange is rolled back, the credits with it
    Entry.objects.filter(campaign=campaign, user=user).update(draws=F("draws") + 1)
    return order


# --- members' code gifts -------------------------------------------------------------------------
def take_gift_code(*, user, pool_id: int, now: datetime) -> RedeemCode:
    """A member's one code from a gift pool. Asking again (a double click, a replay) gives the
    same code back; the one-per-shopper rule is a unique constraint."""
    pool = CodePool.objects.filter(pk=pool_id, members_gift=True).first()
    if pool is None:
        raise Refused(_("This gift does not exist."), code="missing")
    if not user.is_member:
        raise Refused(_("Code gifts are for members only."), code="members_only")
    mine = RedeemCode.objects.filter(pool=pool, user=user, via=CodeVia.GIFT).first()
    if mine:
        return mine
    try:
        with transaction.atomic():
            code = hand_out_code(pool_id=pool.pk, user=user, via=CodeVia.GIFT, now=now)
    except IntegrityError:  # the same shopper's other request took one meanwhile
        code = None
    if code is None:
        mine = RedeemCode.objects.filter(pool=pool, user=user, via=CodeVia.GIFT).first()
        if mine:
            return mine
        raise Refused(_("All codes of this gift have been handed out."), code="no_code")
    return code


# --- physical prizes -----------------------------------------------------------------------------
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK = "10X98765432"


def id_card_is_valid(value: str) -> bool:
    """A mainland resident ID-card number: 17 digits and a check character (ISO 7064 MOD 11-2)."""
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_CARD_WEIGHTS, strict=True))
    return ID_CARD_CHECK[total % 11] == value[17]


def mask_id_card(value: str) -> str:
    value = value.upper()
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


@transaction.atomic
def submit_details(*, user, number: str, recipient: str, id_card: str, phone: str, address: str,
                   now: datetime) -> PrizeOrder:
    """The shopper's details for a physical prize: *to claim* → *claimed* (once; a replay is
    refused with a message). The ID-card number is checked and kept masked only."""
    if not id_card_is_valid(id_card):
        raise Refused(_("Enter a valid 18-character ID-card number."), code="id_card")
    moved = PrizeOrder.objects.filter(number=number, user=user, status=PrizeOrderStatus.TO_CLAIM).update(
        status=PrizeOrderStatus.CLAIMED, recipient=recipient, id_card=mask_id_card(id_card), phone=phone,
        address=address, claimed_at=now,
    )
    order = PrizeOrder.objects.select_related("prize").filter(number=number, user=user).first()
    if order is None:
        raise Refused(_("This prize order does not exist."), code="missing")
    if not moved:
        raise Refused(_("We already have your details for this prize."), code="already_claimed")
    notify(user, Text(texts.DETAILS_RECEIVED, prize=order.prize.title), url=reverse("lottery:my_prizes"))
    return order
