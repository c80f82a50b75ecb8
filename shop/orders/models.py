from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .kinds import get_kind


def _money(verbose, **kwargs):
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, default=Decimal("0.00"), **kwargs)


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    TIMED_OUT = "timed_out", _("Timed out")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    REFUNDED = "refunded", _("Refunded")


# Legal moves of the order state machine (SPEC §3 "Order lifecycle").
TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.TIMED_OUT},
    OrderStatus.PAID: {OrderStatus.REFUND_REQUESTED},
    OrderStatus.REFUND_REQUESTED: {OrderStatus.REFUNDED, OrderStatus.PAID},
    OrderStatus.CANCELLED: set(),
    OrderStatus.TIMED_OUT: set(),
    OrderStatus.REFUNDED: set(),
}


class PaymentMethod(models.TextChoices):
    NONE = "", _("Not paid")
    WALLET = "wallet", _("Balance / coupons")
    SANDBOX = "sandbox", _("Sandbox gateway")
    ALIPAY = "alipay", _("Alipay")


class OrderQuerySet(models.QuerySet):
    def with_status(self, status: str, now):
        """Orders whose status *by the clock* is ``status``: a pending order past its deadline
        counts as timed out, whether or not the time-out job ran."""
        overdue = Q(status=OrderStatus.PENDING, expires_at__lte=now)
        if status == OrderStatus.PENDING:
            return self.filter(status=OrderStatus.PENDING, expires_at__gt=now)
        if status == OrderStatus.TIMED_OUT:
            return self.filter(Q(status=OrderStatus.TIMED_OUT) | overdue)
        return self.filter(status=status)


class Order(models.Model):
    """Anything a shopper pays for, of some ``kind`` (a cart of courses, a won lot, a deposit …).
    The app that owns a kind registers what paying grants and what closing undoes
    (:mod:`shop.orders.kinds`); this model and the state machine know nothing about it."""

    number = models.CharField(_("order number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=20, default="course", db_index=True)
    # What the order is for, as "<type>:<id>" (e.g. "lot:12"); empty for carts of courses.
    subject = models.CharField(_("for"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    # The settlement form's one-time key: a replayed or double-clicked "Pay now" finds this order.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    original_total = _money(_("original price"))
    line_discount_total = _money(_("line discounts"))
    subtotal = _money(_("subtotal"))
    global_discount = _money(_("global discount"))
    deposit_applied = _money(_("deposit applied"))
    balance_used = _money(_("balance used"))
    payable = _money(_("payable"))
    global_coupon = models.ForeignKey(
        "coupons.ClaimedCoupon", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_method = models.CharField(_("paid with"), max_length=10, choices=PaymentMethod.choices, blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    expires_at = models.DateTimeField(_("pay before"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    refund_reason = models.CharField(_("refund reason"), max_length=300, blank=True)
    # Where a physical good goes (name, phone, address), copied when the order is placed.
    shipping = models.JSONField(_("ship to"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(payable__gte=0), name="order_payable_not_negative"),
            models.CheckConstraint(condition=Q(balance_used__gte=0), name="order_balance_not_negative"),
            models.CheckConstraint(condition=Q(deposit_applied__gte=0), name="order_deposit_not_negative"),
            models.UniqueConstraint(fields=["user", "idempotency_key"], condition=Q(idempotency_key__isnull=False),
                                    name="order_placed_once_per_key"),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.number])

    @property
    def ref(self) -> str:
        return f"order:{self.number}"

    def status_at(self, now) -> str:
        """The status by the clock: a pending order past its deadline reads as timed out even
        before the time-out job ran."""
        if self.status == OrderStatus.PENDING and self.expires_at <= now:
            return OrderStatus.TIMED_OUT
        return self.status

    @property
    def current_status(self) -> str:
        from shop.core import clock

        return self.status_at(clock.now())

    def get_current_status_display(self) -> str:
        return OrderStatus(self.current_status).label

    @property
    def kind_label(self) -> str:
        return get_kind(self.kind).label

    @property
    def settle_url(self) -> str | None:
        """Where the shopper completes this order before paying (see ``OrderKind.settle_url``)."""
        settle = get_kind(self.kind).settle_url
        return settle(self) if settle is not None else None

    @property
    def kind_refundable(self) -> bool:
        return get_kind(self.kind).refundable

    @property
    def kind_can_cancel(self) -> bool:
        return get_kind(self.kind).shopper_can_cancel

    @property
    def needs_shipping(self) -> bool:
        return get_kind(self.kind).needs_shipping and not self.shipping


class OrderLine(models.Model):
    """One thing bought. Course lines have a product and policy; other kinds describe their item
    with ``title`` and ``item`` ("lot:12")."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey("catalog.PricePolicy", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    item = models.CharField(pgettext_lazy("order line", "item"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=120)
    policy_label = models.CharField(_("price option"), max_length=40, blank=True)
    days = models.PositiveIntegerField(_("days"), default=0)
    #: gift units this line bought (a gift package); 0 for courses and other kinds
    units = models.PositiveSmallIntegerField(_("gifts"), default=0)
    coupon = models.ForeignKey(
        "coupons.ClaimedCoupon", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    original = _money(_("original price"))
    line_discount = _money(_("line discount"))
    global_share = _money(_("share of global discount"))
    balance_share = _money(_("share of balance"))
    final = _money(_("final price"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")

    def __str__(self) -> str:
        return f"{self.title} ({self.policy_label})"


class OrderEvent(models.Model):
    """Every transition of an order, with who did it and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A note is a text key + params shown in the reader's language (shop.core.texts), or free text
    # typed by a person (a refund reason; no key); ``note`` keeps it in the site's default language.
    note = models.CharField(max_length=300, blank=True)
    note_key = models.CharField(max_length=64, blank=True, editable=False)
    note_params = models.JSONField(default=dict, blank=True, editable=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.from_status or '∅'} → {self.to_status}"

    @property
    def shown_note(self) -> str:
        from shop.core import texts

        return texts.render(self.note_key, self.note_params, "text", self.note)


class EnrollmentStatus(models.TextChoices):
    AWAITING_REGISTRATION = "awaiting", _("Awaiting registration")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Enrollment(models.Model):
    """Access to a course, granted by paid order lines. One per shopper and course: buying again
    extends it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    last_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentees",
        limit_choices_to={"is_staff": True},
    )

    class Meta:
        ordering = ["-ends_at"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="one_enrollment_per_course")]
        verbose_name = _("enrollment")

    def __str__(self) -> str:
        return f"{self.user} · {self.product}"


class DegreeRegistration(models.Model):
    EXPERIENCE = [(0, _("Graduate")), *[(n, _("%(n)s years") % {"n": n}) for n in range(1, 10)], (10, _("10+ years"))]

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="registration")
    current_company = models.CharField(_("current company"), max_length=64)
    current_position = models.CharField(_("current position"), max_length=64)
    current_salary = models.DecimalField(_("current monthly salary"), max_digits=12, decimal_places=2)
    work_experience = models.PositiveSmallIntegerField(_("years of experience"), choices=EXPERIENCE)
    weekly_plan = models.TextField(_("weekly study plan"), max_length=1000)
    why_course = models.TextField(_("why this course"), max_length=1000)
    why_us = models.TextField(_("why us"), max_length=1000)
    expectations = models.TextField(_("what you expect"), max_length=1000)
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"registration of {self.enrollment}"
