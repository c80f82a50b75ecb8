import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class AnyYesNo(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "Any" instead of django's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class CreatedBetweenFilterSet(django_filters.FilterSet):
    """Adds From / To date filters on ``created_at``."""

    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
