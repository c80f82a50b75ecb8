"""Texts about orders stored for shoppers (notifications, ledger memos, order event notes), shown
in the reader's language (see :mod:`shop.core.texts`). Use them as ``Text(PAID, number=…)``."""

from django.utils.translation import gettext_lazy as _

from shop.core.texts import define

# --- notifications (title, body) -----------------------------------------------------------------
PAID = define("order.paid", title=_("Order %(number)s is paid"), body=_("Thank you! Your order is complete."))
TIMED_OUT = define(
    "order.timed_out",
    title=_("Order %(number)s timed out"),
    body=_("It was not paid in time. Any balance and coupons you used are back in your account."),
)
REFUND_APPROVED = define(
    "order.refund_approved", title=_("Refund approved for order %(number)s"), body=_("The money is on its way back.")
)
# ``reason`` is the operator's note, shown as typed.
REFUND_DECLINED = define("order.refund_declined", title=_("Refund declined for order %(number)s"), body="%(reason)s")

# --- ledger memos --------------------------------------------------------------------------------
MEMO_ORDER = define("order.memo", text=_("Order %(number)s"))  # balance used, or given back on close
MEMO_REFUND = define("order.memo_refund", text=_("Refund of order %(number)s"))

# --- order event notes ---------------------------------------------------------------------------
EVENT_PAID_WITH_BALANCE = define("order.event.paid_with_balance", text=_("Paid with balance / coupons"))
EVENT_PAID_ONLINE = define("order.event.paid_online", text=_("Paid online (payment %(event)s)"))
EVENT_WINDOW_CLOSED = define("order.event.window_closed", text=_("Payment window closed"))
EVENT_REFUND_APPROVED = define("order.event.refund_approved", text=_("Refund approved"))
EVENT_REFUND_DECLINED = define("order.event.refund_declined", text=_("Refund declined"))
