"""Texts about auctions stored for shoppers (notifications, ledger memos, order notes), shown in
the reader's language (see :mod:`shop.core.texts`)."""

from django.utils.translation import gettext_lazy as _

from shop.core.texts import define

# --- notifications (title, body) -----------------------------------------------------------------
OUTBID = define(
    "auctions.outbid", money=("price",), title=_("You were outbid on %(lot)s"),
    body=_("The price is now %(price)s. Bid again before the lot ends."),
)
WON = define(
    "auctions.won", money=("price", "due"), datetimes=("deadline",), title=_("You won %(lot)s"),
    body=_("Final price %(price)s; %(due)s left to pay before %(deadline)s, or the deposit is forfeited."),
)
WON_PAID = define(
    "auctions.won_paid", money=("price",), title=_("You won %(lot)s"),
    body=_("Your deposit covered the final price of %(price)s. Check where we ship it."),
)
DEPOSIT_REFUNDED = define(
    "auctions.deposit_refunded", money=("amount",), title=_("Your deposit of %(amount)s was returned"),
    body=_("It is back in your balance: %(scope)s."),
)
FORFEITED = define(
    "auctions.forfeited", money=("amount",), title=_("Deposit forfeited: %(lot)s"),
    body=_("The order for this lot was not paid in time, so the deposit of %(amount)s is forfeited."),
)

# --- ledger memos --------------------------------------------------------------------------------
MEMO_DEPOSIT = define("auctions.memo_deposit", text=_("Deposit: %(scope)s"))
MEMO_DEPOSIT_ONLINE = define("auctions.memo_deposit_online", text=_("Deposit paid online: %(scope)s"))
MEMO_DEPOSIT_REFUND = define("auctions.memo_deposit_refund", text=_("Deposit returned: %(scope)s"))
MEMO_DEPOSIT_APPLIED = define("auctions.memo_deposit_applied", text=_("Deposit applied to order %(number)s"))
MEMO_FORFEIT = define("auctions.memo_forfeit", text=_("Deposit forfeited: %(lot)s unpaid"))
MEMO_COMMENT = define("auctions.memo_comment", text=_("Coloured comment on %(lot)s"))

# --- order lines and notes -----------------------------------------------------------------------
EVENT_FORFEITED = define("auctions.event_forfeited", text=_("Not paid within the payment window: deposit forfeited."))
