from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")


class ProductKind(models.TextChoices):
    REGULAR = "regular", _("Regular course")
    DEGREE = "degree", _("Degree programme")
    GIFT = "gift", _("Gift package")


#: kinds that are courses (paying grants an enrollment); a gift package credits gift units instead
COURSE_KINDS = (ProductKind.REGULAR, ProductKind.DEGREE)
#: a gift package carries 1 … MAX_GIFT_UNITS gifts
MAX_GIFT_UNITS = 100


class ProductQuerySet(models.QuerySet):
    def online(self):
        return self.filter(status=ProductStatus.ONLINE)


class Product(models.Model):
    """A course, or a gift package carrying ``gift_units`` gifts (its cover is the gift's photo,
    its description the gift's). Sold through one or more price policies."""

    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    cover = models.ImageField(_("cover"), upload_to="products/", blank=True)
    summary = models.CharField(_("summary"), max_length=240, blank=True)
    body = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.OFFLINE)
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.REGULAR)
    gift_units = models.PositiveSmallIntegerField(
        _("gifts in the package"), default=0,
        help_text=_("Gift packages only: how many gifts one purchase gives the buyer to hand out."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="gift", gift_units__gte=1, gift_units__lte=MAX_GIFT_UNITS)
                           | (~Q(kind="gift") & Q(gift_units=0))),
                name="product_gift_units_iff_gift"),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:detail", args=[self.slug])

    @property
    def is_online(self) -> bool:
        return self.status == ProductStatus.ONLINE

    @property
    def is_gift(self) -> bool:
        return self.kind == ProductKind.GIFT


#: Bounds of a price option (forms, service and CheckConstraints): a price up to one million and
#: at most ten years of access, so no order total or end date computed from them can overflow.
MAX_PRICE = Decimal("1000000.00")
MAX_DAYS = 3650
MAX_POSITION = 999


class PricePolicyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class PricePolicy(models.Model):
    """A way to buy a product: a price for a number of days of access.

    Policies are never deleted once used; retiring one sets ``is_active = False`` (a cart line
    pointing at it is then refused as "no longer available").
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="policies")
    label = models.CharField(_("display text"), max_length=40, help_text=_('e.g. "1 month", "3 months"'))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    days = models.PositiveIntegerField(_("validity (days)"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("available"), default=True)

    objects = PricePolicyQuerySet.as_manager()

    class Meta:
        ordering = ["position", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="policy_price_not_negative"),
            models.CheckConstraint(condition=Q(days__gt=0), name="policy_days_positive"),
            models.CheckConstraint(condition=Q(price__lte=MAX_PRICE, days__lte=MAX_DAYS, position__lte=MAX_POSITION),
                                   name="policy_bounded"),
        ]
        verbose_name = _("price policy")
        verbose_name_plural = _("price policies")

    def __str__(self) -> str:
        return f"{self.product} · {self.label}"


class CatalogueVersion(models.Model):
    """One row: a token replaced in the same transaction as every write to a course or a price
    option. The storefront keeps what it reads of the catalogue in each process under it
    (:mod:`shop.catalog.selectors`), and a signed-in page reads it with its session."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("catalogue version")
