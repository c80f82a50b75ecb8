from django.db import transaction

from shop.core import audit

from .models import PricePolicy, Product, ProductStatus

FIELDS = ["title", "slug", "summary", "kind", "status"]


@transaction.atomic
def product_save(*, form, policies, actor) -> Product:
    """Save a product and its price policies. A removed policy that an order or a cart already
    used is retired (``is_active = False``), never deleted."""
    before = audit.snapshot(Product.objects.get(pk=form.instance.pk), FIELDS) if form.instance.pk else None
    product = form.save()
    policies.instance = product
    saved = policies.save(commit=False)
    for policy in saved:
        policy.product = product
        policy.save()
    for policy in policies.deleted_objects:
        _retire_or_delete(policy)
    audit.record(actor=actor, action="product.update" if before else "product.create", target=product,
                 before=before, after={**audit.snapshot(product, FIELDS), "policies": [
                     f"{p.label} {p.price} {p.days}d{'' if p.is_active else ' retired'}"
                     for p in product.policies.all()]})
    return product


def _retire_or_delete(policy: PricePolicy) -> None:
    from shop.cart.models import CartLine
    from shop.orders.models import OrderLine

    if OrderLine.objects.filter(policy=policy).exists() or CartLine.objects.filter(policy=policy).exists():
        PricePolicy.objects.filter(pk=policy.pk).update(is_active=False)
    else:
        policy.delete()


@transaction.atomic
def product_set_status(*, product_id: int, status: str, actor) -> Product:
    product = Product.objects.select_for_update().get(pk=product_id)
    before = product.status
    product.status = ProductStatus(status).value
    product.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="product.status", target=product, before={"status": before},
                 after={"status": product.status})
    return product
