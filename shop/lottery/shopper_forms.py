"""Shopper forms of campaigns (operator forms are in :mod:`.forms`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import phone_validator

from .services import id_card_is_valid


class DetailsForm(forms.Form):
    """Where to send a physical prize. The ID-card number is checked here and kept masked."""

    recipient = forms.CharField(label=_("Recipient"), max_length=60)
    id_card = forms.CharField(label=_("ID-card number"), min_length=18, max_length=18,
                              help_text=_("18 characters; we keep only the first three and the last four."))
    phone = forms.CharField(label=_("Phone number"), max_length=20, validators=[phone_validator])
    address = forms.CharField(label=_("Address"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_id_card(self):
        value = self.cleaned_data["id_card"].strip().upper()
        if not id_card_is_valid(value):
            raise forms.ValidationError(_("This ID-card number is not valid — please check it."))
        return value

    @classmethod
    def initial_from(cls, address) -> dict:
        return {"recipient": address.name, "phone": address.phone, "address": address.address} if address else {}
