from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from shop.core.money import format_credits
from shop.wallet.models import SPENDABLE, WALLET_MAX


class AdjustForm(forms.Form):
    GRANT, DEDUCT = "grant", "deduct"

    direction = forms.ChoiceField(label=_("Action"), choices=[(GRANT, _("Grant")), (DEDUCT, _("Deduct"))])
    asset = forms.ChoiceField(label=_("Asset"), choices=SPENDABLE)
    amount = forms.DecimalField(  # the wallet's limit (not the column's digits) bounds it, with words
        label=_("Amount"), decimal_places=2, min_value=Decimal("0.01"), max_value=WALLET_MAX,
        error_messages={"max_value": lazy(lambda: _("Enter at most %(limit_value)s at a time.")
                                          % {"limit_value": format_credits(WALLET_MAX)}, str)()},
    )
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
