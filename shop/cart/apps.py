from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = _("Cart")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .services import merge_at_login

        user_logged_in.connect(merge_at_login, dispatch_uid="cart-merge-at-login")
