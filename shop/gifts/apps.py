from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GiftsConfig(AppConfig):
    """Shareable gift draws (SPEC §6). Gift packages are sold in the same cart as courses, so this
    app adds its hooks to the course kind of order: paying credits the package's gift units, a
    refund takes back the ones still unused."""

    name = "shop.gifts"
    label = "gifts"
    verbose_name = _("Gift draws")

    def ready(self):
        from shop.courses.services import COURSE
        from shop.orders.kinds import KindExtension, extend

        from . import services

        extend(COURSE, "gift_units", KindExtension(fulfil=services.credit_units, take_back=services.take_back_units,
                                                   check_refund=services.check_refund))
