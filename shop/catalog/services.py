"""Catalogue writes: products and their price policies. Every write is audited.

A price policy that is referenced by an order line or a cart line is never deleted: "removing" it
retires it (``is_active = False``), so orders keep their history and carts refuse it with a clear
message. Unreferenced policies are deleted. Order lines protect their policy in the database
(``on_delete=PROTECT``), so a policy bought while it is being removed is retired, not lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.apps import apps
from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from shop.core import audit
from shop.core.errors import DomainError
from shop.core.money import CENT, format_money
from shop.core.uploads import stored_first

from . import selectors
from .models import (
    MAX_DAYS,
    MAX_GIFT_UNITS,
    MAX_POSITION,
    MAX_PRICE,
    PricePolicy,
    Product,
    ProductKind,
    ProductStatus,
)

PRODUCT_FIELDS = ["title", "slug", "summary", "body", "kind", "gift_units", "status", "cover"]
#: what a gift package's price options store as their days: a purchase gives gifts, not access
GIFT_POLICY_DAYS = 1
POLICY_FIELDS = ["id", "label", "price", "days", "position", "is_active"]


@dataclass(frozen=True)
class PolicyInput:
    """One row of the price-policy editor. ``id`` is None for a new policy; ``remove`` asks to
    delete it (or retire it when it has been used). ``days`` is not used by a gift package: left
    empty there, :data:`GIFT_POLICY_DAYS` is stored."""

    label: str
    price: Decimal
    days: int | None
    position: int = 0
    is_active: bool = True
    id: int | None = None
    remove: bool = False


@dataclass(frozen=True)
class ProductInput:
    title: str
    slug: str = ""
    summary: str = ""
    body: str = ""
    kind: str = ProductKind.REGULAR
    status: str = ProductStatus.OFFLINE
    #: gifts one purchase of a gift package gives (1 … MAX_GIFT_UNITS); 0 for a course
    gift_units: int | None = 0
    #: an uploaded file to set, ``False`` to clear the cover, ``None`` to keep it
    cover: object = None
    policies: list[PolicyInput] = field(default_factory=list)


def unique_slug_for(title: str) -> str:
    """A slug from ``title``; the caller's save still relies on the unique constraint."""
    return slugify(title)[:140].strip("-")


def product_snapshot(product: Product) -> dict:
    """Fields and policies of ``product`` as JSON for the audit log."""
    data = audit.snapshot(product, PRODUCT_FIELDS)
    data["policies"] = [audit.snapshot(p, POLICY_FIELDS) for p in product.policies.order_by("position", "id")]
    return data


def _check_policy(row: PolicyInput) -> None:
    label = (row.label or "").strip()
    if not label:
        raise DomainError(_("Every price option needs a display text."), code="policy_label")
    if row.price is None or row.price <= 0:
        raise DomainError(_("Enter a price greater than zero."), code="policy_price")
    if row.price > MAX_PRICE:
        raise DomainError(_("Enter a price of at most %(max)s.") % {"max": format_money(MAX_PRICE)},
                          code="policy_price")
    if row.price != row.price.quantize(CENT):
        raise DomainError(_("Prices have at most two decimal places."), code="policy_price")
    if row.days is None or row.days <= 0:
        raise DomainError(_("Enter at least one day."), code="policy_days")
    if row.days > MAX_DAYS:
        raise DomainError(_("Enter at most %(max)s days (ten years).") % {"max": MAX_DAYS}, code="policy_days")
    if not 0 <= (row.position or 0) <= MAX_POSITION:
        raise DomainError(_("Enter an order from 0 to %(max)s.") % {"max": MAX_POSITION}, code="policy_position")


def gift_units_for(kind: str, units: int | None) -> int:
    """The units a product of ``kind`` stores: 1 … MAX_GIFT_UNITS for a gift package, 0 for a
    course (``None`` reads as 0). Raises ``DomainError`` (code ``gift_units``) otherwise."""
    units = units or 0
    if kind == ProductKind.GIFT:
        if not 1 <= units <= MAX_GIFT_UNITS:
            raise DomainError(_("A gift package holds 1 to %(max)s gifts.") % {"max": MAX_GIFT_UNITS},
                              code="gift_units")
        return units
    if units:
        raise DomainError(_("Only a gift package holds gifts: leave the number of gifts empty for a course."),
                          code="gift_units")
    return 0


