import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditLog

from ..tables import BackofficeTable, TimeColumn
from .diff import changes_of


class AuditTable(BackofficeTable):
    # Shown in the site's time zone (the date filter localises), like every time in the backoffice.
    created_at = TimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s", classes="small")
    actor = tables.Column(verbose_name=_("Who"), default="—")
    action = tables.Column(verbose_name=_("Action"), attrs={"td": {"class": "font-monospace small"}})
    target_repr = tables.Column(verbose_name=_("Target"))
    changes = tables.Column(verbose_name=_("Changes"), accessor="pk", orderable=False)

    class Meta(BackofficeTable.Meta):
        model = AuditLog
        fields = ["created_at", "actor", "action", "target_repr", "changes"]
        order_by = ["-created_at"]

    def render_target_repr(self, record):
        return render_to_string("backoffice/audit/_target.html", {"entry": record})

    def render_changes(self, record):
        return render_to_string("backoffice/audit/_changes.html", {"changes": changes_of(record)})
