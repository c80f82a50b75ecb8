from .models import CartLine
from .services import SESSION_CART


def cart(request):
    """Header badge count: one small query, none for visitors without a cart."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"cart_count": CartLine.objects.filter(cart__user=user).count()}
    session = getattr(request, "session", None)
    cart_id = session.get(SESSION_CART) if session is not None else None
    return {"cart_count": CartLine.objects.filter(cart_id=cart_id).count() if cart_id else 0}
