from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Cart(models.Model):
    """A shopper's cart (``user``) or an anonymous visitor's (``session_key``), in the database."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="cart")
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(session_key__isnull=False), name="cart_has_owner"),
        ]
        verbose_name = _("cart")

    def __str__(self) -> str:
        return f"cart of {self.user or self.session_key}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey("catalog.PricePolicy", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product")]
        verbose_name = _("cart line")

    def __str__(self) -> str:
        return f"{self.product} ({self.policy.label})"

    @property
    def available(self) -> bool:
        return (self.product.status == "online" and self.policy.is_active
                and self.policy.product_id == self.product_id)
