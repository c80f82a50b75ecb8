import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.wallet.models import Asset, EntryKind, LedgerEntry

from ..filters import AnyYesNo, CreatedBetweenFilterSet


class WalletFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Find a shopper"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("username, name, email or phone")}))
    is_member = django_filters.BooleanFilter(label=_("Member"), widget=AnyYesNo)
    is_verified = django_filters.BooleanFilter(label=_("Verified"), widget=AnyYesNo)

    class Meta:
        model = User
        fields = ["q", "is_member", "is_verified"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(username__icontains=value) | Q(display_name__icontains=value)
            | Q(email__icontains=value) | Q(phone__icontains=value)
        )


class LedgerFilter(CreatedBetweenFilterSet):
    asset = django_filters.ChoiceFilter(choices=Asset.choices, label=_("Asset"))
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, label=_("Kind"))

    class Meta:
        model = LedgerEntry
        fields = ["asset", "kind", "since", "until"]
