"""Cart reads: the cart page and checkout read lines through these (a bounded number of queries)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Prefetch

from shop.catalog import fragments
from shop.catalog.models import PricePolicy
from shop.core.money import ZERO

from .models import Cart, CartLine


def parse_ids(raw: Iterable) -> set[int]:
    """Line ids from request values (``?lines=3&lines=7``); anything that is not a positive
    integer is ignored."""
    ids = set()
    for value in raw:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:
            ids.add(number)
    return ids


def lines_for(cart: Cart | None) -> list[CartLine]:
    """The cart's lines, oldest first, with product, policy and the product's available policies
    (``line.product.options``, for the policy picker) loaded: three queries whatever the size."""
    if cart is None:
        return []
    return list(
        CartLine.objects.filter(cart=cart)
        .select_related("product", "policy")
        .prefetch_related(Prefetch("product__policies", queryset=PricePolicy.objects.active(), to_attr="options"))
    )


def line_for(cart: Cart | None, line_id) -> CartLine | None:
    """One line of ``cart`` (with the same data as ``lines_for``) or None."""
    if cart is None:
        return None
    try:
        line_id = int(line_id)
    except (TypeError, ValueError):
        return None
    return (
        CartLine.objects.filter(cart=cart, pk=line_id)
        .select_related("product", "policy")
        .prefetch_related(Prefetch("product__policies", queryset=PricePolicy.objects.active(), to_attr="options"))
        .first()
    )


def checkout_lines(user, line_ids: Iterable) -> list[CartLine]:
    """The lines of ``user``'s cart among ``line_ids`` that can be bought now (product online,
    policy active and its own), with product and policy loaded, in id order. Lines that are not
    theirs, gone or no longer available are left out: compare lengths to notice."""
    ids = parse_ids(line_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return []
    return list(
        CartLine.objects.available().filter(cart__user=user, pk__in=ids).select_related("product", "policy")
        .order_by("pk")
    )


def cart_key(request, lines: Iterable[CartLine]) -> str | None:
    """The cart page's cached content (:mod:`shop.catalog.fragments`), addressed by what it
    shows: each line with its product (and whether it is online), chosen policy and the
    product's policies. None for a browser without a CSRF secret (each line has forms)."""
    secret = fragments.csrf_secret(request)
    if secret is None:
        return None
    shown = [(line.pk, line.policy_id, line.product_id, line.product.updated_at, line.product.status,
              [(p.pk, p.label, p.price, p.is_active) for p in line.product.policies.all()]) for line in lines]
    return fragments.key("cart-page", secret, shown)


def total(lines: Iterable[CartLine]) -> Decimal:
    """Sum of the chosen prices of the available ``lines``."""
    return sum((line.policy.price for line in lines if line.available), ZERO)
