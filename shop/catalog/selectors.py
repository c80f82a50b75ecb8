"""Catalogue reads with their prices annotated, so a list is one query whatever its length."""

from __future__ import annotations

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet

from .models import PricePolicy, Product, ProductKind

#: storefront sort keys → ordering; products without an available policy sort last by price
SORTS = {
    "new": (F("created_at").desc(), F("id").desc()),
    "price": (F("min_price").asc(nulls_last=True), F("id").desc()),
    "-price": (F("min_price").desc(nulls_last=True), F("id").desc()),
}
DEFAULT_SORT = "new"


def with_prices(products: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate ``min_price`` (lowest available policy price, None if none) and
    ``active_policies`` (how many policies are available)."""
    active = Q(policies__is_active=True)
    return products.annotate(min_price=Min("policies__price", filter=active),
                             active_policies=Count("policies", filter=active))


def search(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    """Every word of ``q`` must appear in the title or the summary."""
    for word in q.split()[:8]:
        products = products.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    return products


def product_list(*, q: str = "", kind: str = "", sort: str = DEFAULT_SORT,
                 online_only: bool = True) -> QuerySet[Product]:
    products = Product.objects.online() if online_only else Product.objects.all()
    if q:
        products = search(products, q)
    if kind in ProductKind.values:
        products = products.filter(kind=kind)
    return with_prices(products).order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def product_detail(slug: str) -> Product:
    """The product with ``slug`` (online or not: the caller decides who may see it) and its
    available policies as ``active_policies_list``. Raises ``Product.DoesNotExist``."""
    return Product.objects.prefetch_related(
        Prefetch("policies", queryset=PricePolicy.objects.active(), to_attr="active_policies_list")
    ).get(slug=slug)
