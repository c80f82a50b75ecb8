"""Demo gift draws (issue 11): a gift package on sale; alice bought one (a paid order through the
money core) and has a full-3 draw open, which bob has joined. Idempotent."""

from decimal import Decimal

from django.db import transaction

from shop.accounts.models import User
from shop.catalog.models import PricePolicy, Product, ProductKind, ProductStatus
from shop.courses.services import COURSE
from shop.orders import services as order_services

from . import services
from .models import DrawStatus, GiftDraw, GiftHolding, Method, Participant

PACKAGE_SLUG = "tea-tasting-gift-box"
WISH = "Happy holidays! Three friends join, two of you get a tea tasting box."


def _package() -> Product:
    product, made = Product.objects.get_or_create(slug=PACKAGE_SLUG, defaults={
        "title": "Tea tasting gift box", "kind": ProductKind.GIFT, "gift_units": 5, "status": ProductStatus.ONLINE,
        "summary": "Five tasting boxes of spring teas to give away through a gift draw.",
        "body": "Each box holds four spring teas from small gardens, 25 g each, with tasting notes."})
    if made:
        PricePolicy.objects.create(product=product, label="5 boxes", price=Decimal("88.00"), days=1)
    return product


def _buy(user, package: Product, now) -> None:
    """A paid order for one package, through the money core (as if paid at the cashier)."""
    policy = package.policies.first()
    with transaction.atomic():
        order = order_services.open_order(user=user, now=now, spec=order_services.OrderSpec(
            kind=COURSE, original_total=policy.price, subtotal=policy.price, payable=policy.price,
            lines=[order_services.LineSpec(title=package.title, product=package, policy=policy,
                                           policy_label=policy.label, units=package.gift_units,
                                           original=policy.price, final=policy.price)]))
    order_services.mark_paid(order.pk, method="sandbox", now=now)


def seed(*, now):
    package = _package()
    alice, bob = User.objects.filter(username="alice").first(), User.objects.filter(username="bob").first()
    if alice is None or bob is None:
        return "gift draws: demo users missing"
    if not GiftHolding.objects.filter(user=alice, product=package).exists():
        _buy(alice, package, now)
    draw = GiftDraw.objects.filter(giver=alice, product=package, method=Method.FULL, status=DrawStatus.OPEN).first()
    if draw is None:
        draw = services.create_draw(user=alice, product_id=package.pk, gifts=2, method=Method.FULL, needed=3,
                                    wish=WISH, now=now, request_key="demo")
    if not Participant.objects.filter(draw=draw, user=bob).exists() and draw.joinable_at(now):
        services.join(draw_id=draw.pk, user=bob, now=now)
    return f"gift draws: a gift package; alice's full-3 draw /gifts/{draw.token}/ (bob joined)"


def reset():
    from shop.accounts.demo import demo_users

    users = demo_users()
    Participant.objects.filter(user__in=users).delete()
    draws = GiftDraw.objects.filter(giver__in=users)
    Participant.objects.filter(draw__in=draws).delete()
    draws.delete()
    GiftHolding.objects.filter(user__in=users).delete()
