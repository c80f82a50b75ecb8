from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product

from . import rules
from .models import Coupon

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CouponForm(forms.ModelForm):
    VALIDITY_FIXED, VALIDITY_DAYS = rules.FIXED, rules.DAYS
    validity = forms.ChoiceField(
        label=_("Validity"), widget=forms.RadioSelect,
        choices=[(VALIDITY_FIXED, _("Fixed dates")), (VALIDITY_DAYS, _("A number of days after claiming"))],
    )

    class Meta:
        model = Coupon
        fields = ["name", "description", "cover", "kind", "value", "off_percent", "min_spend", "scope", "product",
                  "quantity", "per_user_limit", "claim_opens_at", "claim_closes_at", "valid_from", "valid_until",
                  "valid_days"]
        widgets = {"claim_opens_at": DT, "claim_closes_at": DT, "valid_from": DT, "valid_until": DT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.order_by("title")
        self.fields["product"].required = False
        for name in ["claim_opens_at", "claim_closes_at", "valid_from", "valid_until"]:
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["value"].required = False
        for name, most in (("value", rules.MAX_AMOUNT), ("min_spend", rules.MAX_AMOUNT), ("quantity", rules.MAX_QUANTITY),
                           ("per_user_limit", rules.MAX_PER_USER), ("valid_days", rules.MAX_VALID_DAYS),
                           ("off_percent", 99)):
            self.fields[name].widget.attrs.update(min="1", max=str(most))
        if not self.is_bound:
            self.initial.setdefault("validity", self.VALIDITY_DAYS if self.instance.valid_days else self.VALIDITY_FIXED)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Coupon"), "name", "description", "cover"),
            Fieldset(_("Value"), Row(Column("kind", css_class="col-md-3"), Column("value", css_class="col-md-3"),
                                     Column("off_percent", css_class="col-md-3"), Column("min_spend", css_class="col-md-3"))),
            Fieldset(_("Scope and quantity"), Row(Column("scope", css_class="col-md-4"), Column("product", css_class="col-md-8")),
                     Row(Column("quantity", css_class="col-md-6"), Column("per_user_limit", css_class="col-md-6"))),
            Fieldset(_("Claim window"), Row(Column("claim_opens_at", css_class="col-md-6"),
                                            Column("claim_closes_at", css_class="col-md-6"))),
            Fieldset(_("Validity"), "validity", Row(Column("valid_from", css_class="col-md-4"),
                                                     Column("valid_until", css_class="col-md-4"),
                                                     Column("valid_days", css_class="col-md-4"))),
        )

    def clean(self):
        data = rules.normalized(super().clean())
        for field, message in rules.definition_errors(data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data
