from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversionConfig(AppConfig):
    """Credit conversion (SPEC §5): gems into wallet balance, once a month, within a quota."""

    name = "shop.conversion"
    label = "conversion"
    verbose_name = _("Credit conversion")
