import django_tables2 as tables


class BackofficeTable(tables.Table):
    """Base of every operator table: bootstrap look, htmx sort/pagination inside ``#table``."""

    class Meta:
        template_name = "backoffice/table.html"
        attrs = {"class": "table table-hover table-sm align-middle mb-0", "thead": {"class": "table-light"}}
        per_page = 25


class HtmxTableMixin:
    """Full page normally; just the ``#table`` partial for htmx sort/filter/pagination."""

    def get_template_names(self):
        name = super().get_template_names()[0]
        return [f"{name}#table"] if self.request.htmx else [name]
