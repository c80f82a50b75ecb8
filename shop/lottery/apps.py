from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LotteryConfig(AppConfig):
    """Lottery and exchange campaigns (SPEC §5): draws, prizes, prize orders, redeem codes."""

    name = "shop.lottery"
    label = "lottery"
    verbose_name = _("Campaigns")
