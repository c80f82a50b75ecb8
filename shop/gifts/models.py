"""Shareable gift draws (SPEC §6).

A shopper buys a gift package (a product of kind "gift" carrying N units); paying credits the
units to their :class:`GiftHolding`. A :class:`GiftDraw` reserves some of them and is shared by an
unguessable link; people join it and win them. Every limit is a database fact:

* a holding's counters move by conditional UPDATEs and always satisfy
  ``bought = available + in_draws + given`` (a CheckConstraint);
* one :class:`Participant` per shopper and draw, and one per position (unique constraints);
* a full draw never counts more than ``needed`` participants and a direct draw never hands out
  more than ``gifts`` (CheckConstraints on the counters every join bumps in its UPDATE);
* a draw is drawn by moving its status ``open → drawn`` under a row lock, once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WISH_MAX = 200
MAX_GIFTS = 100  # most gifts one draw hands out
MAX_NEEDED = 500  # most participants a full draw waits for


class GiftHolding(models.Model):
    """A shopper's gift units of one package."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gift_holdings")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    bought = models.PositiveIntegerField(_("bought"), default=0)
    available = models.PositiveIntegerField(_("available"), default=0)
    in_draws = models.PositiveIntegerField(_("in draws"), default=0)
    given = models.PositiveIntegerField(_("won by others"), default=0)
    returned = models.PositiveIntegerField(_("returned"), default=0)  # came back from draws (a running count)

    class Meta:
        ordering = ["product_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="one_gift_holding_per_package"),
            models.CheckConstraint(condition=Q(bought=F("available") + F("in_draws") + F("given")),
                                   name="gift_units_add_up"),
        ]
        verbose_name = _("gift holding")

    def __str__(self) -> str:
        return f"{self.user} · {self.product} · {self.available}"


class Method(models.TextChoices):
    DIRECT = "direct", _("Direct gift")
    FULL = "full", _("Draw when full")
    TIMED = "timed", _("Draw at a time")


class DrawStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("gift draw", "Open")
    DRAWN = "drawn", pgettext_lazy("gift draw", "Drawn")
    CLOSED = "closed", pgettext_lazy("gift draw", "Closed by the giver")


def due_at(now) -> Q:
    """Timed draws whose time has come but which are not drawn yet (:meth:`GiftDraw.is_due` in SQL)."""
    return Q(status=DrawStatus.OPEN, method=Method.TIMED, draws_at__lte=now)


class GiftDraw(models.Model):
    """``gifts`` units of ``product`` reserved from the giver's holding, handed out by ``method``.

    Full and timed draws commit to a secret ``seed`` at creation (``seed_hash`` is public at once,
    the seed after the draw); :mod:`shop.gifts.fairness` turns seed and participants into winners.
    """

    token = models.CharField(max_length=32, unique=True, editable=False)
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gift_draws")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    wish = models.CharField(_("wish"), max_length=WISH_MAX)
    gifts = models.PositiveSmallIntegerField(_("gifts"))
    method = models.CharField(_("open method"), max_length=10, choices=Method.choices)
    needed = models.PositiveSmallIntegerField(_("participants needed"), null=True, blank=True)
    draws_at = models.DateTimeField(_("draws at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DrawStatus.choices, default=DrawStatus.OPEN)
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    given_count = models.PositiveIntegerField(_("gifts handed out"), default=0)
    seed = models.CharField(max_length=64, blank=True, editable=False)
    seed_hash = models.CharField(_("SHA-256 of the seed"), max_length=64, blank=True, editable=False)
    # the creation form's one-time key: a double-clicked or replayed "Create" finds this draw
    request_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), db_index=True)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "method", "draws_at"]), models.Index(fields=["giver", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["giver", "request_key"], condition=Q(request_key__isnull=False),
                                    name="gift_draw_created_once_per_key"),
            models.CheckConstraint(condition=Q(gifts__gte=1, gifts__lte=MAX_GIFTS), name="gift_draw_gifts_bounded"),
            models.CheckConstraint(
                condition=(Q(method="direct", needed__isnull=True, draws_at__isnull=True)
                           | (Q(method="full", needed__gte=2, needed__lte=MAX_NEEDED, draws_at__isnull=True)
                              & Q(needed__gte=F("gifts")))
                           | Q(method="timed", needed__isnull=True, draws_at__isnull=False)),
                name="gift_draw_method_fields"),
            models.CheckConstraint(condition=Q(needed__isnull=True) | Q(participant_count__lte=F("needed")),
                                   name="gift_draw_never_overfull"),
            models.CheckConstraint(condition=Q(given_count__lte=F("gifts")), name="gift_draw_never_overgiven"),
            models.CheckConstraint(condition=Q(method="direct") | ~Q(seed_hash=""), name="gift_draw_committed"),
        ]
        verbose_name = _("gift draw")
        verbose_name_plural = _("gift draws")

    def __str__(self) -> str:
        return f"{self.product} × {self.gifts} ({self.get_method_display()})"

    def get_absolute_url(self) -> str:
        return reverse("gifts:draw", args=[self.token])

    @property
    def is_random(self) -> bool:
        return self.method != Method.DIRECT

    def is_drawn(self) -> bool:
        return self.status == DrawStatus.DRAWN

    def is_due(self, now) -> bool:
        """A timed draw whose time has come but which has not been drawn yet."""
        return self.status == DrawStatus.OPEN and self.method == Method.TIMED and self.draws_at <= now

    def joinable_at(self, now) -> bool:
        """Whether a join could still be accepted by the clock and the counters."""
        if self.status != DrawStatus.OPEN:
            return False
        if self.method == Method.TIMED:
            return now < self.draws_at
        if self.method == Method.FULL:
            return self.participant_count < self.needed
        return self.given_count < self.gifts

    @property
    def gifts_left(self) -> int:
        return self.gifts - self.given_count


class Participant(models.Model):
    """One shopper in one draw, numbered in the order they joined (``position`` 1, 2, …) — the
    order the fairness check uses. A winner gives a shipping address; operators mark it sent."""

    draw = models.ForeignKey(GiftDraw, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gift_entries")
    position = models.PositiveIntegerField(_("number"))
    joined_at = models.DateTimeField(_("joined"))
    won = models.BooleanField(_("won"), default=False)
    shipping = models.JSONField(_("ship to"), null=True, blank=True)
    shipping_at = models.DateTimeField(_("address given"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("sent"), null=True, blank=True)
    tracking = models.CharField(_("tracking"), max_length=80, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "user"], name="one_entry_per_gift_draw"),
            models.UniqueConstraint(fields=["draw", "position"], name="one_entry_per_position"),
            models.CheckConstraint(condition=Q(shipped_at__isnull=True) | Q(won=True, shipping__isnull=False),
                                   name="gift_shipped_to_a_winner"),
        ]
        verbose_name = _("participant")

    def __str__(self) -> str:
        return f"#{self.position} {self.user} in {self.draw_id}"
