"""Read-only helpers of the campaigns area: the odds preview, code-pool counts, the prize-order
CSV and a draw's replay with its candidates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from shop.core.money import format_credits
from shop.lottery.forms import MAX_PRIZE_ROWS
from shop.lottery.models import MAX_STOCK, MAX_WEIGHT, RANDOM_BITS, CampaignKind, Draw, Prize, PrizeOrder
from shop.lottery.services import published_odds, replay


# --- published odds ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OddsRow:
    title: str
    weight: int
    stock: int
    odds: Decimal | None  # None: never drawn (no stock or weight 0)
    is_default: bool


@dataclass(frozen=True)
class Odds:
    kind: str
    rows: list[OddsRow]
    problems: list[int]  # editor rows (1-based) whose weight or stock is not a number in range

    @property
    def is_lottery(self) -> bool:
        return self.kind != CampaignKind.EXCHANGE

    @property
    def total(self) -> Decimal:
        return sum((r.odds for r in self.rows if r.odds is not None), Decimal("0"))


def odds_of(prizes: list[Prize], kind: str) -> Odds:
    odds = published_odds(prizes)
    return Odds(kind=kind or CampaignKind.LOTTERY, problems=[], rows=[
        OddsRow(p.title, p.weight, p.stock_left, odds.get(p.pk), p.is_default) for p in prizes])


def _int(value, most: int) -> int | None:
    try:
        number = int((value or "").strip() or "0")
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= most else None


def odds_preview(data) -> Odds:
    """The odds of the prize rows of a posted campaign editor (prefix ``prizes``), before saving:
    the same function the shop publishes them with."""
    total = _int(data.get("prizes-TOTAL_FORMS"), MAX_PRIZE_ROWS) or 0
    prizes, problems = [], []
    for index in range(total):
        key = f"prizes-{index}-"
        title = (data.get(key + "title") or "").strip()[:80]
        if not title or data.get(key + "DELETE") in ("on", "true", "1"):
            continue
        weight, stock = _int(data.get(key + "weight"), MAX_WEIGHT), _int(data.get(key + "stock_left"), MAX_STOCK)
        if weight is None or stock is None:
            problems.append(index + 1)
        prizes.append(Prize(pk=index + 1, title=title, weight=weight or 0, stock_left=stock or 0,
                            is_default=data.get(key + "is_default") in ("on", "true", "1")))
    kind = data.get("kind") if data.get("kind") in CampaignKind.values else CampaignKind.LOTTERY
    odds = odds_of(prizes, kind)
    return Odds(kind=odds.kind, rows=odds.rows, problems=problems)


# --- code pools ----------------------------------------------------------------------------------
def pools_with_counts(pools: QuerySet) -> QuerySet:
    return pools.annotate(total=Count("codes"), issued=Count("codes", filter=Q(codes__user__isnull=False)),
                          left=F("total") - F("issued"))


# --- prize-order export --------------------------------------------------------------------------
EXPORT_HEADER = ["number", "created_at", "user", "campaign", "prize", "source", "status", "cost_asset", "cost",
                 "recipient", "id_card_masked", "phone", "address", "carrier", "tracking_no", "claimed_at",
                 "shipped_at"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def export_row(order: PrizeOrder) -> list:
    return [order.number, _time(order.created_at), order.user.username, order.campaign.title, order.prize.title,
            order.source, order.status, order.cost_asset, format_credits(order.cost) if order.cost_asset else "",
            order.recipient, order.id_card, order.phone, order.address, order.carrier, order.tracking_no,
            _time(order.claimed_at), _time(order.shipped_at)]


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection): a leading
    ``= + - @`` (or tab / carriage return) gets a ``'`` in front."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


# --- replay --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    prize_id: int
    title: str
    weight: int
    low: int  # the random value's target picks this prize when low <= target < high
    high: int
    picked: bool


@dataclass(frozen=True)
class ReplayDetails:
    picked_id: int | None
    picked_title: str
    matches: bool
    fell_back: bool
    total: int
    target: int | None
    candidates: list[Candidate]


def replay_details(draw: Draw) -> ReplayDetails:
    """:func:`shop.lottery.services.replay` with what an operator needs to follow it: each
    candidate's title and its slice of the total weight, and the target the random value gives."""
    result = replay(draw)
    ids = [int(pk) for pk, _weight in draw.candidates]
    titles = {p.pk: p.title for p in Prize.objects.filter(pk__in=ids).only("pk", "title")}
    total = sum(int(weight) for _pk, weight in draw.candidates)
    target = (draw.random_value * total) >> RANDOM_BITS if total > 0 else None
    candidates, low = [], 0
    for pk, weight in draw.candidates:
        candidates.append(Candidate(int(pk), titles.get(int(pk), f"#{pk}"), int(weight), low, low + int(weight),
                                    int(pk) == result.picked_id))
        low += int(weight)
    return ReplayDetails(picked_id=result.picked_id, picked_title=titles.get(result.picked_id, "") if
                         result.picked_id else "", matches=result.matches, fell_back=result.fell_back, total=total,
                         target=target, candidates=candidates)
