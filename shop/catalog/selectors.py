from django.db.models import Count, Min, Prefetch, Q

from .models import PricePolicy, Product

SORTS = {"new": ("-created_at", "-id"), "price": ("min_price", "id"), "-price": ("-min_price", "id")}


def product_list(*, q: str = "", kind: str = "", sort: str = "new", online_only: bool = True):
    products = Product.objects.online() if online_only else Product.objects.all()
    if q:
        products = products.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    if kind:
        products = products.filter(kind=kind)
    products = products.annotate(
        min_price=Min("policies__price", filter=Q(policies__is_active=True)),
        active_policies=Count("policies", filter=Q(policies__is_active=True)),
    )
    return products.order_by(*SORTS.get(sort, SORTS["new"]))


def product_detail(slug: str):
    return Product.objects.prefetch_related(
        Prefetch("policies", queryset=PricePolicy.objects.active(), to_attr="active_policies_list")
    ).get(slug=slug)
