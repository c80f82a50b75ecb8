"""Texts about campaigns stored for shoppers (notifications, ledger memos), shown in the reader's
language (see :mod:`shop.core.texts`)."""

from django.utils.translation import gettext_lazy as _

from shop.core.texts import define

# --- notifications (title, body) -----------------------------------------------------------------
WON_PHYSICAL = define(
    "lottery.won_physical", title=_("You won: %(prize)s"),
    body=_("Send us your name, ID-card number and address in My prizes so that we can ship it."),
)
EXCHANGED_PHYSICAL = define(
    "lottery.exchanged_physical", title=_("Exchanged: %(prize)s"),
    body=_("Send us your name, ID-card number and address in My prizes so that we can ship it."),
)
DETAILS_RECEIVED = define(
    "lottery.details_received", title=_("We have your details for %(prize)s"),
    body=_("We will ship it soon and let you know."),
)
SHIPPED = define(
    "lottery.shipped", title=_("Your prize %(prize)s is on its way"),
    body=_("Carrier: %(carrier)s, tracking number: %(tracking)s."),
)

# --- ledger memos --------------------------------------------------------------------------------
MEMO_DRAW = define("lottery.memo_draw", text=_("Draw in %(campaign)s"))
MEMO_EXCHANGE = define("lottery.memo_exchange", text=_("Exchange: %(prize)s"))
MEMO_PRIZE = define("lottery.memo_prize", text=_("Prize: %(prize)s"))
