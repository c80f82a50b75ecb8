from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Courses as a kind of order: paying grants enrollments, a refund takes back that order's
    days. (The ``Enrollment`` table still lives in ``shop.orders`` for history's sake.)"""

    name = "shop.courses"
    label = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from datetime import timedelta

        from django.conf import settings

        from shop.orders.kinds import OrderKind, register

        from . import services

        register(OrderKind(
            code=services.COURSE,
            label=_("Courses"),
            payment_window=lambda: timedelta(minutes=settings.BAZAAR_ORDER_PAYMENT_MINUTES),
            fulfil=services.grant_enrollments,
            take_back=services.take_back_enrollments,
        ))
