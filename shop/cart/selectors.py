"""Cart reads: the cart page and checkout read lines through these (a bounded number of queries)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection

from shop.catalog.models import PricePolicy, Product
from shop.catalog.selectors import catalogue_version, version_column
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
    """The cart page's cached content (:mod:`shop.core.fragments`) and its number of lines. A
    signed-in shopper's key is read with their session (:func:`shown_of_user` and the
    catalogue's version: the lines and options a cart shows are catalogue rows, so a new version
    covers every change to them), so a cart page served from the cache makes no query of its
    own; a visitor's is one written-out SELECT of plain values. The lines are read as models
    only to render it. The key is None for a browser without a CSRF secret (each line has
    forms)."""
    from .services import SESSION_CART

    user = request.user
    if user.is_authenticated:
        shown = getattr(user, "cart_shown", None)
        reread = functools.partial(_signed_in_shown, user.pk)
        seen = (catalogue_version(request), shown) if shown is not None else reread()
        count = shown_count(seen[1])
    else:  # a visitor's cart, if their session has one
        reread = functools.partial(_visitor_shown, request.session.get(SESSION_CART))
        seen = reread()
        count = len({row[0] for row in seen})
    secret = fragments.csrf_secret(request)
    if secret is None:
        return None, count
    return fragments.read_first(fragments.key("cart-page", secret, seen),
                                lambda: fragments.key("cart-page", secret, reread())), count


def shown_of_user(user_id_column: str) -> str:
    """What a signed-in shopper's cart shows, as a scalar subquery on their row read with their
    session on every page (:func:`shop.core.sessions.read_with_user`): its lines as
    ``line:option`` in the page's order, comma-separated, ``''`` for none. The header's badge
    counts it (:func:`shown_count`); with the catalogue's version it keys the cart page."""
    line = "CAST(l.id AS TEXT) || ':' || CAST(l.policy_id AS TEXT)"
    lines = (f"FROM {sql.table(CartLine)} l JOIN {sql.table(Cart)} c ON c.id = l.cart_id "
             f"WHERE c.user_id = {user_id_column}")
    if connection.vendor == "postgresql":
        return f"(SELECT COALESCE(string_agg({line}, ',' ORDER BY l.added_at, l.id), '') {lines})"
    return f"(SELECT COALESCE(group_concat(shown, ','), '') FROM (SELECT {line} AS shown {lines} ORDER BY l.added_at, l.id))"


def shown_count(shown: str) -> int:
    """The number of lines in a :func:`shown_of_user` text."""
    return shown.count(",") + 1 if shown else 0


def _signed_in_shown(user_id: int) -> tuple[str, str]:
    """The catalogue's version and the user's :func:`shown_of_user`, read now (for a user not
    read with a session, and to confirm a miss's key)."""
    return tuple(sql.execute(f"SELECT {version_column()}, {shown_of_user('%s')}", [user_id])[1])


def _visitor_shown(cart_id) -> list[tuple]:
    """What a visitor's cart page shows, per line and option, as plain values."""
    if not cart_id:
        return []
    query = (
        f"SELECT l.id, l.policy_id, l.product_id, p.updated_at, p.status, lp.product_id, lp.is_active, lp.price, "
        f"o.id, o.label, o.price, o.is_active "
        f"FROM {sql.table(Cart)} c JOIN {sql.table(CartLine)} l ON l.cart_id = c.id "
        f"JOIN {sql.table(Product)} p ON p.id = l.product_id JOIN {sql.table(PricePolicy)} lp ON lp.id = l.policy_id "
        f"LEFT JOIN {sql.table(PricePolicy)} o ON o.product_id = l.product_id "
        f"WHERE c.id = %s AND c.user_id IS NULL ORDER BY l.added_at, l.id, o.position, o.price, o.id"
    )
    return sql.rows(query, [cart_id])


def total(lines: Iterable[CartLine]) -> Decimal:
    """Sum of the chosen prices of the available ``lines``."""
    return sum((line.policy.price for line in lines if line.available), ZERO)
