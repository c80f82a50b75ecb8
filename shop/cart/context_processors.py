from functools import cache

from .models import CartLine
from .services import SESSION_CART


def cart(request):
    """``cart_count`` for the header badge. It is counted only when a template shows it (one
    query) and never for visitors without an account or a cart in their session. Views that
    already know the count pass ``cart_count`` themselves."""

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

    return {"cart_count": cart_count}
