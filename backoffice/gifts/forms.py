from django import forms
from django.utils.translation import gettext_lazy as _

from shop.gifts.models import Participant

TRACKING_MAX = Participant._meta.get_field("tracking").max_length


class MarkSentForm(forms.Form):
    """One winner's gift sent, with an optional tracking reference (the row's own small form)."""

    participant = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    tracking = forms.CharField(label=_("Tracking"), required=False, max_length=TRACKING_MAX,
                               error_messages={"max_length": _("Enter a tracking reference of at most %(limit_value)d "
                                                               "characters.")})
