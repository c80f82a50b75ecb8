"""Credit conversion (SPEC §5): gems into wallet balance at a configured rate, once a calendar
month per shopper, inside a window, within a platform-wide monthly quota.

Bounds live here (``MAX_*``) and are enforced three times: the backoffice form (with words), the
service (``DomainError``) and a ``CheckConstraint``."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shop.wallet.models import WALLET_MAX

MIN_RATE = Decimal("0.0001")
MAX_RATE = Decimal("1000.0000")  # balance per gem
MAX_LOSS = Decimal("99.99")  # percent
MIN_GEMS = Decimal("1")
MAX_GEMS = WALLET_MAX
MAX_QUOTA = WALLET_MAX

SETTINGS_ID = 1


class ConversionSettings(models.Model):
    """The one row of conversion terms (``id`` = 1, a constraint keeps it single)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=SETTINGS_ID, editable=False)
    rate = models.DecimalField(_("rate (balance per gem)"), max_digits=8, decimal_places=4,
                               help_text=_("How much balance one gem is worth before the loss."))
    loss_percent = models.DecimalField(_("loss rate (%)"), max_digits=4, decimal_places=2, default=Decimal("0"),
                                       help_text=_("Taken off the converted value, 0–99.99 %."))
    min_gems = models.DecimalField(_("minimum gems"), max_digits=12, decimal_places=2,
                                   help_text=_("The fewest gems one conversion may take."))
    opens_at = models.DateTimeField(_("window opens"))
    closes_at = models.DateTimeField(_("window closes"))
    monthly_quota = models.DecimalField(
        _("monthly quota"), max_digits=12, decimal_places=2,
        help_text=_("The most balance all shoppers together may receive in one calendar month. It is copied "
                    "into a month at that month's first conversion; later changes apply from the next month."))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("conversion settings")
        verbose_name_plural = _("conversion settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=SETTINGS_ID), name="conversion_settings_single_row"),
            models.CheckConstraint(condition=Q(rate__gte=MIN_RATE, rate__lte=MAX_RATE),
                                   name="conversion_rate_in_bounds"),
            models.CheckConstraint(condition=Q(loss_percent__gte=0, loss_percent__lte=MAX_LOSS),
                                   name="conversion_loss_in_bounds"),
            models.CheckConstraint(condition=Q(min_gems__gte=MIN_GEMS, min_gems__lte=MAX_GEMS),
                                   name="conversion_min_gems_in_bounds"),
            models.CheckConstraint(condition=Q(monthly_quota__gte=0, monthly_quota__lte=MAX_QUOTA),
                                   name="conversion_quota_in_bounds"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="conversion_window_ordered"),
        ]

    def __str__(self) -> str:
        return "conversion settings"


class ConversionMonth(models.Model):
    """A calendar month (site time zone) of conversions: its quota, copied from the settings at
    the month's first conversion, and what has been used. ``used`` moves only by the conditional
    ``UPDATE … SET used = used + x WHERE used + x <= quota`` in ``services.convert``."""

    month = models.CharField(_("month"), max_length=7, unique=True)  # "YYYY-MM"
    quota = models.DecimalField(_("quota"), max_digits=12, decimal_places=2)
    used = models.DecimalField(_("used"), max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("conversion month")
        constraints = [
            models.CheckConstraint(condition=Q(quota__gte=0, quota__lte=MAX_QUOTA), name="conversion_month_quota_bounds"),
            models.CheckConstraint(condition=Q(used__gte=0, used__lte=F("quota")), name="conversion_month_within_quota"),
        ]

    def __str__(self) -> str:
        return self.month

    @property
    def left(self) -> Decimal:
        return self.quota - self.used


class Conversion(models.Model):
    """One shopper's conversion of one month (the unique constraint is the once-a-month rule)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversions")
    month = models.CharField(_("month"), max_length=7)
    gems = models.DecimalField(_("gems"), max_digits=12, decimal_places=2)
    rate = models.DecimalField(_("rate"), max_digits=8, decimal_places=4)
    loss_percent = models.DecimalField(_("loss rate (%)"), max_digits=4, decimal_places=2)
    gross = models.DecimalField(_("gross"), max_digits=12, decimal_places=2)
    credited = models.DecimalField(_("balance credited"), max_digits=12, decimal_places=2)
    request_key = models.CharField(max_length=64, blank=True, editable=False)  # the form's one-time key
    created_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("conversion")
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="conversion_once_a_month"),
            models.CheckConstraint(condition=Q(gems__gt=0, gems__lte=MAX_GEMS), name="conversion_gems_in_bounds"),
            models.CheckConstraint(condition=Q(credited__gt=0, credited__lte=F("gross"), gross__lte=MAX_QUOTA),
                                   name="conversion_credited_within_gross"),
        ]

    def __str__(self) -> str:
        return f"conversion {self.pk} of {self.user_id} ({self.month})"

    @property
    def ref(self) -> str:
        return f"conversion:{self.pk}"
