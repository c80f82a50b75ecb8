from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", _("Order paid")
    DUPLICATE = "duplicate", _("Duplicate (already handled)")
    FAILED = "failed", _("Payment failed")
    LATE_REFUNDED = "late_refunded", _("Late: refunded")
    REJECTED = "rejected", _("Rejected")
    IGNORED = "ignored", _("Nothing to do")


class GatewayEvent(models.Model):
    """A gateway event that changed (or settled) an order. ``event_id`` names the *payment*
    (``<trade>:paid``), not the delivery, so the unique key makes a payment count once however
    many notifications announce it, in whatever form or order: it is inserted in the same
    transaction as the order's state change."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    trade_no = models.CharField(max_length=100, blank=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="gateway_events")
    paid = models.BooleanField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    outcome = models.CharField(max_length=20, choices=NotificationOutcome.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="gateway_event_once")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


class NotificationLog(models.Model):
    """Every notification received, valid or not, with what we did about it."""

    gateway = models.CharField(_("gateway"), max_length=20)
    order_number = models.CharField(_("order number"), max_length=64, blank=True, db_index=True)
    event_id = models.CharField(_("event id"), max_length=100, blank=True)
    payload = models.JSONField(_("payload"))
    verified = models.BooleanField(_("signature valid"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=NotificationOutcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.order_number} {self.outcome}"


class GatewayRefundQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(done_at__isnull=True, next_attempt_at__lte=now)

    def failing(self):
        return self.filter(done_at__isnull=True, attempts__gt=0).exclude(error="")


class GatewayRefund(models.Model):
    """Money owed back through a gateway. Recorded in the transaction that decided it; paid out
    after commit and retried by the sweeper with backoff until the gateway confirms."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="gateway_refunds")
    gateway = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=200)
    refund_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    objects = GatewayRefundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "reason"], name="one_refund_per_reason"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="gateway_refund_positive"),
        ]

    @property
    def failed(self) -> bool:
        return self.done_at is None and self.attempts > 0 and bool(self.error)

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.order}"
