import django_filters
from django.utils.translation import gettext_lazy as _

from shop.core.models import AuditLog


class AuditFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="icontains", label=_("Action"))
    actor = django_filters.CharFilter(field_name="actor__username", lookup_expr="iexact", label=_("Who"))
    target_type = django_filters.CharFilter(lookup_expr="icontains", label=_("Target type"))

    class Meta:
        model = AuditLog
        fields = ["action", "actor", "target_type"]
