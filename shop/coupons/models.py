from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shop.checkout.pricing import CouponTerms
from shop.core.money import format_money

from . import rules


class CouponKind(models.TextChoices):
    FLAT = "flat", _("Flat discount")
    THRESHOLD = "threshold", _("Spend-and-save")
    PERCENT = "percent", _("Percentage")


class CouponScope(models.TextChoices):
    GLOBAL = "global", _("Whole order")
    PRODUCT = "product", _("One course")
    SESSION = "session", _("Auction session")


class ClaimStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    CLAIMING = "claiming", _("Claiming")
    ENDED = "ended", _("Ended")


class CouponQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def opened(self, now: datetime):
        """Claim window has opened (claiming or ended)."""
        return self.alive().filter(claim_opens_at__lte=now)


class Coupon(models.Model):
    """A coupon definition. ``claimed`` only moves through the conditional UPDATE in
    ``services.claim``; the database refuses ``claimed > quantity``."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    cover = models.ImageField(_("cover"), upload_to="coupons/", blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=CouponKind.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                help_text=_("Amount off (flat and spend-and-save)."))
    off_percent = models.PositiveSmallIntegerField(
        _("pay percent"), null=True, blank=True, help_text=_("Percentage coupons: what the shopper pays, 79 = pays 79%.")
    )
    min_spend = models.DecimalField(_("minimum spend"), max_digits=12, decimal_places=2, null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=CouponScope.choices, default=CouponScope.GLOBAL)
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="coupons", verbose_name=_("course"))
    auction_session = models.ForeignKey("auctions.AuctionSession", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="coupons", verbose_name=_("auction session"))
    quantity = models.PositiveIntegerField(_("quantity"))
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    per_user_limit = models.PositiveIntegerField(_("per-shopper limit"), default=1)
    claim_opens_at = models.DateTimeField(_("claim opens"))
    claim_closes_at = models.DateTimeField(_("claim closes"))
    status = models.CharField(_("claim status"), max_length=12, choices=ClaimStatus.choices,
                              default=ClaimStatus.NOT_STARTED)
    valid_from = models.DateTimeField(_("use from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("use until"), null=True, blank=True)
    valid_days = models.PositiveIntegerField(_("valid days after claiming"), null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CouponQuerySet.as_manager()

    class Meta:
        ordering = ["-claim_opens_at", "-id"]
        indexes = [models.Index(fields=["is_deleted", "claim_opens_at"])]
        # The last line behind ``rules.definition_errors`` (which gives the words). NULL makes a
        # CHECK pass, hence the explicit ``__isnull=False`` terms.
        constraints = [
            models.CheckConstraint(condition=Q(claimed__lte=F("quantity")), name="coupon_not_over_claimed"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="coupon_quantity_positive"),
            models.CheckConstraint(condition=Q(per_user_limit__gt=0), name="coupon_limit_positive"),
            models.CheckConstraint(condition=Q(claim_closes_at__gte=F("claim_opens_at")), name="coupon_window_ordered"),
            models.CheckConstraint(
                condition=Q(kind=CouponKind.FLAT, value__gt=0)
                | Q(kind=CouponKind.THRESHOLD, value__gt=0, min_spend__isnull=False, min_spend__gt=F("value"))
                | Q(kind=CouponKind.PERCENT, off_percent__isnull=False, off_percent__gte=1, off_percent__lte=99),
                name="coupon_value_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(scope=CouponScope.PRODUCT, product__isnull=False) | ~Q(scope=CouponScope.PRODUCT)
                & Q(product__isnull=True),
                name="coupon_product_iff_product_scope",
            ),
            models.CheckConstraint(
                condition=Q(scope=CouponScope.SESSION, auction_session__isnull=False) | ~Q(scope=CouponScope.SESSION)
                & Q(auction_session__isnull=True),
                name="coupon_session_iff_session_scope",
            ),
            models.CheckConstraint(
                condition=Q(valid_days__isnull=False, valid_days__gt=0, valid_from__isnull=True, valid_until__isnull=True)
                | Q(valid_days__isnull=True, valid_from__isnull=False, valid_until__gt=F("valid_from")),
                name="coupon_validity_days_or_dates",
            ),
            # Bounds (rules.MAX_*): no claim, price or date computed from a coupon can overflow.
            models.CheckConstraint(
                condition=Q(value__lte=rules.MAX_AMOUNT, quantity__lte=rules.MAX_QUANTITY,
                            per_user_limit__lte=rules.MAX_PER_USER, claim_closes_at__lt=rules.LATEST)
                & (Q(min_spend__isnull=True) | Q(min_spend__lte=rules.MAX_AMOUNT))
                & (Q(valid_days__isnull=True) | Q(valid_days__lte=rules.MAX_VALID_DAYS))
                & (Q(valid_until__isnull=True) | Q(valid_until__lt=rules.LATEST)),
                name="coupon_bounded",
            ),
        ]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> int:
        return self.quantity - self.claimed

    def claim_status_at(self, now: datetime) -> str:
        """The claim status by the clock (the stored ``status`` may lag behind its jobs)."""
        if now < self.claim_opens_at:
            return ClaimStatus.NOT_STARTED
        if now < self.claim_closes_at:
            return ClaimStatus.CLAIMING
        return ClaimStatus.ENDED

    def validity_for(self, claimed_at: datetime) -> tuple[datetime, datetime]:
        if self.valid_days:
            return claimed_at, claimed_at + timedelta(days=self.valid_days)
        return self.valid_from, self.valid_until

    @property
    def headline(self) -> str:
        """What the coupon gives, in words: "¥20 off", "¥30 off orders over ¥199", "21% off" (zh: "7.9折")."""
        if self.kind == CouponKind.THRESHOLD:
            return _("%(amount)s off orders over %(min)s") % {
                "amount": _figure(self.value), "min": _figure(self.min_spend)}
        return self.amount_text

    @property
    def amount_text(self) -> str:
        """The big figure on a ticket: "¥20 off", "21% off" — in Chinese the price paid in tenths, "7.9折"."""
        if self.kind == CouponKind.PERCENT:
            pays = self.off_percent or 100
            if (translation.get_language() or "").lower().startswith("zh"):
                return f"{(Decimal(pays) / 10).normalize():f}折"  # 85 → 8.5折, 80 → 8折
            return _("%(off)s%% off") % {"off": 100 - pays}
        return _("%(amount)s off") % {"amount": _figure(self.value)}

    @property
    def condition_text(self) -> str:
        """What the shopper pays, under the figure: "orders over ¥199", "you pay 79%", "no minimum"."""
        if self.kind == CouponKind.PERCENT:
            return _("you pay %(pay)s%%") % {"pay": self.off_percent}
        if self.kind == CouponKind.THRESHOLD:
            return _("on orders over %(min)s") % {"min": _figure(self.min_spend)}
        return _("no minimum spend")

    @property
    def claimed_percent(self) -> int:
        return round(100 * self.claimed / self.quantity) if self.quantity else 100

    @property
    def scope_text(self) -> str:
        if self.scope == CouponScope.PRODUCT and self.product_id:
            return self.product.title
        if self.scope == CouponScope.GLOBAL:
            return _("Any order")
        if self.scope == CouponScope.SESSION and self.auction_session_id:
            return self.auction_session.title
        return self.get_scope_display()

    def pricing_terms(self, ref: str = "") -> CouponTerms:
        return CouponTerms(kind=self.kind, value=self.value, off_percent=self.off_percent,
                           min_spend=self.min_spend, ref=ref, name=self.name)

    def terms(self) -> Terms:
        return Terms(kind=self.kind, value=self.value, off_percent=self.off_percent, min_spend=self.min_spend,
                     scope=self.scope, product_id=self.product_id)


@dataclass(frozen=True)
class Terms:
    """What a claimed coupon does and where it applies, as plain data (no ORM) for pricing:
    ``kind`` flat / threshold / percent; ``value`` off (flat, threshold); ``off_percent`` what
    the shopper pays (percent, 1–99); ``min_spend`` (threshold); ``scope`` global / product /
    session and ``product_id`` (product scope)."""

    kind: str
    value: Decimal
    off_percent: int | None
    min_spend: Decimal | None
    scope: str
    product_id: int | None


def _figure(amount) -> str:
    """A coupon's figure, through the one money format: 12.00 → "¥12", 12.50 → "¥12.50"."""
    return format_money(amount if amount is not None else 0, compact=True)


