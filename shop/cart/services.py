"""Cart writes. Carts live in the database: one per user, or one per anonymous session (its id is
kept in the session, which survives the key change at log-in) that is merged into the user's
cart when they log in.

Every limit is the database's: one cart per user / session key and one line per product and
cart are unique constraints; adding races are settled by retrying on ``IntegrityError``.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop.catalog.models import PricePolicy, Product, ProductStatus
from shop.core import clock, sql
from shop.core.errors import DomainError

from .models import Cart, CartLine

log = logging.getLogger(__name__)

#: session key holding the anonymous cart's id
SESSION_CART = "anon_cart_id"
_ATTEMPTS = 5


class LineNotFound(DomainError):
    def __init__(self):
        super().__init__(_("That course is no longer in your cart."), code="line_not_found")


# --- finding the cart ----------------------------------------------------------------------------
def cart_for(request, create: bool = False) -> Cart | None:
    """The request's cart: the logged-in user's, or the anonymous session's. ``None`` when there
    is none yet, unless ``create`` (which also starts the session of an anonymous visitor)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cart = next(iter(sql.select(Cart, "user_id = %s", [user.pk])), None)  # on every cart page: written out
        if cart is None and create:
            cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    session = request.session
    cart_id = session.get(SESSION_CART)
    cart = next(iter(sql.select(Cart, "id = %s AND user_id IS NULL", [cart_id])), None) if cart_id else None
    if cart is None and create:
        if session.session_key is None:
            session.save()
        cart, _created = Cart.objects.get_or_create(session_key=session.session_key)
        session[SESSION_CART] = cart.pk
    return cart


# --- what may be added ---------------------------------------------------------------------------
def offer(product: Product, policy_id) -> PricePolicy:
    """The price policy ``policy_id`` of ``product`` if both are on sale; refuses otherwise."""
    if product.status != ProductStatus.ONLINE:
        raise DomainError(_("This course is not on sale right now."), code="offline")
    try:
        policy_id = int(str(policy_id).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Choose a price option."), code="no_policy") from None
    policy = PricePolicy.objects.active().filter(pk=policy_id, product=product).first()
    if policy is None:
        raise DomainError(_("That price option is no longer available."), code="policy_gone")
    return policy


def _product(product: Product | str) -> Product:
    if isinstance(product, Product):
        return product
    found = Product.objects.filter(slug=str(product)).first()
    if found is None:
        raise DomainError(_("This course is not on sale right now."), code="offline")
    return found


def _touch(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(updated_at=clock.now())


# --- writes --------------------------------------------------------------------------------------
def add(cart: Cart, product: Product | str, policy_id) -> CartLine:
    """Put ``product`` (or its slug) in ``cart`` with the policy ``policy_id``. Adding a product
    that is already there changes its policy: there is one line per product, whoever races."""
    product = _product(product)
    policy = offer(product, policy_id)
    for _attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                updated = CartLine.objects.filter(cart=cart, product=product).update(policy=policy)
                if not updated:
                    CartLine.objects.create(cart=cart, product=product, policy=policy, added_at=clock.now())
                _touch(cart)
        except IntegrityError:  # the same product was inserted concurrently: update that line
            continue
        line = CartLine.objects.select_related("product", "policy").filter(cart=cart, product=product).first()
        if line is not None:
            return line
    log.warning("cart add gave up after %s attempts (cart %s, product %s)", _ATTEMPTS, cart.pk, product.pk)
    raise DomainError(_("Please try again."), code="retry")


def change_policy(cart: Cart, line_id, policy_id) -> CartLine:
    """Choose another price policy of the line's product (both must still be on sale)."""
    line = CartLine.objects.select_related("product").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise LineNotFound
    policy = offer(line.product, policy_id)
    with transaction.atomic():
        if not CartLine.objects.filter(cart=cart, pk=line.pk).update(policy=policy):
            raise LineNotFound
        _touch(cart)
    line.policy = policy
    return line


def remove(cart: Cart, line_id) -> bool:
    """Remove a line (whatever its state). False when it was not (or no longer) in the cart."""
    with transaction.atomic():
        deleted, _detail = CartLine.objects.filter(cart=cart, pk=line_id).delete()
        if deleted:
            _touch(cart)
    return bool(deleted)


def count(cart: Cart | None) -> int:
    """How many lines ``cart`` holds (0 for no cart)."""
    return CartLine.objects.filter(cart=cart).count() if cart is not None else 0


def merge_session_cart(session_cart: Cart, user_cart: Cart) -> int:
    """Move the anonymous cart's lines into the user's cart and delete it. For a product in both,
    the session's line (the shopper's most recent choice) wins. Returns the number of lines moved."""
    if session_cart.pk == user_cart.pk:
        return 0
    for _attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                products = CartLine.objects.filter(cart=session_cart).values("product_id")
                CartLine.objects.filter(cart=user_cart, product_id__in=products).delete()
                moved = CartLine.objects.filter(cart=session_cart).update(cart=user_cart)
                Cart.objects.filter(pk=session_cart.pk).delete()
                _touch(user_cart)
                return moved
        except IntegrityError:  # the user added one of these products meanwhile: do it again
            continue
    log.warning("cart merge gave up after %s attempts (cart %s → %s)", _ATTEMPTS, session_cart.pk, user_cart.pk)
    return 0


def merge_at_login(request, user) -> None:
    """Right after ``user`` logged in (called by the log-in and sign-up views): move the session's
    anonymous cart into the user's cart."""
    session = getattr(request, "session", None)
    cart_id = session.pop(SESSION_CART, None) if session is not None else None
    if not cart_id:
        return
    session_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    if session_cart is None:
        return
    if not CartLine.objects.filter(cart=session_cart).exists():
        session_cart.delete()
        return
    user_cart, _created = Cart.objects.get_or_create(user=user)
    merge_session_cart(session_cart, user_cart)
