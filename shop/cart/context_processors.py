from functools import cache

from shop.core import fragments, sql

from .models import Cart, CartLine
from .selectors import shown_count, shown_of_user
from .services import SESSION_CART


def cart(request):
    """``cart_count`` for the header badge and ``navbar_key`` for the cached header.

    Both are computed only when a template uses them: ``cart_count`` is read with the signed-in
    user (else one query; none for visitors without a cart in their session; views that change
    the cart and render pass ``cart_count`` themselves), ``navbar_key`` addresses the rendered header (see
    :mod:`shop.core.fragments`) by everything it shows but the cart count (which the
    template adds, so that a view's own count saves the query): the shopper, their name and
    staff flag, the page's address (log-in link) and, for the log-out form's token, the
    browser's CSRF secret (not cached for a browser without one yet). Whatever the header
    comes to show (a permission, a count) must be added to this key."""

    @cache
    def cart_count() -> int:
        user = getattr(request, "user", None)
        lines, carts = sql.table(CartLine), sql.table(Cart)
        if user is not None and user.is_authenticated:
            shown = getattr(user, "cart_shown", None)  # read with the user (selectors.shown_of_user)
            if shown is None:
                shown = sql.execute(f"SELECT {shown_of_user('%s')}", [user.pk])[1][0]
            return shown_count(shown)
        session = getattr(request, "session", None)
        cart_id = session.get(SESSION_CART) if session is not None else None
        if not cart_id:
            return 0
        return _count(f"SELECT COUNT(*) FROM {lines} l JOIN {carts} c ON c.id = l.cart_id "
                      f"WHERE c.id = %s AND c.user_id IS NULL", cart_id)

    @cache
    def navbar_key() -> str | None:
        user = getattr(request, "user", None)
        secret = fragments.csrf_secret(request)
        if user is None or secret is None:
            return None
        who = (user.pk, user.get_username(), user.shown_name, user.is_staff, user.is_superuser) \
            if user.is_authenticated else None
        return fragments.key("navbar", who, secret, request.get_full_path())

    return {"cart_count": cart_count, "navbar_key": navbar_key}


def _count(query: str, key) -> int:
    """The badge's count on every page: written out (shop.core.sql), the ORM cost more to build it."""
    return sql.execute(query, [key])[1][0]
