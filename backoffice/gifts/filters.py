import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.core import clock
from shop.gifts.models import GiftDraw, Method, Participant

from ..filters import AnyYesNo
from . import selectors

TO_SEND, SENT, NO_ADDRESS = "to_send", "sent", "no_address"


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the range of the id column (junk is a filter error, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class GiftDrawFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  widget=forms.TextInput(attrs={"placeholder": _("Giver, token or package")}))
    method = django_filters.ChoiceFilter(choices=Method.choices, label=_("Method"), empty_label=_("Any"))
    status = django_filters.ChoiceFilter(choices=selectors.STATES, method="by_status", label=_("Status"),
                                         empty_label=_("Any"))
    to_send = django_filters.BooleanFilter(method="by_to_send", label=_("Gifts to send"), widget=AnyYesNo)

    class Meta:
        model = GiftDraw
        fields = ["q", "method", "status", "to_send"]

    def search(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(Q(giver__username__icontains=word) | Q(token=word)
                                       | Q(product__title__icontains=word))
        return queryset

    def by_status(self, queryset, name, value):
        """By the clock: a timed draw past its time that is still open is "drawing"."""
        return selectors.by_state(queryset, value, clock.now())

    def by_to_send(self, queryset, name, value):
        """Draws with (or without) a winner's gift waiting to be sent (``to_send`` is annotated
        by :func:`selectors.draws_with_counts`)."""
        return queryset.filter(to_send__gt=0) if value else queryset.filter(to_send=0)


class WinnerFilter(django_filters.FilterSet):
    """The winners CSV: one draw or all, and where their gift is."""

    draw = IdFilter(field_name="draw_id", label=_("Draw"))
    status = django_filters.ChoiceFilter(
        choices=[(TO_SEND, _("To send")), (SENT, _("Sent")), (NO_ADDRESS, _("No address yet"))],
        method="by_status", label=_("Gift"))

    class Meta:
        model = Participant
        fields = ["draw", "status"]

    def by_status(self, queryset, name, value):
        if value == TO_SEND:
            return queryset.filter(shipping__isnull=False, shipped_at__isnull=True)
        if value == SENT:
            return queryset.filter(shipped_at__isnull=False)
        return queryset.filter(shipping__isnull=True)
