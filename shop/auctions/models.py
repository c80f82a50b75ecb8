"""Auctions (SPEC §7): sessions, lots, deposits, bids, automatic bidding, settlement, comments.

Every limit is a database fact:

* a lot's price, leader and end move only inside :func:`services.place_bid`, which holds the
  lot row (``select_for_update``; SQLite's single writer) and bumps ``version`` — the live page
  polls on that number;
* one deposit per shopper and scope (partial unique constraints), money moved through the
  wallet ledger (asset "held deposits");
* one proxy maximum per shopper and lot; one result per lot (``LotResult.lot`` is unique) and a
  lot is settled by a conditional UPDATE of its status, so a job, the sweeper and a second
  qcluster settle it once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_PRICE = Decimal("100000000.00")  # most a start price, increment, deposit or bid may be
COMMENT_MAX = 140


def _money(verbose, **kwargs):
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, **kwargs)


class SessionState(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("auction state", "Not started")
    PREVIEW = "preview", pgettext_lazy("auction state", "Preview")
    BIDDING = "bidding", pgettext_lazy("auction state", "Bidding")
    ENDED = "ended", pgettext_lazy("auction state", "Ended")


class LotState(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("auction state", "Not started")
    PREVIEW = "preview", pgettext_lazy("auction state", "Preview")
    BIDDING = "bidding", pgettext_lazy("auction state", "Bidding")
    # by the clock only: past its end, waiting for settlement (seconds, normally)
    CLOSING = "closing", pgettext_lazy("auction state", "Closing")
    SOLD = "sold", pgettext_lazy("auction state", "Sold, awaiting payment")
    PAID = "paid", pgettext_lazy("auction state", "Paid")
    PASSED = "passed", pgettext_lazy("auction state", "Passed (no bids)")
    UNPAID = "unpaid", pgettext_lazy("auction state", "Unpaid")


SETTLED_STATES = (LotState.SOLD, LotState.PAID, LotState.PASSED, LotState.UNPAID)


class SessionQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def in_state(self, state: str, now: datetime):
        """Sessions whose state *by the clock* is ``state`` (preview also covers "not started")."""
        alive = self.alive()
        if state == SessionState.ENDED:
            return alive.filter(ends_at__lte=now)
        if state == SessionState.BIDDING:
            return alive.filter(starts_at__lte=now, ends_at__gt=now)
        return alive.filter(starts_at__gt=now)  # upcoming: preview or not started yet


class AuctionSession(models.Model):
    """专场: a set of lots auctioned in one window, with an optional session deposit."""

    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    cover = models.ImageField(_("cover"), upload_to="auctions/", blank=True)
    preview_starts_at = models.DateTimeField(_("preview starts"))
    preview_ends_at = models.DateTimeField(_("preview ends"))
    starts_at = models.DateTimeField(_("bidding starts"))
    ends_at = models.DateTimeField(_("bidding ends"))
    deposit = _money(_("session deposit"), null=True, blank=True,
                     help_text=_("One deposit for every lot of the session. Empty: no session deposit."))
    # Kept in step by the jobs and the sweeper; every read uses state_at(now).
    status = models.CharField(_("status"), max_length=12, choices=SessionState.choices,
                              default=SessionState.NOT_STARTED, editable=False)
    turnover = _money(_("turnover"), default=Decimal("0.00"), editable=False)
    # Set once every lot has settled and the session deposits were handled.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    is_deleted = models.BooleanField(default=False, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(preview_starts_at__lt=F("preview_ends_at"), preview_ends_at__lte=F("starts_at"),
                            starts_at__lt=F("ends_at")),
                name="auction_session_times_ordered",
            ),
            models.CheckConstraint(condition=Q(deposit__isnull=True) | Q(deposit__gt=0, deposit__lte=MAX_PRICE),
                                   name="auction_session_deposit_bounded"),
            models.CheckConstraint(condition=Q(turnover__gte=0), name="auction_session_turnover_not_negative"),
        ]
        verbose_name = _("auction session")
        verbose_name_plural = _("auction sessions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("auctions:session", args=[self.pk])

    def state_at(self, now: datetime) -> str:
        if now < self.preview_starts_at:
            return SessionState.NOT_STARTED
        if now < self.starts_at:
            return SessionState.PREVIEW
        if now < self.ends_at:
            return SessionState.BIDDING
        return SessionState.ENDED


class Lot(models.Model):
    """拍品. ``ends_at`` starts as the session's end and moves with soft close, never past
    ``hard_ends_at``. ``current_price``/``leader`` are the shown price and leader (automatic
    bidding included); ``version`` grows with every change a watcher should see."""

    session = models.ForeignKey(AuctionSession, on_delete=models.PROTECT, related_name="lots",
                                verbose_name=_("session"))
    catalogue_no = models.CharField(_("catalogue number"), max_length=20, unique=True, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    cover = models.ImageField(_("cover"), upload_to="auctions/lots/", blank=True)
    start_price = _money(_("start price"))
    increment = _money(_("bid increment"))
    reference_low = _money(_("reference price from"), null=True, blank=True)
    reference_high = _money(_("reference price to"), null=True, blank=True)
    deposit = _money(_("lot deposit"), null=True, blank=True,
                     help_text=_("Valid for this lot only. Empty: only the session deposit (if any)."))
    status = models.CharField(_("status"), max_length=12, choices=LotState.choices, default=LotState.NOT_STARTED,
                              editable=False)
    ends_at = models.DateTimeField(_("ends"), editable=False)
    hard_ends_at = models.DateTimeField(_("latest end"), editable=False)
    current_price = _money(_("current price"), null=True, blank=True, editable=False)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", editable=False)
    bid_count = models.PositiveIntegerField(_("bids"), default=0, editable=False)
    version = models.PositiveBigIntegerField(default=1, editable=False)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True, editable=False)
    is_deleted = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["status", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_price__gt=0, start_price__lte=MAX_PRICE, increment__gt=0, increment__lte=MAX_PRICE),
                name="lot_prices_bounded",
            ),
            models.CheckConstraint(condition=Q(deposit__isnull=True) | Q(deposit__gt=0, deposit__lte=MAX_PRICE),
                                   name="lot_deposit_bounded"),
            models.CheckConstraint(
                condition=Q(current_price__isnull=True, leader__isnull=True)
                | Q(current_price__isnull=False, current_price__gte=F("start_price"),
                    current_price__lte=MAX_PRICE, leader__isnull=False),
                name="lot_price_and_leader_together",
            ),
            models.CheckConstraint(
                condition=Q(reference_low__isnull=True) | Q(reference_high__isnull=True)
                | Q(reference_high__gte=F("reference_low")),
                name="lot_reference_range_ordered",
            ),
            models.CheckConstraint(condition=Q(ends_at__lte=F("hard_ends_at")), name="lot_end_before_hard_end"),
        ]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")

    def __str__(self) -> str:
        return f"{self.catalogue_no} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("auctions:lot", args=[self.pk])

    @property
    def ref(self) -> str:
        return f"lot:{self.pk}"

    def state_at(self, now: datetime, session: AuctionSession | None = None) -> str:
        """The state by the clock (``session`` defaults to ``self.session``)."""
        if self.status in SETTLED_STATES:
            return self.status
        session = session or self.session
        if now < session.preview_starts_at:
            return LotState.NOT_STARTED
        if now < session.starts_at:
            return LotState.PREVIEW
        if now < self.ends_at:
            return LotState.BIDDING
        return LotState.CLOSING

    def next_minimum(self) -> Decimal:
        """The lowest bid accepted now: the start price, then the current price + increment."""
        if self.current_price is None:
            return self.start_price
        return self.current_price + self.increment


class DepositState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("deposit", "Awaiting payment")
    HELD = "held", pgettext_lazy("deposit", "Held")
    REFUNDED = "refunded", pgettext_lazy("deposit", "Refunded")
    APPLIED = "applied", pgettext_lazy("deposit", "Applied to the order")
    FORFEITED = "forfeited", pgettext_lazy("deposit", "Forfeited")
    CANCELLED = "cancelled", pgettext_lazy("deposit", "Not paid")


class Deposit(models.Model):
    """A shopper's deposit for one lot (``lot`` set) or a whole session (``lot`` empty). Held
    money sits in the wallet's "held deposits" asset: paying moves it there, refunding moves it
    back to the balance, forfeiting and applying take it out — each a ledger entry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auction_deposits")
    session = models.ForeignKey(AuctionSession, on_delete=models.PROTECT, related_name="deposits")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits")
    amount = _money(_("amount"))
    status = models.CharField(_("status"), max_length=10, choices=DepositState.choices, default=DepositState.PENDING)
    # the gateway order that pays it (empty when paid from the balance)
    order = models.OneToOneField("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # the auction order of a won lot this deposit counts towards (applied when paid, forfeited if not)
    applied_to = models.OneToOneField("orders.Order", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="auction_deposit")
    created_at = models.DateTimeField(_("created"))
    held_at = models.DateTimeField(_("held since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # one live deposit per shopper and scope; an unpaid (cancelled) one may be tried again
            models.UniqueConstraint(fields=["user", "lot"], condition=Q(lot__isnull=False) & ~Q(status="cancelled"),
                                    name="one_lot_deposit_per_shopper"),
            models.UniqueConstraint(fields=["user", "session"], condition=Q(lot__isnull=True) & ~Q(status="cancelled"),
                                    name="one_session_deposit_per_shopper"),
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_PRICE), name="deposit_amount_bounded"),
        ]
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")

    def __str__(self) -> str:
        return f"deposit {self.pk} of {self.user}"

    @property
    def ref(self) -> str:
        return f"deposit:{self.pk}"

    @property
    def is_session_deposit(self) -> bool:
        return self.lot_id is None


