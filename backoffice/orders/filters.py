import django_filters
from django.utils.translation import gettext_lazy as _

from shop.core import clock
from shop.orders.models import Enrollment, EnrollmentStatus, Order, OrderStatus

from ..filters import CreatedBetweenFilterSet


class OrderFilter(CreatedBetweenFilterSet):
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Order number"))
    user = django_filters.CharFilter(field_name="user__username", lookup_expr="icontains", label=_("Shopper"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Status"), method="by_status")

    class Meta:
        model = Order
        fields = ["number", "user", "status", "since", "until"]

    def by_status(self, queryset, name, value):
        return queryset.with_status(value, clock.now()) if value else queryset


class EnrollmentFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="user__username", lookup_expr="icontains", label=_("Shopper"))
    product = django_filters.CharFilter(field_name="product__title", lookup_expr="icontains", label=_("Course"))
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices, label=_("Status"))

    class Meta:
        model = Enrollment
        fields = ["user", "product", "status"]
