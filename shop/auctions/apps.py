from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    """Auctions (SPEC §7): sessions, lots, deposits, bids, settlement, live comments. Registers
    two order kinds: a deposit paid online, and a won lot."""

    name = "shop.auctions"
    label = "auctions"
    verbose_name = _("Auctions")

    def ready(self):
        from datetime import timedelta

        from django.conf import settings

        from shop.orders.kinds import OrderKind, register

        from . import services, settlement

        register(OrderKind(
            code=services.DEPOSIT_KIND,
            label=_("Auction deposit"),
            payment_window=lambda: timedelta(minutes=settings.BAZAAR_ORDER_PAYMENT_MINUTES),
            fulfil=services.hold_paid_deposit,
            release=services.drop_unpaid_deposit,
            refundable=False,
        ))
        register(OrderKind(
            code=services.AUCTION_KIND,
            label=_("Auction lot"),
            payment_window=settlement.payment_window,
            fulfil=settlement.lot_paid,
            release=settlement.lot_unpaid,
            shopper_can_cancel=False,
            refundable=False,
            settle_url=lambda order: f"/me/auctions/orders/{order.number}/pay/",
            needs_shipping=True,
        ))
