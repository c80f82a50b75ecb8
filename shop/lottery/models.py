"""Lottery and exchange campaigns (SPEC §5).

Every limit is a database fact: a prize's stock only moves through one conditional UPDATE
(``stock_left > 0``) and a ``CheckConstraint`` refuses it below zero; a shopper's free chances
and draw limit move through one conditional UPDATE of their :class:`Entry`; a redeem code is
handed out by a conditional UPDATE (``user IS NULL``) and a members' gift is one per shopper by a
partial unique constraint.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shop.wallet.models import SPENDABLE, WALLET_MAX, Asset

MAX_COST = Decimal("1000000")  # most a draw or an exchange item may cost, in credits
MAX_CHANCES = 1000  # free chances, draw limit, win limit
MAX_STOCK = 1_000_000
MAX_WEIGHT = 1_000_000
RANDOM_BITS = 53  # a draw's random value is an integer in [0, 2**53)


class CampaignKind(models.TextChoices):
    LOTTERY = "lottery", _("Lottery")
    EXCHANGE = "exchange", _("Exchange")


class CampaignState(models.TextChoices):
    SCHEDULED = "scheduled", _("Starts soon")
    PAUSED = "paused", _("Not started yet")
    ONLINE = "online", pgettext_lazy("campaign state", "Online")
    ENDED = "ended", _("Ended")


class CreditAsset(models.TextChoices):
    GEM = Asset.GEM.value, Asset.GEM.label
    GOLD = Asset.GOLD.value, Asset.GOLD.label


class CampaignQuerySet(models.QuerySet):
    def visible(self, now: datetime):
        """Online now or starting later (teasers): not ended."""
        return self.filter(ends_at__gt=now)


class Campaign(models.Model):
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    cover = models.ImageField(_("cover"), upload_to="campaigns/", blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CampaignKind.choices, default=CampaignKind.LOTTERY)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    is_paused = models.BooleanField(_("paused"), default=False,
                                    help_text=_('Shoppers see "not started yet" while it is paused.'))
    members_only = models.BooleanField(_("members only"), default=False)
    verified_only = models.BooleanField(_("identity-verified only"), default=False)
    phone_required = models.BooleanField(_("phone number required"), default=False)
    draw_asset = models.CharField(_("paid with"), max_length=10, choices=CreditAsset.choices, default=CreditAsset.GEM)
    draw_cost = models.DecimalField(_("draw cost"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                    help_text=_("Credits charged for a draw once the free chances are used."))
    free_chances = models.PositiveIntegerField(_("free chances per shopper"), default=0)
    draw_limit = models.PositiveIntegerField(_("draws per shopper"), null=True, blank=True,
                                             help_text=_("Empty: no limit."))
    # Kept in step by the window jobs and the sweeper; every read uses state_at(now).
    status = models.CharField(_("status"), max_length=10, choices=CampaignState.choices,
                              default=CampaignState.SCHEDULED, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_window_ordered"),
            models.CheckConstraint(
                condition=Q(draw_cost__gte=0, draw_cost__lte=MAX_COST, free_chances__lte=MAX_CHANCES)
                & (Q(draw_limit__isnull=True) | Q(draw_limit__gte=1, draw_limit__lte=MAX_CHANCES)),
                name="campaign_bounded",
            ),
        ]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.title

    def state_at(self, now: datetime) -> str:
        """The state by the clock (the stored ``status`` may lag behind its jobs)."""
        if now < self.starts_at:
            return CampaignState.SCHEDULED
        if now >= self.ends_at:
            return CampaignState.ENDED
        if self.is_paused:
            return CampaignState.PAUSED
        return CampaignState.ONLINE

    @property
    def is_lottery(self) -> bool:
        return self.kind == CampaignKind.LOTTERY


class CodePool(models.Model):
    """Redeem codes imported by operators. A code is handed out once; with ``members_gift``
    members may each take one code directly (one per shopper)."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    members_gift = models.BooleanField(_("gift to members"), default=False,
                                       help_text=_("Members may each take one code from this pool."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("redeem-code pool")
        verbose_name_plural = _("redeem-code pools")

    def __str__(self) -> str:
        return self.name


class CodeVia(models.TextChoices):
    PRIZE = "prize", _("Prize")
    GIFT = "gift", _("Members' gift")


class RedeemCode(models.Model):
    pool = models.ForeignKey(CodePool, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("code"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="redeem_codes")
    via = models.CharField(max_length=8, choices=CodeVia.choices, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["pool", "user"])]
        constraints = [
            models.UniqueConstraint(fields=["pool", "code"], name="code_unique_in_pool"),
            models.UniqueConstraint(fields=["pool", "user"], condition=Q(via="gift"), name="one_gift_code_per_shopper"),
            models.CheckConstraint(condition=Q(user__isnull=True, via="", issued_at__isnull=True)
                                   | Q(user__isnull=False, issued_at__isnull=False) & ~Q(via=""),
                                   name="code_issued_consistently"),
        ]
        verbose_name = _("redeem code")

    def __str__(self) -> str:
        return self.code


class Grant(models.TextChoices):
    CREDITS = "credits", _("Wallet credits")
    COUPON = "coupon", _("Coupon")
    CODE = "code", _("Redeem code")
    PHYSICAL = "physical", _("Physical item")


class Prize(models.Model):
    """A prize of a lottery, or an item of an exchange (with a ``price`` in the campaign's credit)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="prizes")
    title = models.CharField(_("title"), max_length=80)
    cover = models.ImageField(_("cover"), upload_to="prizes/", blank=True)
    grant = models.CharField(_("grants"), max_length=10, choices=Grant.choices)
    asset = models.CharField(_("asset"), max_length=10, choices=SPENDABLE, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    coupon = models.ForeignKey("coupons.Coupon", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("coupon"))
    pool = models.ForeignKey(CodePool, null=True, blank=True, on_delete=models.PROTECT, related_name="prizes",
                             verbose_name=_("code pool"))
    weight = models.PositiveIntegerField(_("weight"), default=0)
    stock_left = models.PositiveIntegerField(_("stock left"), default=0)
    stock_used = models.PositiveIntegerField(_("given out"), default=0, editable=False)
    win_limit = models.PositiveIntegerField(_("wins per shopper"), null=True, blank=True,
                                            help_text=_("Empty: no limit."))
    is_default = models.BooleanField(_("consolation prize"), default=False,
                                     help_text=_("Given when the prize drawn cannot be granted."))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True,
                                help_text=_("Exchange items: what one costs, in the campaign's credits."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["campaign", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign"], condition=Q(is_default=True), name="one_default_prize"),
            models.CheckConstraint(condition=Q(stock_left__lte=MAX_STOCK, weight__lte=MAX_WEIGHT)
                                   & (Q(win_limit__isnull=True) | Q(win_limit__gte=1, win_limit__lte=MAX_CHANCES))
                                   & (Q(price__isnull=True) | Q(price__gt=0, price__lte=MAX_COST)),
                                   name="prize_bounded"),
            models.CheckConstraint(
                condition=Q(grant=Grant.CREDITS, asset__in=[value for value, _label in SPENDABLE], amount__gt=0, amount__lte=WALLET_MAX)
                | Q(grant=Grant.COUPON, coupon__isnull=False)
                | Q(grant=Grant.CODE, pool__isnull=False)
                | Q(grant=Grant.PHYSICAL),
                name="prize_grant_complete",
            ),
        ]
        verbose_name = _("prize")
        verbose_name_plural = _("prizes")

    def __str__(self) -> str:
        return self.title

    @property
    def grant_text(self) -> str:
        """What the shopper gets, in words: "50 gems", "Coupon: ¥20 off", "A redeem code"."""
        from shop.core.money import format_credits, format_money

        if self.grant == Grant.CREDITS:
            if self.asset == Asset.BALANCE:
                return _("%(amount)s balance") % {"amount": format_money(self.amount)}
            return f"{format_credits(self.amount)} {Asset(self.asset).label.lower()}"
        if self.grant == Grant.COUPON:
            return _("Coupon: %(name)s") % {"name": self.coupon.name}
        if self.grant == Grant.CODE:
            return _("A redeem code")
        return _("Shipped to you")


class Entry(models.Model):
    """A shopper in a campaign: the row their draws lock (one draw at a time) and count on."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draws = models.PositiveIntegerField(default=0)
    free_used = models.PositiveIntegerField(default=0)
    last_free = models.BooleanField(default=False)  # whether the latest draw used a free chance

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="one_entry_per_shopper"),
            models.CheckConstraint(condition=Q(free_used__lte=F("draws")), name="entry_free_within_draws"),
        ]


