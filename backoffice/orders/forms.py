from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class MentorForm(forms.Form):
    mentor = forms.ModelChoiceField(
        label=_("Mentor"), queryset=get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username"),
        required=False, empty_label=_("No mentor yet"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
