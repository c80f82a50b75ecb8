import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product

from ..tables import BackofficeTable


class ProductTable(BackofficeTable):
    cover = tables.Column(verbose_name="", accessor="pk", orderable=False)
    title = tables.Column(verbose_name=_("Title"), linkify=("backoffice:catalog:edit", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    active_policies = tables.Column(verbose_name=_("Price options"), attrs={"td": {"class": "text-center"}})
    min_price = tables.Column(verbose_name=_("From"), attrs={"td": {"class": "text-end"}}, default="—")
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")

    class Meta(BackofficeTable.Meta):
        model = Product
        fields = ["cover", "title", "kind", "status", "active_policies", "min_price", "updated_at"]
        order_by = ["-updated_at"]

    def render_cover(self, record):
        return render_to_string("catalog/_cover.html", {"product": record, "size": "sm"})

    def render_min_price(self, value):
        return f"{value:.2f}"

    def render_status(self, record):
        return render_to_string("backoffice/catalog/_status.html", {"product": record})
