import django_filters
from django.utils.translation import gettext_lazy as _

from shop.auctions.models import AuctionSession, BannedWord, CommentColour, SessionState
from shop.core import clock

from ..filters import AnyYesNo


class SessionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Search"))
    state = django_filters.ChoiceFilter(choices=SessionState.choices, method="by_state", label=_("State"))

    class Meta:
        model = AuctionSession
        fields = ["q", "state"]

    def by_state(self, queryset, name, value):
        """By the clock (``AuctionSession.state_at``), not the stored status, which may lag behind
        its jobs."""
        now = clock.now()
        if value == SessionState.NOT_STARTED:
            return queryset.filter(preview_starts_at__gt=now)
        if value == SessionState.PREVIEW:
            return queryset.filter(preview_starts_at__lte=now, starts_at__gt=now)
        if value == SessionState.BIDDING:
            return queryset.filter(starts_at__lte=now, ends_at__gt=now)
        return queryset.filter(ends_at__lte=now)


class ColourFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    asset = django_filters.ChoiceFilter(choices=[("gem", _("Gems")), ("gold", _("Gold"))], label=_("Paid with"))
    is_active = django_filters.BooleanFilter(label=_("Offered"), widget=AnyYesNo)

    class Meta:
        model = CommentColour
        fields = ["q", "asset", "is_active"]


class WordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="word", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = BannedWord
        fields = ["q"]