class ProxyBid(models.Model):
    """A shopper's standing maximum on a lot (automatic bidding). Hidden from other shoppers."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="proxies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    maximum = _money(_("maximum"))
    placed_at = models.DateTimeField(_("placed"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lot", "user"], name="one_maximum_per_shopper_and_lot"),
            models.CheckConstraint(condition=Q(maximum__gt=0, maximum__lte=MAX_PRICE), name="proxy_maximum_bounded"),
        ]


class Bid(models.Model):
    """One move of the price: a bid typed by the shopper, or one placed for them by automatic
    bidding (``is_auto``)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="bids")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auction_bids")
    amount = _money(_("amount"))
    is_auto = models.BooleanField(_("automatic"), default=False)
    placed_at = models.DateTimeField(_("time"))
    # the bid form's one-time key, on the bidder's own row: a replayed form bids once
    request_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["lot", "-id"]), models.Index(fields=["user", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=MAX_PRICE), name="bid_amount_bounded"),
            models.UniqueConstraint(fields=["user", "request_key"], condition=Q(request_key__isnull=False),
                                    name="bid_placed_once_per_key"),
        ]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")

    def __str__(self) -> str:
        return f"{self.amount} on {self.lot_id} by {self.user_id}"


class LotResult(models.Model):
    """The outcome of a lot, written once when it settles."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="result")
    winner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="auction_wins")
    final_price = _money(_("final price"), null=True, blank=True)
    order = models.OneToOneField("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(_("settled"))

    class Meta:
        ordering = ["-settled_at"]
        verbose_name = _("result")


class CommentColour(models.Model):
    """A colour a shopper may pay credits for, for a comment that stands out."""

    name = models.CharField(_("name"), max_length=30)
    css = models.CharField(_("colour"), max_length=7, help_text=_("A colour such as #d63384."))
    asset = models.CharField(_("paid with"), max_length=10, choices=[("gem", _("Gems")), ("gold", _("Gold"))],
                             default="gem")
    price = _money(_("price"))
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0, price__lte=MAX_PRICE), name="comment_colour_price_bounded"),
            models.CheckConstraint(condition=Q(css__regex=r"^#[0-9a-fA-F]{6}$"), name="comment_colour_is_hex"),
        ]
        verbose_name = _("comment colour")
        verbose_name_plural = _("comment colours")

    def __str__(self) -> str:
        return self.name


class BannedWord(models.Model):
    word = models.CharField(_("word"), max_length=40, unique=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("banned word")
        verbose_name_plural = _("banned words")

    def __str__(self) -> str:
        return self.word


class Comment(models.Model):
    """A live comment on a lot; its text is stored already filtered (banned words masked)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("comment"), max_length=COMMENT_MAX)
    colour = models.CharField(max_length=7, blank=True)
    cost = _money(_("cost"), default=Decimal("0.00"))
    posted_at = models.DateTimeField(_("time"))
    # a replayed form posts once
    request_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["lot", "-id"]), models.Index(fields=["user", "-posted_at"])]
        constraints = [models.UniqueConstraint(fields=["user", "request_key"], condition=Q(request_key__isnull=False),
                                               name="comment_posted_once_per_key")]


class CommentPace(models.Model):
    """When a shopper may post their next plain comment (a conditional UPDATE takes the turn)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    next_at = models.DateTimeField()
