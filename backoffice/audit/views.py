from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from shop.core.models import AuditLog

from ..access import StaffRequiredMixin
from ..tables import HtmxTableMixin
from .filters import AuditFilter
from .tables import AuditTable


class AuditLogView(StaffRequiredMixin, HtmxTableMixin, SingleTableMixin, FilterView):
    area_permission = "core.view_auditlog"
    table_class = AuditTable
    filterset_class = AuditFilter
    template_name = "backoffice/audit/list.html"

    def get_queryset(self):
        return AuditLog.objects.select_related("actor")
