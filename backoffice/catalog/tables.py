import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product
from shop.core.money import format_money

from ..tables import BackofficeTable, TimeColumn


class ProductTable(BackofficeTable):
    cover = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "py-1"}})
    title = tables.Column(verbose_name=_("Title"))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    active_policies = tables.Column(verbose_name=_("Price options"), attrs={"td": {"class": "text-center"},
                                                                           "th": {"class": "text-center"}})
    min_price = tables.Column(verbose_name=_("From"), default="—", attrs={"td": {"class": "text-end money"},
                                                                          "th": {"class": "text-end"}})
    updated_at = TimeColumn(verbose_name=_("Updated"), classes="small text-secondary")
    actions = tables.TemplateColumn(template_name="backoffice/catalog/_actions.html", verbose_name="",
                                    orderable=False, attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(BackofficeTable.Meta):
        model = Product
        fields = ["cover", "title", "kind", "status", "active_policies", "min_price", "updated_at", "actions"]
        order_by = ["-updated_at"]
        row_attrs = {"data-testid": "product-row"}

    def render_cover(self, record):
        return render_to_string("catalog/_cover.html", {"product": record, "size": "sm"})

    def render_title(self, record):
        return render_to_string("backoffice/catalog/_title.html", {"product": record})

    def render_kind(self, record):
        return render_to_string("catalog/_kind_badge.html", {"product": record})

    def render_min_price(self, value):
        return format_money(value)

    def render_status(self, record):
        return render_to_string("backoffice/catalog/_status.html", {"product": record},
                                request=getattr(self, "request", None))
