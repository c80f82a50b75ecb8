from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DegreeRegistration


class RefundRequestForm(forms.Form):
    reason = forms.CharField(label=_("Why do you want a refund?"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DegreeRegistrationForm(forms.ModelForm):
    class Meta:
        model = DegreeRegistration
        fields = ["current_company", "current_position", "current_salary", "work_experience", "weekly_plan",
                  "why_course", "why_us", "expectations"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ["weekly_plan", "why_course", "why_us", "expectations"]}

    def clean_current_salary(self):
        salary = self.cleaned_data["current_salary"]
        if salary < 0:
            raise forms.ValidationError(_("Enter an amount of zero or more."))
        return salary
