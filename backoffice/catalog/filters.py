import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product, ProductKind, ProductStatus


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  widget=forms.TextInput(attrs={"placeholder": _("Title, summary or slug")}))
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices, label=_("Status"), empty_label=_("Any"))
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices, label=_("Kind"), empty_label=_("Any"))

    class Meta:
        model = Product
        fields = ["q", "status", "kind"]

    def search(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(summary__icontains=word) | Q(slug__icontains=word))
        return queryset
