
from shop.core.models import AuditLog

from ..access import StaffRequiredMixin
from ..tables import BackofficeListView
from .filters import AuditFilter
from .tables import AuditTable


class AuditLogView(StaffRequiredMixin, BackofficeListView):
    area_permission = "core.view_auditlog"
    table_class = AuditTable
    filterset_class = AuditFilter
    template_name = "backoffice/audit/list.html"

    def get_queryset(self):
        return AuditLog.objects.select_related("actor")
