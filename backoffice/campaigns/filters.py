import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.core import clock
from shop.lottery.models import (
    Campaign,
    CampaignKind,
    CampaignState,
    CodePool,
    Draw,
    Outcome,
    PrizeOrder,
    PrizeOrderStatus,
    PrizeSource,
)

from ..filters import AnyYesNo

TO_SHIP = "to_ship"


def campaign_choices():
    return Campaign.objects.order_by("-starts_at", "-id").values_list("pk", "title")


class CampaignFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=CampaignKind.choices, label=_("Kind"))
    state = django_filters.ChoiceFilter(choices=CampaignState.choices, method="by_state", label=_("State"))

    class Meta:
        model = Campaign
        fields = ["q", "kind", "state"]

    def by_state(self, queryset, name, value):
        """By the clock, not the stored column (which may lag behind its jobs)."""
        now = clock.now()
        if value == CampaignState.SCHEDULED:
            return queryset.filter(starts_at__gt=now)
        if value == CampaignState.ENDED:
            return queryset.filter(ends_at__lte=now)
        running = queryset.filter(starts_at__lte=now, ends_at__gt=now)
        return running.filter(is_paused=value == CampaignState.PAUSED)


class PrizeOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Order or shopper"))
    status = django_filters.ChoiceFilter(
        choices=[(TO_SHIP, _("To ship")), *PrizeOrderStatus.choices], method="by_status", label=_("Status"))
    campaign = django_filters.ChoiceFilter(choices=campaign_choices, label=_("Campaign"))
    source = django_filters.ChoiceFilter(choices=PrizeSource.choices, label=_("Source"))

    class Meta:
        model = PrizeOrder
        fields = ["q", "status", "campaign", "source"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(user__username__icontains=value))

    def by_status(self, queryset, name, value):
        """"To ship" is what operators work through: physical prizes with the shopper's details."""
        return queryset.filter(status=PrizeOrderStatus.CLAIMED if value == TO_SHIP else value)


class DrawFilter(django_filters.FilterSet):
    campaign = django_filters.ChoiceFilter(choices=campaign_choices, label=_("Campaign"))
    user = django_filters.CharFilter(field_name="user__username", lookup_expr="iexact", label=_("Shopper"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("Outcome"))

    class Meta:
        model = Draw
        fields = ["campaign", "user", "outcome"]


class PoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    members_gift = django_filters.BooleanFilter(label=_("Gift to members"), widget=AnyYesNo)

    class Meta:
        model = CodePool
        fields = ["q", "members_gift"]
