from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import ProductStatus
from shop.core import clock


class Cart(models.Model):
    """A shopper's cart, in the database: exactly one owner, either a user (one cart per user)
    or an anonymous session (one cart per session key; merged into the user's cart at log-in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="cart")
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, session_key__isnull=True)
                | Q(user__isnull=True, session_key__isnull=False),
                name="cart_has_one_owner",
            ),
        ]
        verbose_name = _("cart")

    def __str__(self) -> str:
        return f"cart of {self.user or 'session ' + str(self.session_key)[:8]}"


class CartLineQuerySet(models.QuerySet):
    def available(self):
        """Lines that can still be bought: product online, policy active and its own."""
        return self.filter(product__status=ProductStatus.ONLINE, policy__is_active=True,
                           policy__product=F("product"))


class CartLine(models.Model):
    """One product in a cart with the chosen price policy (one line per product and cart)."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey("catalog.PricePolicy", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    objects = CartLineQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product")]
        verbose_name = _("cart line")

    def __str__(self) -> str:
        return f"{self.product} ({self.policy.label})"

    @property
    def available(self) -> bool:
        """Still for sale as chosen (needs ``product`` and ``policy`` loaded)."""
        return (self.product.status == ProductStatus.ONLINE and self.policy.is_active
                and self.policy.product_id == self.product_id)
