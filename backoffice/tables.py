import django_tables2 as tables
from django.shortcuts import render
from django.utils.html import format_html
from django_filters.views import FilterView
from django_tables2 import RequestConfig

from shop.core.money import format_credits, format_money


class BackofficeTable(tables.Table):
    """Base of every operator table: bootstrap look, htmx sort/pagination inside ``#table``."""

    class Meta:
        template_name = "backoffice/table.html"
        attrs = {"class": "table table-hover table-sm align-middle mb-0", "thead": {"class": "table-light"}}
        per_page = 25


def table_page(request, table, template: str, context: dict, *, per_page: int = 25, status: int = 200):
    """A page built around one table: the table paginated from the request; an htmx GET (its
    sorting and paging links) gets just the table, anything else the whole ``template``."""
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)
    context["table"] = table
    if request.htmx and request.method == "GET":
        return render(request, "backoffice/_table.html", context)
    return render(request, template, context, status=status)


class TimeColumn(tables.DateTimeColumn):
    """A moment in the site's time zone, kept on one line (a phone broke "2026-12-01" at its
    hyphens); ``classes``: more classes for its cells."""

    def __init__(self, *args, format: str = "Y-m-d H:i", classes: str = "", **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": f"text-nowrap {classes}".strip()}})
        super().__init__(*args, format=format, **kwargs)


class MoneyColumn(tables.Column):
    """An amount through the one money format (``¥12,800.00``); ``sign=True`` for ledgers (``+¥5.00``)."""

    def __init__(self, *args, sign: bool = False, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end money text-nowrap"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)
        self.sign = sign

    def render(self, value):
        return format_money(value, sign=self.sign)


class CreditsColumn(MoneyColumn):
    """Gems or gold: no decimals when whole (``1,200``)."""

    def render(self, value):
        return format_credits(value, sign=self.sign)


class AssetAmountColumn(MoneyColumn):
    """A wallet amount whose row says which asset it is (``asset_field``): money or credits."""

    def __init__(self, *args, asset_field: str = "asset", **kwargs):
        super().__init__(*args, **kwargs)
        self.asset_field = asset_field

    def render(self, value, record):
        fmt = format_money if getattr(record, self.asset_field) == "balance" else format_credits
        if not self.sign:
            return fmt(value)
        return format_html('<span class="fw-semibold {}">{}</span>', "text-danger" if value < 0 else "text-success",
                           fmt(value, sign=True))


class HtmxTableMixin:
    """Full page normally; just the table (``backoffice/_table.html``, root ``#table``) for
    htmx sort/filter/pagination."""

    def get_template_names(self):
        return ["backoffice/_table.html"] if self.request.htmx else super().get_template_names()



class BackofficeListView(HtmxTableMixin, tables.SingleTableMixin, FilterView):
    """A filtered, sortable, paginated table page; set ``area_permission`` (checked by
    ``StaffRequiredMixin``, listed first by subclasses), ``table_class``, ``filterset_class``,
    ``template_name`` and ``get_queryset``; ``tab`` names the area tab it shows (if any)."""

    tab = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tab": self.tab}
