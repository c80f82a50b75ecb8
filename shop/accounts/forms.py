from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .models import Address, User


class SignupForm(auth_forms.UserCreationForm):
    email = forms.EmailField(label=_("Email"), required=False, help_text=_("For password resets."))

    class Meta:
        model = User
        fields = ["username", "email"]
        labels = {"username": _("Username")}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "phone", "avatar"]


class AddressForm(forms.ModelForm):
    make_default = forms.BooleanField(label=_("Use as default address"), required=False)

    class Meta:
        model = Address
        fields = ["name", "phone", "address"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
