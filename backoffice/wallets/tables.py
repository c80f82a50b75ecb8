import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.wallet.models import LedgerEntry

from ..tables import BackofficeTable


class WalletTable(BackofficeTable):
    username = tables.Column(verbose_name=_("Username"), linkify=("backoffice:wallets:detail", [tables.A("pk")]))
    display_name = tables.Column(verbose_name=_("Display name"))
    email = tables.EmailColumn(verbose_name=_("Email"))
    balance = tables.Column(accessor="wallet__balance", verbose_name=_("Balance"), attrs={"td": {"class": "text-end"}})
    gem = tables.Column(accessor="wallet__gem", verbose_name=_("Gems"), attrs={"td": {"class": "text-end"}})
    gold = tables.Column(accessor="wallet__gold", verbose_name=_("Gold"), attrs={"td": {"class": "text-end"}})
    is_member = tables.BooleanColumn(verbose_name=_("Member"))
    is_verified = tables.BooleanColumn(verbose_name=_("Verified"))
    date_joined = tables.DateColumn(verbose_name=_("Joined"), format="Y-m-d")

    class Meta(BackofficeTable.Meta):
        model = User
        fields = ["username", "display_name", "email", "balance", "gem", "gold", "is_member", "is_verified", "date_joined"]
        order_by = ["username"]


class LedgerTable(BackofficeTable):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i")
    amount = tables.TemplateColumn(
        '<span class="{% if value < 0 %}text-danger{% else %}text-success{% endif %} fw-semibold">{{ value|stringformat:"+.2f" }}</span>',
        verbose_name=_("Amount"),
        attrs={"td": {"class": "text-end"}},
    )
    balance_after = tables.Column(verbose_name=_("After"), attrs={"td": {"class": "text-end"}})
    memo = tables.Column(accessor="shown_memo", verbose_name=_("Memo"), orderable=False)  # in the reader's language
    actor = tables.Column(verbose_name=_("By"), default="—")

    class Meta(BackofficeTable.Meta):
        model = LedgerEntry
        fields = ["created_at", "txn_no", "asset", "kind", "amount", "balance_after", "memo", "ref", "actor"]
        order_by = ["-created_at"]
