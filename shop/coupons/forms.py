from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Product

from .models import Coupon, CouponKind, CouponScope

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CouponForm(forms.ModelForm):
    VALIDITY_FIXED, VALIDITY_DAYS = "fixed", "days"
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
        data = super().clean()
        kind, value = data.get("kind"), data.get("value")
        if kind in (CouponKind.FLAT, CouponKind.THRESHOLD):
            if value is None or value <= 0:
                self.add_error("value", _("Enter a value greater than zero."))
            data["off_percent"] = None
        if kind == CouponKind.THRESHOLD:
            min_spend = data.get("min_spend")
            if min_spend is None:
                self.add_error("min_spend", _("A spend-and-save coupon needs a minimum spend."))
            elif value is not None and min_spend <= value:
                self.add_error("min_spend", _("The minimum spend must be greater than the value."))
        elif kind:
            data["min_spend"] = None
        if kind == CouponKind.PERCENT:
            off = data.get("off_percent")
            if off is None or not 1 <= off <= 99:
                self.add_error("off_percent", _("Enter a percentage from 1 to 99."))
            data["value"] = 0
        scope = data.get("scope")
        if scope == CouponScope.PRODUCT and not data.get("product"):
            self.add_error("product", _("Choose the course this coupon is for."))
        elif scope == CouponScope.SESSION:
            self.add_error("scope", _("Auction sessions are not available yet."))
        elif scope == CouponScope.GLOBAL:
            data["product"] = None
        for name in ("quantity", "per_user_limit"):
            if data.get(name) is not None and data[name] < 1:
                self.add_error(name, _("Enter a whole number of at least 1."))
        opens, closes = data.get("claim_opens_at"), data.get("claim_closes_at")
        if opens and closes and closes < opens:
            self.add_error("claim_closes_at", _("Claiming must close after it opens."))
        if data.get("validity") == self.VALIDITY_DAYS:
            days = data.get("valid_days")
            if not days:
                self.add_error("valid_days", _("Enter a number of days greater than zero."))
            data["valid_from"] = data["valid_until"] = None
        elif data.get("validity") == self.VALIDITY_FIXED:
            start, end = data.get("valid_from"), data.get("valid_until")
            if not start:
                self.add_error("valid_from", _("Enter when the coupon can first be used."))
            if not end:
                self.add_error("valid_until", _("Enter when the coupon stops being valid."))
            if start and end and end <= start:
                self.add_error("valid_until", _("The end of validity must be after its start."))
            data["valid_days"] = None
        return data
