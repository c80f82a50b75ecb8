from datetime import timedelta
from decimal import Decimal

from shop.catalog.models import Product

from .models import Coupon, CouponKind, CouponScope
from .services import schedule_jobs


def seed(*, now):
    product = Product.objects.online().filter(slug="python-data-analysis").first() or Product.objects.online().first()
    specs = [
        {"name": "Welcome ¥30 off ¥199", "kind": CouponKind.THRESHOLD, "value": Decimal("30"), "min_spend": Decimal("199"),
         "scope": CouponScope.GLOBAL, "quantity": 500, "claim_opens_at": now - timedelta(days=1),
         "claim_closes_at": now + timedelta(days=30), "valid_days": 30},
        {"name": "Weekend 15% off", "kind": CouponKind.PERCENT, "off_percent": 85, "scope": CouponScope.GLOBAL,
         "quantity": 200, "claim_opens_at": now - timedelta(hours=2), "claim_closes_at": now + timedelta(days=3),
         "valid_from": now - timedelta(hours=2), "valid_until": now + timedelta(days=14)},
        {"name": "Holiday special ¥50 off", "kind": CouponKind.FLAT, "value": Decimal("50"), "scope": CouponScope.GLOBAL,
         "quantity": 100, "claim_opens_at": now + timedelta(days=2), "claim_closes_at": now + timedelta(days=9),
         "valid_days": 14},
    ]
    if product:
        specs.insert(1, {"name": f"¥20 off {product.title}", "kind": CouponKind.FLAT, "value": Decimal("20"),
                         "scope": CouponScope.PRODUCT, "product": product, "quantity": 50,
                         "claim_opens_at": now - timedelta(days=1), "claim_closes_at": now + timedelta(days=10),
                         "valid_days": 20})
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
