from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class SettlementForm(forms.Form):
    """The choices of the settlement page. Coupon fields are added per line."""

    lines = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    global_coupon = forms.TypedChoiceField(label=_("Global coupon"), coerce=int, required=False, empty_value=None,
                                           widget=forms.Select(attrs={"class": "form-select"}))
    balance = forms.DecimalField(
        label=_("Use balance"), min_value=Decimal("0"), max_digits=12, decimal_places=2, required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={"min_value": _("The balance to use can't be negative."),
                        "invalid": _("Enter the balance to use as a number, e.g. 12.50.")},
    )
    shown_payable = forms.DecimalField(required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=2)

    def __init__(self, *args, cart_lines, line_options, global_options, **kwargs):
        super().__init__(*args, **kwargs)
        self.cart_lines = cart_lines
        self.fields["lines"].choices = [(line.pk, line.pk) for line in cart_lines]
        none = [("", _("No coupon"))]
        self.fields["global_coupon"].choices = none + [(c.pk, c.label) for c in global_options]
        for line in cart_lines:
            name = f"coupon_{line.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=_("Coupon"), coerce=int, required=False, empty_value=None,
                choices=none + [(c.pk, c.label) for c in line_options.get(line.pk, [])],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def rows(self):
        return [(line, self[f"coupon_{line.pk}"]) for line in self.cart_lines]

    def line_coupons(self) -> dict[int, int | None]:
        return {line.pk: self.cleaned_data.get(f"coupon_{line.pk}") for line in self.cart_lines}
