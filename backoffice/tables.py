import django_tables2 as tables
from django_filters.views import FilterView


class BackofficeTable(tables.Table):
    """Base of every operator table: bootstrap look, htmx sort/pagination inside ``#table``."""

    class Meta:
        template_name = "backoffice/table.html"
        attrs = {"class": "table table-hover table-sm align-middle mb-0", "thead": {"class": "table-light"}}
        per_page = 25


class HtmxTableMixin:
    """Full page normally; just the table (``backoffice/_table.html``, root ``#table``) for
    htmx sort/filter/pagination."""

    def get_template_names(self):
        return ["backoffice/_table.html"] if self.request.htmx else super().get_template_names()



class BackofficeListView(HtmxTableMixin, tables.SingleTableMixin, FilterView):
    """A filtered, sortable, paginated table page; set ``area_permission`` (checked by
    ``StaffRequiredMixin``, listed first by subclasses), ``table_class``, ``filterset_class``,
    ``template_name`` and ``get_queryset``."""
