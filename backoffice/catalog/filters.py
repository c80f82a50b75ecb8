import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product, ProductKind, ProductStatus


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices, label=_("Kind"))

    class Meta:
        model = Product
        fields = ["q", "status", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(slug__icontains=value))