class CouponHolding(models.Model):
    """How many of a coupon a shopper has claimed: the per-user limit is a conditional UPDATE
    on this row (``count < limit``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="holdings")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "coupon"], name="one_holding_per_user_coupon")]


class ClaimedStatus(models.TextChoices):
    UNUSED = "unused", _("Unused")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")


class ClaimedCouponQuerySet(models.QuerySet):
    def usable_for(self, user, now: datetime):
        """``user``'s coupons that can be used at ``now``: unused and inside their validity, read
        against the clock (an unused row past its valid-until is never usable, swept or not)."""
        return self.filter(user=user, status=ClaimedStatus.UNUSED, valid_from__lte=now, valid_until__gt=now)

    def in_tab(self, tab: str, now: datetime):
        """My-coupons tabs by the clock: unused (still valid or not yet valid) / used / expired."""
        if tab == ClaimedStatus.USED:
            return self.filter(status=ClaimedStatus.USED)
        if tab == ClaimedStatus.EXPIRED:
            return self.filter(Q(status=ClaimedStatus.EXPIRED) | Q(status=ClaimedStatus.UNUSED, valid_until__lte=now))
        return self.filter(status=ClaimedStatus.UNUSED, valid_until__gt=now)


class ClaimedCoupon(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(_("code"), max_length=20, unique=True)
    claimed_at = models.DateTimeField(_("claimed"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=ClaimedStatus.choices, default=ClaimedStatus.UNUSED)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # The order that used it ("order:<number>"); a plain reference so that coupons do not depend
    # on orders (orders point at their claimed coupons with foreign keys).
    order_ref = models.CharField(_("order"), max_length=40, blank=True)

    objects = ClaimedCouponQuerySet.as_manager()

    class Meta:
        ordering = ["valid_until", "id"]
        indexes = [models.Index(fields=["user", "status", "valid_until"]), models.Index(fields=["status", "valid_until"])]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="claimed_validity_ordered"),
            models.CheckConstraint(
                condition=Q(status=ClaimedStatus.USED, used_at__isnull=False)
                | ~Q(status=ClaimedStatus.USED) & Q(used_at__isnull=True, order_ref=""),
                name="claimed_used_iff_used_at",
            ),
        ]
        verbose_name = _("claimed coupon")

    def __str__(self) -> str:
        return f"{self.coupon.name} ({self.code})"

    def is_usable(self, now: datetime) -> bool:
        return self.status == ClaimedStatus.UNUSED and self.valid_from <= now < self.valid_until

    def status_at(self, now: datetime) -> str:
        """The status by the clock: an unused coupon past its valid-until reads as expired."""
        if self.status == ClaimedStatus.UNUSED and now >= self.valid_until:
            return ClaimedStatus.EXPIRED
        return self.status

    def terms(self) -> Terms:
        """Plain data for checkout pricing (kind, value, off_percent, min_spend, scope, product_id)."""
        return self.coupon.terms()

    @property
    def order_number(self) -> str:
        return self.order_ref.removeprefix("order:")

    def pricing_terms(self) -> CouponTerms:
        return self.coupon.pricing_terms(ref=str(self.pk))
