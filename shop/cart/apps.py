from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = _("Cart")

    def ready(self):
        from shop.core.sessions import read_with_user

        from .selectors import shown_of_user

        read_with_user("cart_shown", shown_of_user)