def product_save(*, actor, data: ProductInput, product_id: int | None = None) -> Product:
    """Create (``product_id`` None) or update a product and its price policies in one transaction
    (a new cover is written to storage before it, and removed if it fails).

    Raises ``DomainError`` with ``code`` ``"slug_taken"``, ``"no_policy"``, ``"online_needs_policy"``,
    ``"gift_units"``, ``"kind_sold"``, ``"policy_*"`` or ``"unknown_policy"``.
    """
    with stored_first(Product._meta.get_field("cover"), data.cover) as cover:
        return _product_save(actor=actor, data=replace(data, cover=cover), product_id=product_id)


def _sold(product: Product) -> bool:
    """Whether any order holds the product: what paying for it granted (an enrollment or gift
    units) and what a refund takes back follow its kind, so that may no longer change."""
    return apps.get_model("orders", "OrderLine").objects.filter(product=product).exists()


@transaction.atomic
def _product_save(*, actor, data: ProductInput, product_id: int | None) -> Product:
    if product_id is not None:
        product = Product.objects.select_for_update().get(pk=product_id)
        before = product_snapshot(product)
    else:
        product, before = Product(), None
    title = data.title.strip()
    if not title:
        raise DomainError(_("Enter a title."), code="title")
    slug = (data.slug or "").strip() or unique_slug_for(title)
    if not slug_re.fullmatch(slug):
        raise DomainError(_("Enter a slug made of letters, numbers and dashes."), code="slug")
    product.title, product.slug = title, slug
    product.summary, product.body = data.summary.strip(), data.body.strip()
    kind = ProductKind(data.kind).value
    if before is not None and (kind == ProductKind.GIFT) != product.is_gift and _sold(product):
        raise DomainError(_("This product has been sold, so it can't change between a course and a gift package."),
                          code="kind_sold")
    product.kind = kind
    product.gift_units = gift_units_for(product.kind, data.gift_units)
    product.status = ProductStatus(data.status).value
    if data.cover is False:
        product.cover = ""
    elif data.cover:
        product.cover = data.cover
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise DomainError(_("Another course already uses the slug “%(slug)s”.") % {"slug": slug},
                          code="slug_taken") from None

    _save_policies(product, data.policies, gift=product.is_gift)
    if not product.policies.exists():
        raise DomainError(_("Add at least one price option."), code="no_policy")
    if product.status == ProductStatus.ONLINE and not product.policies.active().exists():
        raise DomainError(_("An online course needs at least one available price option."),
                          code="online_needs_policy")
    audit.record(actor=actor, action="product.update" if before else "product.create", target=product,
                 before=before, after=product_snapshot(product))
    return product


def _save_policies(product: Product, rows: list[PolicyInput], *, gift: bool) -> None:
    existing = {p.pk: p for p in PricePolicy.objects.select_for_update().filter(product=product)}
    for row in rows:
        if row.id is not None and row.id not in existing:
            raise DomainError(_("That price option does not belong to this course."), code="unknown_policy")
        if row.remove:
            if row.id is not None:
                _retire_or_delete(existing[row.id])
            continue
        if gift and not row.days:
            row = replace(row, days=GIFT_POLICY_DAYS)
        _check_policy(row)
        policy = existing.get(row.id) or PricePolicy(product=product)
        policy.label, policy.price, policy.days = row.label.strip(), row.price, row.days
        policy.position, policy.is_active = row.position or 0, row.is_active
        policy.save()


def _retire_or_delete(policy: PricePolicy) -> None:
    """Delete an unused policy; retire one that a cart or an order refers to."""
    from shop.cart.models import CartLine

    if not CartLine.objects.filter(policy=policy).exists():
        try:
            with transaction.atomic():
                policy.delete()
            return
        except ProtectedError:  # an order line holds it
            pass
    PricePolicy.objects.filter(pk=policy.pk).update(is_active=False)
    selectors.catalogue_changed()  # update() sends no signal


@transaction.atomic
def product_set_status(*, actor, product_id: int, status: str) -> Product:
    """Put a product online or take it offline. Putting it online needs an available policy.
    Setting the status it already has changes nothing and writes no audit record."""
    try:
        status = ProductStatus(status).value
    except ValueError:
        raise DomainError(_("Unknown status."), code="status") from None
    product = Product.objects.select_for_update().get(pk=product_id)
    if product.status == status:
        return product
    if status == ProductStatus.ONLINE and not product.policies.active().exists():
        raise DomainError(_("Add an available price option before putting “%(title)s” online.")
                          % {"title": product.title}, code="online_needs_policy")
    before = {"status": product.status}
    product.status = status
    product.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="product.status", target=product, before=before,
                 after={"status": product.status})
    return product
