from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from shop.wallet.models import Asset


class AdjustForm(forms.Form):
    GRANT, DEDUCT = "grant", "deduct"

    direction = forms.ChoiceField(label=_("Action"), choices=[(GRANT, _("Grant")), (DEDUCT, _("Deduct"))])
    asset = forms.ChoiceField(label=_("Asset"), choices=Asset.choices)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    memo = forms.CharField(label=_("Memo"), max_length=200,
                           help_text=_("Why — shown to the shopper in their wallet history."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("direction", css_class="col-sm-6"), Column("asset", css_class="col-sm-6")),
            Field("amount", inputmode="decimal"),
            "memo",
        )
