from datetime import timedelta
from decimal import Decimal

from shop.catalog.models import Product

from .models import Coupon, CouponKind, CouponScope
from .services import schedule_jobs


def seed(*, now):
    """Two coupons claiming now (a global one, and one bound to an online course if there is
    any), a percent one, and one whose claim opens in two days. Idempotent by name."""
    product = Product.objects.online().filter(slug="python-data-analysis").first() or Product.objects.online().first()
    hour, day = timedelta(hours=1), timedelta(days=1)
    specs = [
        {"name": "Welcome ¥30 off ¥199", "description": "For any order of ¥199 or more.",
         "kind": CouponKind.THRESHOLD, "value": Decimal("30"), "min_spend": Decimal("199"),
         "scope": CouponScope.GLOBAL, "quantity": 500,
         "claim_opens_at": now - day, "claim_closes_at": now + 30 * day, "valid_days": 30},
        {"name": "Weekend 15% off", "description": "Pay 85% of any order this weekend.",
         "kind": CouponKind.PERCENT, "off_percent": 85, "scope": CouponScope.GLOBAL, "quantity": 200,
         "claim_opens_at": now - 2 * hour, "claim_closes_at": now + 3 * day,
         "valid_from": now - 2 * hour, "valid_until": now + 14 * day},
        {"name": "Holiday special ¥50 off", "description": "Opens in two days — set a reminder.",
         "kind": CouponKind.FLAT, "value": Decimal("50"), "scope": CouponScope.GLOBAL, "quantity": 100,
         "claim_opens_at": now + 2 * day, "claim_closes_at": now + 9 * day, "valid_days": 14},
    ]
    if product:
        specs.insert(1, {"name": f"¥20 off {product.title}", "description": "Only for this course.",
                         "kind": CouponKind.FLAT, "value": Decimal("20"), "scope": CouponScope.PRODUCT,
                         "product": product, "quantity": 50,
                         "claim_opens_at": now - day, "claim_closes_at": now + 10 * day, "valid_days": 20})
    created = 0
    for spec in specs:
        coupon, made = Coupon.objects.get_or_create(name=spec["name"], defaults=spec)
        if made:
            created += 1
            coupon.status = coupon.claim_status_at(now)
            coupon.save(update_fields=["status"])
            schedule_jobs(coupon, now=now)
    return f"coupons created: {created}" + ("" if product else " (no online product for a course coupon)")


def reset():
    Coupon.objects.filter(claims__isnull=True).delete()
