import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.wallet.models import LedgerEntry

from ..tables import AssetAmountColumn, BackofficeTable, CreditsColumn, MoneyColumn, TimeColumn


class WalletTable(BackofficeTable):
    username = tables.Column(verbose_name=_("Username"), linkify=("backoffice:wallets:detail", [tables.A("pk")]))
    display_name = tables.Column(verbose_name=_("Display name"))
    email = tables.EmailColumn(verbose_name=_("Email"))
    balance = MoneyColumn(accessor="wallet__balance", verbose_name=_("Balance"))
    gem = CreditsColumn(accessor="wallet__gem", verbose_name=_("Gems"))
    gold = CreditsColumn(accessor="wallet__gold", verbose_name=_("Gold"))
    is_member = tables.BooleanColumn(verbose_name=_("Member"))
    is_verified = tables.BooleanColumn(verbose_name=_("Verified"))
    date_joined = tables.DateColumn(verbose_name=_("Joined"), format="Y-m-d")

    class Meta(BackofficeTable.Meta):
        model = User
        fields = ["username", "display_name", "email", "balance", "gem", "gold", "is_member", "is_verified", "date_joined"]
        order_by = ["username"]


class LedgerTable(BackofficeTable):
    created_at = TimeColumn(verbose_name=_("Time"))
    amount = AssetAmountColumn(verbose_name=_("Amount"), sign=True)
    balance_after = AssetAmountColumn(verbose_name=_("After"))
    memo = tables.Column(accessor="shown_memo", verbose_name=_("Memo"), orderable=False)  # in the reader's language
    actor = tables.Column(verbose_name=_("By"), default="—")

    class Meta(BackofficeTable.Meta):
        model = LedgerEntry
        fields = ["created_at", "txn_no", "asset", "kind", "amount", "balance_after", "memo", "ref", "actor"]
        order_by = ["-created_at"]
