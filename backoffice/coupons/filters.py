import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.core import clock
from shop.coupons.models import ClaimStatus, Coupon, CouponScope


class CouponFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, method="by_status", label=_("Status"))
    scope = django_filters.ChoiceFilter(choices=CouponScope.choices, label=_("Scope"))

    class Meta:
        model = Coupon
        fields = ["q", "status", "scope"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(product__title__icontains=value)
                               | Q(auction_session__title__icontains=value))

    def by_status(self, queryset, name, value):
        """By the clock, not the stored column (which may lag behind its jobs)."""
        now = clock.now()
        if value == ClaimStatus.NOT_STARTED:
            return queryset.filter(claim_opens_at__gt=now)
        if value == ClaimStatus.CLAIMING:
            return queryset.filter(claim_opens_at__lte=now, claim_closes_at__gt=now)
        return queryset.filter(claim_closes_at__lte=now)
