from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop.core.errors import DomainError
from shop.wallet.services import open_wallet

from .models import Address, User


def register_user(*, username: str, password: str, email: str = "", **profile) -> User:
    """Create an account and its wallet.

    The password is hashed *before* the write transaction opens: hashing is slow on purpose
    (PBKDF2, ~0.3 s) and SQLite has a single writer, so a hash inside the transaction would hold
    the write lock for every other request (see "SQLite under a rush" in docs/architecture.md).
    The transaction only inserts the rows. A username taken meanwhile (two sign-ups racing past
    the form's check) is refused with ``DomainError(code="username_taken")``.
    """
    user = User(username=username, email=email, **profile)
    user.set_password(password)  # slow: outside the transaction
    try:
        with transaction.atomic():
            user.save()
            open_wallet(user)
    except IntegrityError:
        if User.objects.filter(username=username).exists():
            raise DomainError(_("A user with that username already exists."), code="username_taken") from None
        raise
    return user


@transaction.atomic
def address_save(*, user: User, address: Address, make_default: bool) -> Address:
    """Save ``address`` for ``user``; the first address, or one asked for, becomes the default."""
    address.user = user
    has_default = user.addresses.select_for_update().filter(is_default=True).exclude(pk=address.pk)
    if make_default or not has_default.exists():
        has_default.update(is_default=False)
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def address_set_default(*, user: User, address_id: int) -> Address:
    address = user.addresses.select_for_update().get(pk=address_id)
    user.addresses.filter(is_default=True).exclude(pk=address.pk).update(is_default=False)
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> None:
    address = user.addresses.select_for_update().get(pk=address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = user.addresses.order_by("-created_at").first()
        if successor:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


def mask_name(user) -> str:
    """A shopper's name as shown to other shoppers: first character + ** + last (``a**e``)."""
    name = (user.get_username() if user is not None else "") or "?"
    return name[0] + "**" if len(name) <= 2 else f"{name[0]}**{name[-1]}"


def address_matching(addresses, shipping: dict | None):
    """The address of ``addresses`` that ``shipping`` (a stored name/phone/address copy) was taken
    from, else the default one, else the first — what a "ship to" choice starts on."""
    if shipping:
        for address in addresses:
            if (address.name, address.phone, address.address) == (
                    shipping.get("name"), shipping.get("phone"), shipping.get("address")):
                return address
    return next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
