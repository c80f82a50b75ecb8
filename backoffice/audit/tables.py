import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditLog

from ..tables import BackofficeTable


class AuditTable(BackofficeTable):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    actor = tables.Column(verbose_name=_("Who"), default="—")
    before = tables.JSONColumn(verbose_name=_("Before"), orderable=False)
    after = tables.JSONColumn(verbose_name=_("After"), orderable=False)

    class Meta(BackofficeTable.Meta):
        model = AuditLog
        fields = ["created_at", "actor", "action", "target_type", "target_repr", "before", "after"]
        order_by = ["-created_at"]
