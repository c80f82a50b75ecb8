"""Shopper forms of gift draws. They check input; the rules are ``services``'s."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_GIFTS, MAX_NEEDED, WISH_MAX, Method

KEY_MAX = 40


class NewDrawForm(forms.Form):
    key = forms.CharField(max_length=KEY_MAX, required=False, widget=forms.HiddenInput)
    package = forms.TypedChoiceField(label=_("Gift package"), coerce=int)
    gifts = forms.IntegerField(label=_("Number of gifts"), min_value=1, max_value=MAX_GIFTS, initial=1)
    wish = forms.CharField(label=_("Your wish"), max_length=WISH_MAX, initial=_("A little something for you!"),
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Shown to everyone who opens the link."))
    method = forms.ChoiceField(label=_("How the gifts are handed out"), choices=Method.choices,
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial=Method.FULL)
    needed = forms.IntegerField(label=_("Draw when this many have joined"), min_value=2, max_value=MAX_NEEDED,
                                required=False)
    draws_at = forms.DateTimeField(label=_("Draw at"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                              format="%Y-%m-%dT%H:%M"),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   help_text=_("In the shop's time zone."))

    def __init__(self, *args, holdings, **kwargs):
        super().__init__(*args, **kwargs)
        self.holdings = {h.product_id: h for h in holdings}
        self.fields["package"].choices = [
            (h.product_id, _("%(title)s — %(n)s available") % {"title": h.product.title, "n": h.available})
            for h in holdings]

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == Method.FULL and not data.get("needed") and "needed" not in self.errors:
            self.add_error("needed", _("Say how many participants the draw waits for."))
        if method == Method.TIMED and not data.get("draws_at") and "draws_at" not in self.errors:
            self.add_error("draws_at", _("Pick when the draw happens."))
        holding = self.holdings.get(data.get("package"))
        gifts = data.get("gifts")
        if holding is not None and gifts and gifts > holding.available:
            self.add_error("gifts", _("You have %(n)s gifts of this package left.") % {"n": holding.available})
        return data


class AddressForm(forms.Form):
    address = forms.ModelChoiceField(label=_("Send it to"), queryset=None, empty_label=None,
                                     widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                     error_messages={"required": _("Choose the address we send the gift to."),
                                                     "invalid_choice": _("Choose the address we send the gift to.")})

    def __init__(self, *args, addresses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].queryset = addresses
        self.fields["address"].label_from_instance = lambda a: f"{a.name} · {a.phone} · {a.address}"
