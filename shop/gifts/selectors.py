"""Reads for the gift-draw pages. Status is read against the clock: a timed draw past its time
reads as closed to joins even before the job or the sweeper drew it."""

from __future__ import annotations

from django.db.models import Prefetch, Sum

from shop.accounts.services import mask_name
from shop.catalog.models import PricePolicy, Product, ProductKind, ProductStatus

from . import fairness
from .models import GiftDraw, GiftHolding, Method, Participant


def packages_on_sale():
    return Product.objects.filter(kind=ProductKind.GIFT, status=ProductStatus.ONLINE).prefetch_related(
        Prefetch("policies", queryset=PricePolicy.objects.active()))


def holdings(user):
    return list(GiftHolding.objects.filter(user=user).select_related("product").order_by("product__title"))


def usable_holdings(user):
    return [h for h in holdings(user) if h.available > 0]


def units_available(user) -> int:
    return GiftHolding.objects.filter(user=user).aggregate(n=Sum("available"))["n"] or 0


def draw_by_token(token: str) -> GiftDraw | None:
    if not token or len(token) > 32:
        return None
    return GiftDraw.objects.select_related("giver", "product").filter(token=token).first()


def route(draw: GiftDraw, user, entry: Participant | None, now) -> str:
    """Which page the share link opens for ``user`` (``entry``: their participation, if any)
    (SPEC §6): ``giver``, ``result``, ``waiting``, ``won`` (a direct gift received), ``closed`` or
    ``join``."""
    if user.is_authenticated and draw.giver_id == user.pk:
        return "giver"
    if draw.is_drawn() and draw.method != Method.DIRECT:
        return "result"
    if entry is not None:
        return "won" if draw.method == Method.DIRECT else "waiting"
    if not draw.joinable_at(now):
        return "closed"
    return "join"


SHOWN_ENTRIES = 200


def entries(draw: GiftDraw, viewer=None, limit: int = SHOWN_ENTRIES) -> list[dict]:
    """The first ``limit`` participants in joining order, named as other shoppers see them."""
    rows = []
    for entry in Participant.objects.filter(draw=draw).select_related("user").order_by("position")[:limit]:
        mine = viewer is not None and viewer.is_authenticated and entry.user_id == viewer.pk
        rows.append({"position": entry.position, "name": mask_name(entry.user), "mine": mine, "won": entry.won,
                     "joined_at": entry.joined_at})
    return rows


def reveal(draw: GiftDraw) -> dict | None:
    """What a drawn full or timed draw publishes to be checked: the seed, its commitment, every
    participant's number in joining order and the winners in the order the algorithm picks them."""
    if not draw.is_random or not draw.is_drawn():
        return None
    numbers = list(Participant.objects.filter(draw=draw).order_by("position").values_list("position", flat=True))
    winners = fairness.pick_winners(draw.seed, numbers, draw.gifts)
    return {"seed": draw.seed, "commitment": draw.seed_hash, "numbers": numbers, "winners": winners,
            "gifts": draw.gifts, "numbers_text": ",".join(map(str, numbers)),
            "winners_text": ",".join(map(str, winners))}


def given_draws(user):
    return GiftDraw.objects.filter(giver=user).select_related("product").order_by("-created_at", "-id")


def joined(user):
    return Participant.objects.filter(user=user).select_related("draw__product", "draw__giver") \
        .order_by("-joined_at", "-id")
