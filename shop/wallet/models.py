from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.core import texts


class Asset(models.TextChoices):
    BALANCE = "balance", _("Balance")
    GEM = "gem", _("Gems")
    GOLD = "gold", _("Gold")
    # Auction deposits being held: paying one moves money here, refunding moves it back.
    DEPOSIT = "deposit", _("Held deposits")


#: What operators may grant or deduct and prizes may give: held deposits only move with deposits.
SPENDABLE = [(a.value, a.label) for a in (Asset.BALANCE, Asset.GEM, Asset.GOLD)]


class EntryKind(models.TextChoices):
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")
    REFUND = "refund", _("Refund")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    FORFEIT = "forfeit", _("Forfeit")


#: The most a wallet holds of one asset, and the most one entry moves. Well inside the column
#: (12 digits, 2 places), so no sum a wallet or a ledger row can reach overflows it.
WALLET_MAX = Decimal("100000000.00")


def _money(verbose):
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, default=Decimal("0.00"))


class Wallet(models.Model):
    """Current value of each asset. Changed only by ``services.post_entry`` (with a ledger row)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet")
    balance = _money(_("balance"))
    gem = _money(_("gems"))
    gold = _money(_("gold"))
    deposit = _money(_("held deposits"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
            models.CheckConstraint(condition=Q(gem__gte=0), name="wallet_gem_not_negative"),
            models.CheckConstraint(condition=Q(gold__gte=0), name="wallet_gold_not_negative"),
            models.CheckConstraint(condition=Q(deposit__gte=0), name="wallet_deposit_not_negative"),
            models.CheckConstraint(condition=Q(balance__lte=WALLET_MAX, gem__lte=WALLET_MAX, gold__lte=WALLET_MAX,
                                               deposit__lte=WALLET_MAX),
                                   name="wallet_assets_at_most_max"),
        ]
        verbose_name = _("wallet")

    def __str__(self) -> str:
        return f"wallet of {self.user}"

    def amount_of(self, asset: str) -> Decimal:
        return getattr(self, Asset(asset).value)


class LedgerEntry(models.Model):
    """Append-only: one row per change of one asset. Sum of amounts == the wallet's value."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    asset = models.CharField(_("asset"), max_length=10, choices=Asset.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("after"), max_digits=12, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    txn_no = models.CharField(_("transaction number"), max_length=32, unique=True)
    ref = models.CharField(_("relates to"), max_length=64, blank=True, db_index=True)
    # A memo is a text key + params shown in the reader's language (shop.core.texts), or free text
    # typed by an operator (no key); ``memo`` keeps it in the site's default language.
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    memo_key = models.CharField(max_length=texts.KEY_MAX_LENGTH, blank=True, editable=False)
    memo_params = models.JSONField(default=dict, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["wallet", "-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_after_not_negative"),
            models.CheckConstraint(condition=Q(balance_after__lte=WALLET_MAX, amount__lte=WALLET_MAX,
                                               amount__gte=-WALLET_MAX), name="ledger_amounts_at_most_max"),
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.txn_no} {self.asset} {self.amount:+}"

    @property
    def shown_memo(self) -> str:
        return texts.render(self.memo_key, self.memo_params, "text", self.memo)
