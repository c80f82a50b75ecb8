import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from shop.conversion.models import Conversion

from ..tables import BackofficeTable, CreditsColumn, MoneyColumn, TimeColumn


class ConversionTable(BackofficeTable):
    created_at = TimeColumn(verbose_name=_("Time"))
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username",
                         linkify=("backoffice:wallets:detail", [tables.A("user_id")]))
    month = tables.Column(verbose_name=_("Month"))
    gems = CreditsColumn(verbose_name=_("Gems"))
    gross = MoneyColumn(verbose_name=_("Gross"))
    credited = MoneyColumn(verbose_name=_("Credited"))

    class Meta(BackofficeTable.Meta):
        model = Conversion
        fields = ["created_at", "user", "month", "gems", "gross", "credited"]
        order_by = ["-created_at"]
