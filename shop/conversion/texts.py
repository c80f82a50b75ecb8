"""Texts the conversion stores for a reader (ledger memos, the notification)."""

from django.utils.translation import gettext_lazy as _

from shop.core.texts import define

GEMS_MEMO = define("conversion.gems", text=_("Converted into balance (%(month)s)"))
BALANCE_MEMO = define("conversion.balance", text=_("Converted from %(gems)s gems (%(month)s)"))
CONVERTED = define(
    "conversion.done",
    money=("credited",),
    title=_("%(gems)s gems converted into %(credited)s"),
    body=_("Your wallet balance received %(credited)s for %(gems)s gems. You can convert again next month."),
)
