from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from shop.core.money import format_credits

from .models import MAX_GEMS


def _at_most(limit):
    return lazy(lambda: str(_("Enter at most %(max)s.")) % {"max": format_credits(limit)}, str)()


class ConvertForm(forms.Form):
    gems = forms.DecimalField(
        label=_("Gems to convert"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_GEMS,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        error_messages={"invalid": _("Enter the number of gems as a number, e.g. 150."),
                        "min_value": _("Enter a number of gems greater than zero."),
                        "max_value": _at_most(MAX_GEMS),
                        "max_digits": _("That number has too many digits."),
                        "max_decimal_places": _("Gems have at most two decimal places."),
                        "max_whole_digits": _("That number has too many digits."),
                        "required": _("Enter how many gems to convert.")},
    )
    idem = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("gems", autocomplete="off", hx_get=reverse_lazy("conversion:preview"), hx_target="#preview",
                  hx_trigger="input changed delay:300ms, change", hx_swap="outerHTML", hx_sync="this:replace"),
        )  # the one-time key ``idem`` is rendered by the template (a new one for a fresh page)

    def clean_idem(self):
        key = self.cleaned_data.get("idem") or ""
        return key if key.isalnum() else ""
