"""Carts live in the database: one per user, or one per anonymous session (merged at log-in)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop.catalog.models import PricePolicy, Product, ProductStatus
from shop.core import clock
from shop.core.errors import DomainError

from .models import Cart, CartLine

SESSION_CART = "anon_cart_id"


def cart_for(request, *, create: bool = False) -> Cart | None:
    """The request's cart: the user's, or the anonymous session's (its id is kept in the session,
    which survives the key change at log-in)."""
    if request.user.is_authenticated:
        cart = Cart.objects.filter(user=request.user).first()
        if cart is None and create:
            cart, _created = Cart.objects.get_or_create(user=request.user)
        return cart
    cart_id = request.session.get(SESSION_CART)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        if request.session.session_key is None:
            request.session.save()
        cart, _created = Cart.objects.get_or_create(session_key=request.session.session_key)
        request.session[SESSION_CART] = cart.pk
    return cart


def _policy(product: Product, policy_id) -> PricePolicy:
    try:
        policy_id = int(policy_id)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a price option."), code="no_policy") from None
    if product.status != ProductStatus.ONLINE:
        raise DomainError(_("This course is not on sale right now."), code="offline")
    policy = PricePolicy.objects.filter(pk=policy_id, product=product, is_active=True).first()
    if policy is None:
        raise DomainError(_("That price option is no longer available."), code="policy_gone")
    return policy


def add(cart: Cart, product: Product, policy_id) -> CartLine:
    """Add a product; adding it again changes the chosen policy (one line per product)."""
    policy = _policy(product, policy_id)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                updated = CartLine.objects.filter(cart=cart, product=product).update(policy=policy)
                if not updated:
                    CartLine.objects.create(cart=cart, product=product, policy=policy, added_at=clock.now())
                return CartLine.objects.select_related("product", "policy").get(cart=cart, product=product)
        except IntegrityError:  # the same product was added concurrently: update it instead
            continue
    raise DomainError(_("Please try again."), code="retry")


def change_policy(cart: Cart, line_id: int, policy_id) -> CartLine:
    line = CartLine.objects.select_related("product").get(cart=cart, pk=line_id)
    line.policy = _policy(line.product, policy_id)
    line.save(update_fields=["policy"])
    return line


def remove(cart: Cart, line_id: int) -> None:
    CartLine.objects.get(cart=cart, pk=line_id).delete()


def count(cart: Cart | None) -> int:
    return cart.lines.count() if cart else 0


@transaction.atomic
def merge(session_cart: Cart, user_cart: Cart) -> None:
    """Move the anonymous lines into the user's cart; the session's (newer) choice wins."""
    for line in session_cart.lines.select_related("product"):
        CartLine.objects.filter(cart=user_cart, product=line.product).delete()
        line.cart = user_cart
        line.save(update_fields=["cart"])
    session_cart.delete()


def merge_at_login(sender, request, user, **kwargs):
    """``user_logged_in``: move the anonymous cart (its id is in the session) into the user's."""
    cart_id = request.session.pop(SESSION_CART, None) if hasattr(request, "session") else None
    if not cart_id:
        return
    session_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    if session_cart is None:
        return
    user_cart, _ = Cart.objects.get_or_create(user=user)
    merge(session_cart, user_cart)
