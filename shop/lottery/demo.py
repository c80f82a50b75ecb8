"""Demo campaigns (SPEC §11): a lottery online now with free chances, gem-priced draws, a
physical, a coupon, a code-pool and a consolation prize; an exchange campaign; one starting
later; and a members' code gift. Idempotent by title."""

from datetime import timedelta
from decimal import Decimal

from shop.coupons.models import Coupon

from .models import Campaign, CampaignKind, CodePool, Draw, Entry, Grant, Prize, PrizeOrder, RedeemCode
from .operations import schedule_jobs, stored_status

LOTTERY = "Lucky Wheel"
EXCHANGE = "Gem Exchange"
LATER = "Spring Festival Draw"
PRIZE_POOL = "Streaming month codes"
GIFT_POOL = "Member welcome codes"


def _codes(pool: CodePool, prefix: str, n: int) -> None:
    RedeemCode.objects.bulk_create([RedeemCode(pool=pool, code=f"{prefix}-{i:04d}") for i in range(1, n + 1)],
                                   ignore_conflicts=True)


def _campaign(title: str, now, **fields) -> tuple[Campaign, bool]:
    campaign, made = Campaign.objects.get_or_create(title=title, defaults=fields)
    campaign.status = stored_status(campaign, now)
    campaign.save(update_fields=["status"])
    schedule_jobs(campaign, now=now)
    return campaign, made


def seed(*, now):
    day = timedelta(days=1)
    prize_pool, _ = CodePool.objects.get_or_create(
        name=PRIZE_POOL, defaults={"description": "One month of Bazaar Streaming."})
    _codes(prize_pool, "STREAM", 40)
    gift_pool, _ = CodePool.objects.get_or_create(
        name=GIFT_POOL, defaults={"description": "A thank-you code for members: 10% off at our partner bookshop.",
                                  "members_gift": True})
    _codes(gift_pool, "MEMBER", 30)

    lottery, made = _campaign(
        LOTTERY, now, kind=CampaignKind.LOTTERY, starts_at=now - day, ends_at=now + 30 * day,
        description="Three free spins for everyone, then 20 gems a spin. Every spin wins something while "
                    "the consolation prize lasts.",
        free_chances=3, draw_cost=Decimal("20"), draw_limit=50)
    if made:
        coupon = Coupon.objects.alive().filter(name="Welcome ¥30 off ¥199").first()
        prizes = [
            {"title": "Noise-cancelling headphones", "grant": Grant.PHYSICAL, "weight": 3, "stock_left": 5,
             "win_limit": 1},
            {"title": "50 gems", "grant": Grant.CREDITS, "asset": "gem", "amount": Decimal("50"), "weight": 20,
             "stock_left": 200},
            {"title": "A month of streaming", "grant": Grant.CODE, "pool": prize_pool, "weight": 10,
             "stock_left": 40},
            {"title": "Thanks for playing — 5 gold", "grant": Grant.CREDITS, "asset": "gold",
             "amount": Decimal("5"), "weight": 50, "stock_left": 10_000, "is_default": True},
        ]
        if coupon:
            prizes.insert(1, {"title": "¥30 off ¥199 coupon", "grant": Grant.COUPON, "coupon": coupon,
                              "weight": 17, "stock_left": 100})
        for position, spec in enumerate(prizes):
            Prize.objects.create(campaign=lottery, position=position, **spec)

    exchange, made = _campaign(
        EXCHANGE, now, kind=CampaignKind.EXCHANGE, starts_at=now - day, ends_at=now + 60 * day,
        description="Turn your gems into something useful.", draw_cost=Decimal("0"))
    if made:
        for position, spec in enumerate([
            {"title": "Bazaar mug", "grant": Grant.PHYSICAL, "price": Decimal("120"), "stock_left": 20},
            {"title": "¥10 balance", "grant": Grant.CREDITS, "asset": "balance", "amount": Decimal("10"),
             "price": Decimal("100"), "stock_left": 50, "win_limit": 2},
            {"title": "30 gold", "grant": Grant.CREDITS, "asset": "gold", "amount": Decimal("30"),
             "price": Decimal("60"), "stock_left": 100},
        ]):
            Prize.objects.create(campaign=exchange, position=position, **spec)

    later, made = _campaign(
        LATER, now, kind=CampaignKind.LOTTERY, starts_at=now + 3 * day, ends_at=now + 10 * day,
        description="Red envelopes and a tablet. Opens in three days.", free_chances=1,
        draw_cost=Decimal("30"), draw_asset="gold")
    if made:
        Prize.objects.create(campaign=later, title="Tablet", grant=Grant.PHYSICAL, weight=1, stock_left=2)
        Prize.objects.create(campaign=later, title="Red envelope — 8 gold", grant=Grant.CREDITS, asset="gold",
                             amount=Decimal("8"), weight=99, stock_left=1000, is_default=True, position=1)
    return "campaigns: a lottery online now, an exchange, one starting in 3 days; a members' code gift"


def reset():
    campaigns = Campaign.objects.filter(title__in=[LOTTERY, EXCHANGE, LATER])
    PrizeOrder.objects.filter(campaign__in=campaigns).delete()
    Draw.objects.filter(campaign__in=campaigns).delete()
    Entry.objects.filter(campaign__in=campaigns).delete()
    Prize.objects.filter(campaign__in=campaigns).delete()
    campaigns.delete()
    pools = CodePool.objects.filter(name__in=[PRIZE_POOL, GIFT_POOL])
    RedeemCode.objects.filter(pool__in=pools).delete()
    pools.delete()
