"""Reads of the campaign pages, each a bounded number of queries."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from .models import Campaign, CodePool, CodeVia, Draw, Entry, PrizeOrder, RedeemCode


def campaigns_for_list(now: datetime) -> dict[str, list[Campaign]]:
    """Campaigns not ended yet, online (paused ones included, marked) first, then upcoming."""
    online, upcoming = [], []
    for campaign in Campaign.objects.visible(now).order_by("starts_at", "id"):
        campaign.state_now = campaign.state_at(now)
        (upcoming if campaign.starts_at > now else online).append(campaign)
    return {"online": online, "upcoming": upcoming}


def gift_pools(user) -> list[dict]:
    """Members' code gifts with how many codes are left and the shopper's own code."""
    pools = list(CodePool.objects.filter(members_gift=True)
                 .annotate(left=Count("codes", filter=Q(codes__user__isnull=True))))
    mine = {}
    if pools and user.is_authenticated:
        mine = {c.pool_id: c for c in RedeemCode.objects.filter(pool__in=pools, user=user, via=CodeVia.GIFT)}
    return [{"pool": p, "left": p.left, "mine": mine.get(p.pk)} for p in pools]


def entry_of(campaign: Campaign, user) -> Entry | None:
    if not user.is_authenticated:
        return None
    return Entry.objects.filter(campaign=campaign, user=user).first()


def my_prize_orders(user, campaign: Campaign | None = None):
    orders = PrizeOrder.objects.filter(user=user).select_related("prize", "campaign", "code", "claimed_coupon")
    if campaign is not None:
        orders = orders.filter(campaign=campaign)
    return orders


def own_draw(user, draw_id) -> Draw | None:
    try:
        draw_id = int(draw_id)
    except (TypeError, ValueError):
        return None
    return Draw.objects.select_related("prize", "order").filter(pk=draw_id, user=user).first()
