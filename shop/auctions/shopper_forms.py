"""Shopper forms of the auction pages. Amounts stay text here: ``services.parse_amount`` turns
them into money with the words a shopper understands, in one place for every caller."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.core.money import format_credits, format_money

from .models import COMMENT_MAX

KEY_MAX = 40


class _KeyedForm(forms.Form):
    """A form with a one-time ``key``: the same form posted twice does its work once."""

    key = forms.CharField(max_length=KEY_MAX, required=False, widget=forms.HiddenInput)


class BidForm(_KeyedForm):
    amount = forms.CharField(label=_("Your bid"), max_length=30)
    maximum = forms.CharField(label=_("Automatic bidding maximum"), max_length=30, required=False,
                              help_text=_("Optional: we bid for you, one increment at a time, up to this amount."))


class DepositForm(forms.Form):
    scope = forms.ChoiceField(choices=[("lot", _("This lot")), ("session", _("The whole session"))], required=False)
    method = forms.ChoiceField(choices=[("balance", _("From my balance")), ("online", _("Pay online"))])


class CommentForm(_KeyedForm):
    text = forms.CharField(label=_("Comment"), max_length=COMMENT_MAX)
    colour = forms.TypedChoiceField(label=_("Colour"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, colours=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colour"].choices = [("", _("Plain (free)"))] + [
            (c.pk, f"{c.name} · {format_credits(c.price)} {c.get_asset_display().lower()}") for c in colours]


class PayForm(forms.Form):
    """Settling a won lot before the gateway: where it goes, one session coupon, some balance."""

    address = forms.ModelChoiceField(label=_("Ship to"), queryset=None, empty_label=None, widget=forms.RadioSelect,
                                     error_messages={"required": _("Choose the address we ship the lot to."),
                                                     "invalid_choice": _("Choose the address we ship the lot to.")})
    coupon = forms.ModelChoiceField(label=_("Session coupon"), queryset=None, required=False,
                                    empty_label=_("No coupon"),
                                    error_messages={"invalid_choice": _("That coupon can't be used on this lot.")})
    balance = forms.DecimalField(label=_("Use balance"), min_value=Decimal("0"), max_digits=12, decimal_places=2,
                                 required=False)

    def __init__(self, *args, addresses, coupons, wallet_balance: Decimal, settled: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.wallet_balance = wallet_balance
        self.fields["address"].queryset = addresses
        self.fields["address"].label_from_instance = lambda a: f"{a.name} · {a.phone} · {a.address}"
        self.fields["coupon"].queryset = coupons
        self.fields["coupon"].label_from_instance = lambda c: f"{c.coupon.name} ({c.coupon.headline})"
        self.fields["balance"].help_text = _("You have %(amount)s in your wallet.") % {
            "amount": format_money(wallet_balance)}
        if settled:  # a coupon or balance is already counted: only the address can change
            del self.fields["coupon"]
            del self.fields["balance"]

    def clean_balance(self):
        value = self.cleaned_data.get("balance") or Decimal("0.00")
        if value > self.wallet_balance:
            raise forms.ValidationError(_("You have only %(amount)s in your wallet.")
                                        % {"amount": format_money(self.wallet_balance)})
        return value