class Outcome(models.TextChoices):
    WON = "won", _("Won")
    CONSOLATION = "consolation", _("Consolation prize")
    NOTHING = "nothing", _("No prize this time")


class Draw(models.Model):
    """One draw, with everything needed to replay it: the random value, the candidate prizes
    and their weights at that instant, what the weights picked and what was granted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="draws")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"))
    free = models.BooleanField(_("free chance"), default=False)
    asset = models.CharField(_("paid with"), max_length=10, choices=CreditAsset.choices, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    random_value = models.BigIntegerField(_("random value"))
    candidates = models.JSONField(_("candidates"), default=list)  # [[prize_id, weight], …] in order
    picked = models.ForeignKey(Prize, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("picked"))
    prize = models.ForeignKey(Prize, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("granted"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    # The one-time key of the form that asked for it: a replayed or double-clicked form is this draw.
    request_key = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "request_key"], condition=~Q(request_key=""),
                                    name="one_draw_per_request"),
            models.CheckConstraint(condition=Q(random_value__gte=0, random_value__lt=2 ** RANDOM_BITS),
                                   name="draw_random_in_range"),
        ]
        verbose_name = _("draw")


class PrizeOrderStatus(models.TextChoices):
    FULFILLED = "fulfilled", _("Fulfilled")
    TO_CLAIM = "to_claim", _("To claim")
    CLAIMED = "claimed", pgettext_lazy("prize order", "Claimed")  # details sent: 待发货, not a coupon's 已领取
    SHIPPED = "shipped", _("Shipped")


class PrizeSource(models.TextChoices):
    DRAW = "draw", _("Draw")
    EXCHANGE = "exchange", _("Exchange")


class PrizeOrder(models.Model):
    """What a shopper won or exchanged. Virtual prizes are granted at once (*fulfilled*); physical
    ones wait for the shopper's details (*to claim* → *claimed*) and an operator (*shipped*).
    The ID-card number is kept masked only."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prize_orders")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="prize_orders")
    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="orders")
    source = models.CharField(_("source"), max_length=10, choices=PrizeSource.choices)
    draw = models.OneToOneField(Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="order")
    status = models.CharField(_("status"), max_length=10, choices=PrizeOrderStatus.choices)
    cost_asset = models.CharField(max_length=10, choices=CreditAsset.choices, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    code = models.OneToOneField(RedeemCode, null=True, blank=True, on_delete=models.PROTECT, related_name="order")
    claimed_coupon = models.OneToOneField("coupons.ClaimedCoupon", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    recipient = models.CharField(_("recipient"), max_length=60, blank=True)
    id_card = models.CharField(_("ID-card number"), max_length=18, blank=True)  # masked
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    address = models.TextField(_("address"), max_length=300, blank=True)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"))
    claimed_at = models.DateTimeField(_("details sent"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    request_key = models.CharField(max_length=40, blank=True, editable=False)  # exchanges: as Draw's

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "request_key"], condition=~Q(request_key=""),
                                    name="one_exchange_per_request"),
        ]
        verbose_name = _("prize order")
        verbose_name_plural = _("prize orders")

    def __str__(self) -> str:
        return self.number
