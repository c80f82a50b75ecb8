"""Draws on one hot campaign: 2,000 draws by 8 concurrent clients (threads, own connections),
each client drawing for its own 50 shoppers (paid with gems), through ``shop.lottery.services.draw``
— against a raw conditional stock decrement (``UPDATE … SET stock_left = stock_left - 1 WHERE
stock_left > 0``) with the same clients on the same database. Three rounds on fresh campaigns,
best of each side. Exits non-zero if any prize was over-issued or a charge is missing.

Then the database's own share, one client alone: the time a draw spends in the database driver
(its statements and its commit) against a raw decrement's. Their ratio is what draws could reach
against the raw loop if building them cost no Python at all."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection, connections
from django.db.models import Sum

from bench.clients import alone, hammer
from shop.accounts.models import User
from shop.core import clock
from shop.lottery import services
from shop.lottery.models import Campaign, Draw, Prize, PrizeOrder
from shop.wallet.models import LedgerEntry
from shop.wallet.services import credit

DRAWS, CLIENTS, PER_CLIENT_SHOPPERS, ROUNDS, ALONE = 2_000, 8, 50, 3, 500
STOCKS = {"Phone": 3, "Headphones": 10, "Sticker": 200, "Thanks": 100_000}  # Thanks: 1 gold


def _run(work) -> float:
    return hammer(work, calls=DRAWS, clients=CLIENTS)


def _campaign(now) -> Campaign:
    campaign = Campaign.objects.create(title="Hot wheel", starts_at=now - timedelta(hours=1),
                                       ends_at=now + timedelta(days=1), draw_cost=Decimal("1"), status="online")
    for position, (title, stock) in enumerate(STOCKS.items()):
        grant = {"grant": "credits", "asset": "gold", "amount": Decimal("1")} if title == "Thanks" else {
            "grant": "physical"}
        Prize.objects.create(campaign=campaign, title=title, weight=[1, 4, 25, 70][position], stock_left=stock,
                             position=position, is_default=title == "Thanks", **grant)
    return campaign


def _decrement(table: str, prize_id: int) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET stock_left = stock_left - 1, stock_used = stock_used + 1 "
                       f"WHERE id = %s AND stock_left > 0", [prize_id])


def _round(shoppers, now, table) -> tuple[float, float]:
    campaign = _campaign(now)

    def draw(c, i):
        user = shoppers[c * PER_CLIENT_SHOPPERS + i % PER_CLIENT_SHOPPERS]
        services.draw(user=user, campaign_id=campaign.pk, now=clock.now())

    seconds = _run(draw)
    for prize in Prize.objects.filter(campaign=campaign):
        issued = PrizeOrder.objects.filter(prize=prize).count()
        if issued != prize.stock_used or prize.stock_used + prize.stock_left != STOCKS[prize.title]:
            raise SystemExit(f"draws over-issued {prize.title}: {issued} orders, {prize.stock_used} used")
    draws = Draw.objects.filter(campaign=campaign).count()
    charged = -(LedgerEntry.objects.filter(ref=f"campaign:{campaign.pk}", asset="gem")
                .aggregate(s=Sum("amount"))["s"] or 0)
    if draws != DRAWS or charged != draws:
        raise SystemExit(f"draws={draws} (expected {DRAWS}), charged={charged}")

    raw = Prize.objects.create(campaign=campaign, title="Raw", grant="physical", stock_left=DRAWS, position=9)

    raw_seconds = _run(lambda _c, _i: _decrement(table, raw.pk))
    raw.refresh_from_db()
    if raw.stock_left != 0:
        raise SystemExit(f"raw loop left {raw.stock_left}")
    return seconds, raw_seconds


def _alone(shoppers, now, table, loop_rate: float) -> tuple:
    """One client: ``ALONE`` draws, then as many raw decrements (of a prize outside the drawn
    campaign), timed in the database driver."""
    campaign = _campaign(now)
    raw = Prize.objects.create(campaign=_campaign(now), title="Raw", grant="physical", stock_left=ALONE, position=9)
    return alone("lottery: a draw's database time alone (1 client)", "draw", calls=ALONE, loop_rate=loop_rate,
                 work=lambda i: services.draw(user=shoppers[i % len(shoppers)], campaign_id=campaign.pk,
                                              now=clock.now()),
                 raw=lambda: _decrement(table, raw.pk))


def run():
    now = clock.now()
    count = CLIENTS * PER_CLIENT_SHOPPERS
    User.objects.bulk_create([User(username=f"drawer{i}", password="!") for i in range(count)], batch_size=500)
    shoppers = list(User.objects.filter(username__startswith="drawer").order_by("id"))
    for user in shoppers:
        credit(user=user, asset="gem", amount=Decimal("1000"), memo="bench")
    table = connection.ops.quote_name(Prize._meta.db_table)
    rounds = [_round(shoppers, now, table) for _ in range(ROUNDS)]
    rate = max(DRAWS / seconds for seconds, _raw in rounds)
    raw_rate = max(DRAWS / raw_seconds for _seconds, raw_seconds in rounds)
    per_round = ", ".join(f"{raw_seconds / seconds:.2f}" for seconds, raw_seconds in rounds)
    yield ("lottery: draws on one hot campaign (8 clients)", rate, "draws/s", raw_rate, "upd/s", rate / raw_rate,
           f"best of {ROUNDS} rounds; every round issued each prize at most its stock (0 oversold) and "
           f"charged every paid draw; ratio per round: {per_round}")
    yield _alone(shoppers, now, table, raw_rate)
