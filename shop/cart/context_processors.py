from functools import cache

from shop.catalog import fragments

from .models import CartLine
from .services import SESSION_CART


def cart(request):
    """``cart_count`` for the header badge and ``navbar_key`` for the cached header.

    Both are computed only when a template uses them: ``cart_count`` is one query (never for
    visitors without an account or a cart in their session; views that already know it pass
    ``cart_count`` themselves), ``navbar_key`` addresses the rendered header (see
    :mod:`shop.catalog.fragments`) by everything it shows but the cart count (which the
    template adds, so that a view's own count saves the query): the shopper, their name and
    staff flag, the page's address (log-in link) and, for the log-out form's token, the
    browser's CSRF secret (not cached for a browser without one yet). Whatever the header
    comes to show (a permission, a count) must be added to this key."""

    @cache
    def cart_count() -> int:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return CartLine.objects.filter(cart__user_id=user.pk).count()
        session = getattr(request, "session", None)
        cart_id = session.get(SESSION_CART) if session is not None else None
        if not cart_id:
            return 0
        return CartLine.objects.filter(cart_id=cart_id, cart__user__isnull=True).count()

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
