from decimal import Decimal

from .models import PricePolicy, Product, ProductKind, ProductStatus

PLANS = [("1 month", "99.00", 30), ("3 months", "259.00", 90), ("12 months", "899.00", 365)]
PRODUCTS = [
    ("python-data-analysis", "Python for Data Analysis", "pandas, NumPy and plotting, from raw CSV to insight.", 1.0),
    ("product-management", "Product Management Fundamentals", "Discovery, roadmaps and shipping what users need.", 1.2),
    ("django-web-apps", "Building Web Apps with Django", "Models, views, forms and deployment, the Django way.", 1.1),
    ("ux-design-basics", "UX Design Basics", "Research, wireframes and usability testing.", 0.8),
    ("sql-for-analysts", "SQL for Analysts", "Joins, window functions and query plans.", 0.7),
    ("machine-learning-intro", "Introduction to Machine Learning", "Regression, trees and model evaluation.", 1.5),
]


def seed(*, now):
    created = 0
    for slug, title, summary, factor in PRODUCTS:
        product, made = Product.objects.get_or_create(
            slug=slug, defaults={"title": title, "summary": summary, "status": ProductStatus.ONLINE,
                                 "body": f"{summary}\n\nSelf-paced lessons, exercises and a final project."})
        if made:
            created += 1
            for position, (label, price, days) in enumerate(PLANS):
                PricePolicy.objects.create(product=product, label=label, days=days, position=position,
                                           price=(Decimal(price) * Decimal(str(factor))).quantize(Decimal("1")))
    degree, made = Product.objects.get_or_create(
        slug="mba-digital-business", defaults={
            "title": "MBA in Digital Business", "kind": ProductKind.DEGREE, "status": ProductStatus.ONLINE,
            "summary": "A mentored, two-year degree programme for working professionals.",
            "body": "Strategy, finance, data and leadership, with a personal mentor."})
    if made:
        created += 1
        PricePolicy.objects.create(product=degree, label="1 year", price=Decimal("12800.00"), days=365)
        PricePolicy.objects.create(product=degree, label="2 years", price=Decimal("22800.00"), days=730, position=1)
    offline, made = Product.objects.get_or_create(
        slug="legacy-flash", defaults={"title": "Flash Animation (retired)", "status": ProductStatus.OFFLINE,
                                       "summary": "No longer on sale."})
    if made:
        created += 1
        PricePolicy.objects.create(product=offline, label="1 month", price=Decimal("49.00"), days=30)
    return f"products created: {created}"


def reset():
    from shop.cart.models import CartLine

    CartLine.objects.filter(product__slug__in=[p[0] for p in PRODUCTS]).delete()
