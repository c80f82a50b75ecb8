from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from shop.conversion.models import MAX_GEMS, MAX_LOSS, MAX_QUOTA, MAX_RATE, MIN_GEMS, MIN_RATE, ConversionSettings
from shop.conversion.services import settings_errors

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SettingsForm(forms.ModelForm):
    """The operator's conversion terms; ``services.save_settings`` checks the same bounds again."""

    class Meta:
        model = ConversionSettings
        fields = ["rate", "loss_percent", "min_gems", "monthly_quota", "opens_at", "closes_at"]
        widgets = {"opens_at": DT, "closes_at": DT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        bounds = {"rate": (MIN_RATE, MAX_RATE), "loss_percent": (Decimal("0"), MAX_LOSS),
                  "min_gems": (MIN_GEMS, MAX_GEMS), "monthly_quota": (Decimal("0"), MAX_QUOTA)}
        words = settings_errors({"rate": Decimal(0), "loss_percent": Decimal(-1), "min_gems": Decimal(0),
                                 "monthly_quota": Decimal(-1)})  # the bounds, said the same way
        for name, (low, high) in bounds.items():
            field = self.fields[name]
            field.widget.attrs.update(min=str(low), max=str(high), inputmode="decimal")
            for code in ("max_digits", "max_whole_digits"):  # too long a number is out of bounds too
                field.error_messages[code] = words[name].replace("%", "%%")  # params are applied to it
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("rate", css_class="col-md-6"), Column("loss_percent", css_class="col-md-6")),
            Row(Column("min_gems", css_class="col-md-6"), Column("monthly_quota", css_class="col-md-6")),
            Row(Column("opens_at", css_class="col-md-6"), Column("closes_at", css_class="col-md-6")),
        )

    def clean(self):
        data = super().clean()
        for field, message in settings_errors(data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data
