from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shop.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self):
        from shop.core.sessions import read_with_user

        from . import selectors

        selectors.watch_catalogue()
        read_with_user("catalogue_version", selectors.version_column)
