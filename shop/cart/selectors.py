"""Cart reads: the cart page and checkout read lines through these (a bounded number of queries)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from shop.catalog.models import PricePolicy, Product
from shop.core import fragments, sql
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
    """The cart's lines, oldest first, with product, policy and the product's active policies
    (``line.product.options``, for the policy picker) loaded: three written-out SELECTs
    (``shop.core.sql``) whatever the size — the cart page is on every shopper's way to paying."""
    if cart is None:
        return []
    lines = sql.select(CartLine, "cart_id = %s", [cart.pk], order_by="added_at, id")
    if not lines:
        return []
    products = sql.load_related(lines, "product")
    policies = sql.select_in(PricePolicy, "product_id", sorted(products), order_by="position, price, id")
    by_id = {policy.pk: policy for policy in policies}
    stray = sorted({line.policy_id for line in lines} - by_id.keys())  # another product's (never via the UI)
    by_id.update({p.pk: p for p in sql.select_in(PricePolicy, "id", stray)})
    for product in products.values():
        product.options = [p for p in policies if p.product_id == product.pk and p.is_active]
    for line in lines:
        CartLine.policy.field.set_cached_value(line, by_id[line.policy_id])
    return lines


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


def page_key(request) -> tuple[str | None, int]:
    """The cart page's cached content (:mod:`shop.core.fragments`) and its number of lines, read
    by one written-out SELECT of plain values — the cart found by the shopper (or the visitor's
    session) and, per line, its chosen option (price, active, whose) and its product's state and
    options — so that a cart page served from the cache reads nothing else. The lines are read
    as models only to render it. The key is None for a browser without a CSRF secret (each line
    has forms)."""
    from .services import SESSION_CART

    user = request.user
    if user.is_authenticated:
        condition, value = "c.user_id = %s", user.pk
    else:  # a visitor's cart, if their session has one
        condition, value = "c.id = %s AND c.user_id IS NULL", request.session.get(SESSION_CART)
    shown = _page_shown(condition, value)
    count = len({row[0] for row in shown})
    secret = fragments.csrf_secret(request)
    if secret is None:
        return None, count

    def key(shown) -> str:
        return fragments.key("cart-page", secret, shown)

    return fragments.read_first(key(shown), lambda: key(_page_shown(condition, value))), count


def _page_shown(condition: str, value) -> list[tuple]:
    if not value:
        return []
    query = (
        f"SELECT l.id, l.policy_id, l.product_id, p.updated_at, p.status, lp.product_id, lp.is_active, lp.price, "
        f"o.id, o.label, o.price, o.is_active "
        f"FROM {sql.table(Cart)} c JOIN {sql.table(CartLine)} l ON l.cart_id = c.id "
        f"JOIN {sql.table(Product)} p ON p.id = l.product_id JOIN {sql.table(PricePolicy)} lp ON lp.id = l.policy_id "
        f"LEFT JOIN {sql.table(PricePolicy)} o ON o.product_id = l.product_id "
        f"WHERE {condition} ORDER BY l.added_at, l.id, o.position, o.price, o.id"
    )
    return sql.rows(query, [value])


def total(lines: Iterable[CartLine]) -> Decimal:
    """Sum of the chosen prices of the available ``lines``."""
    return sum((line.policy.price for line in lines if line.available), ZERO)
