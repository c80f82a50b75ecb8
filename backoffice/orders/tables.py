import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from shop.orders.models import Enrollment, Order

from ..tables import BackofficeTable, MoneyColumn, TimeColumn


class OrderTable(BackofficeTable):
    number = tables.Column(verbose_name=_("Order"), linkify=("backoffice:orders:detail", [tables.A("number")]),
                           attrs={"td": {"class": "font-monospace"}})
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    created_at = TimeColumn(verbose_name=_("Created"))
    status = tables.Column(verbose_name=_("Status"))
    original_total = MoneyColumn(verbose_name=_("Original"))
    balance_used = MoneyColumn(verbose_name=_("Balance"))
    payable = MoneyColumn(verbose_name=_("Payable"), attrs={"td": {"class": "text-end money text-nowrap fw-semibold"}})
    payment_method = tables.Column(verbose_name=_("Paid with"))

    class Meta(BackofficeTable.Meta):
        model = Order
        fields = ["number", "user", "created_at", "status", "original_total", "balance_used", "payable",
                  "payment_method"]
        order_by = ["-created_at"]

    def render_status(self, record):
        return render_to_string("orders/_status_badge.html", {"order": record})


class EnrollmentTable(BackofficeTable):
    user = tables.Column(verbose_name=_("Shopper"), accessor="user__username", order_by="user__username")
    product = tables.Column(verbose_name=_("Course"), accessor="product__title", order_by="product__title")
    status = tables.Column(verbose_name=_("Status"))
    starts_at = tables.DateColumn(verbose_name=_("From"), format="Y-m-d")
    ends_at = tables.DateColumn(verbose_name=_("Until"), format="Y-m-d")
    mentor = tables.Column(verbose_name=_("Mentor"), accessor="mentor__username", default="—")
    manage = tables.LinkColumn("backoffice:orders:enrollment", args=[tables.A("pk")], text=_("Open"),
                               orderable=False, verbose_name="")

    class Meta(BackofficeTable.Meta):
        model = Enrollment
        fields = ["user", "product", "status", "starts_at", "ends_at", "mentor", "manage"]
        order_by = ["-ends_at"]
