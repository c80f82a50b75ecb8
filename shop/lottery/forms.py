"""Operator forms for campaigns (the backoffice). Shopper forms are in ``shopper_forms``.

The forms check what they can show next to a field; the services in :mod:`.operations` check
the same rules again (they are the contract)."""

from __future__ import annotations

import csv
import io

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.core.forms import add_rule_errors
from shop.coupons.models import Coupon

from . import operations
from .models import MAX_CHANCES, MAX_COST, MAX_STOCK, MAX_WEIGHT, Campaign, CampaignKind, CodePool, Prize

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_PRIZE_ROWS = 50


def _bound(field: forms.Field, least, most, words: str) -> None:
    field.widget.attrs.update(min=str(least), max=str(most))
    field.help_text = words


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["title", "description", "cover", "kind", "starts_at", "ends_at", "is_paused", "members_only",
                  "verified_only", "phone_required", "draw_asset", "draw_cost", "free_chances", "draw_limit"]
        widgets = {"starts_at": DT, "ends_at": DT, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = DT_FORMATS
        _bound(self.fields["draw_cost"], 0, MAX_COST,
               _("Credits charged for a draw once the free chances are used: 0 to %(most)s.") % {
                   "most": f"{MAX_COST:,}"})
        _bound(self.fields["free_chances"], 0, MAX_CHANCES, _("0 to %(most)s per shopper.") % {
            "most": f"{MAX_CHANCES:,}"})
        _bound(self.fields["draw_limit"], 1, MAX_CHANCES, _("1 to %(most)s; empty: no limit.") % {
            "most": f"{MAX_CHANCES:,}"})
        self.fields["draw_asset"].help_text = _("Exchange items are priced in it too.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Campaign"), "title", "description", "cover", "kind"),
            Fieldset(_("Online window"), Row(Column("starts_at", css_class="col-md-6"),
                                             Column("ends_at", css_class="col-md-6")), "is_paused"),
            Fieldset(_("Who may take part"), "members_only", "verified_only", "phone_required"),
            # an exchange campaign only prices its items in the asset: the draw fields are hidden
            Fieldset(format_html('<span class="lottery-only">{}</span><span class="exchange-only">{}</span>',
                                 _("Draws"), _("Prices")),
                     Row(Column("draw_asset", css_class="col-md-3"),
                         Column("draw_cost", css_class="col-md-3 lottery-only"),
                         Column("free_chances", css_class="col-md-3 lottery-only"),
                         Column("draw_limit", css_class="col-md-3 lottery-only"))),
        )

    def clean(self):
        data = super().clean()
        probe = Campaign(**{name: data.get(name) for name in self.Meta.fields if name != "cover"})
        add_rule_errors(self, operations.campaign_errors(probe))
        return data


class PrizeForm(forms.ModelForm):
    stock_seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_STOCK)

    class Meta:
        model = Prize
        fields = ["title", "cover", "grant", "asset", "amount", "coupon", "pool", "weight", "stock_left",
                  "win_limit", "is_default", "price", "position"]

    def __init__(self, *args, kind: str = CampaignKind.LOTTERY, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # live coupons, and the one a prize already gives even if it was deleted since
        self.fields["coupon"].queryset = Coupon.objects.filter(
            Q(is_deleted=False) | Q(pk=self.instance.coupon_id)).order_by("name")
        self.fields["pool"].queryset = CodePool.objects.order_by("name")
        self.fields["asset"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["stock_seen"] = self.instance.stock_left
        _bound(self.fields["weight"], 0, MAX_WEIGHT, _("0 to %(most)s; 0: never drawn.") % {
            "most": f"{MAX_WEIGHT:,}"})
        _bound(self.fields["stock_left"], 0, MAX_STOCK, _("0 to %(most)s.") % {"most": f"{MAX_STOCK:,}"})
        _bound(self.fields["win_limit"], 1, MAX_CHANCES, _("1 to %(most)s; empty: no limit.") % {
            "most": f"{MAX_CHANCES:,}"})
        _bound(self.fields["price"], "0.01", MAX_COST, _("Exchange items: what one costs in the campaign's credits, up to %(most)s.") % {
            "most": f"{MAX_COST:,}"})
        self.fields["amount"].help_text = _("Wallet credits: how much the prize gives.")
        self.fields["weight"].widget.attrs["data-odds"] = "weight"

    def clean(self):
        data = super().clean()
        if data.get("DELETE"):
            return data
        probe = Prize(**{name: data.get(name) for name in self.Meta.fields if name != "cover"})
        add_rule_errors(self, operations.prize_errors(probe, kind=self.kind))
        return data

    def _post_clean(self):
        super()._post_clean()
        operations.tidy_grant(self.instance)


class BasePrizeFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, kind: str = CampaignKind.LOTTERY, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "kind": self.kind}

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        defaults = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
                    and f.cleaned_data.get("is_default")]
        if len(defaults) > 1:
            raise forms.ValidationError(_("Only one prize can be the consolation prize."))

    def rows(self) -> list[operations.PrizeRow]:
        """What the service needs: every filled or changed row, with the stock the operator saw."""
        rows = []
        for index, form in enumerate(self.forms):
            if not form.has_changed() and not form.instance.pk:
                continue
            seen = form.cleaned_data.get("stock_seen")
            if seen is None and form.instance.pk:
                seen = form.initial.get("stock_left")  # no hidden value: on top of the stock as it is now
            rows.append(operations.PrizeRow(prize=form.instance, stock_seen=seen,
                                            remove=bool(form.cleaned_data.get("DELETE")), key=index))
        return rows


def prize_formset(*args, extra: int = 1, kind: str = CampaignKind.LOTTERY, **kwargs) -> BasePrizeFormSet:
    """The prize editor of ``instance`` (prefix ``prizes``)."""
    factory = forms.inlineformset_factory(Campaign, Prize, form=PrizeForm, formset=BasePrizeFormSet, extra=extra,
                                          can_delete=True, max_num=MAX_PRIZE_ROWS, validate_max=True,
                                          absolute_max=MAX_PRIZE_ROWS)
    return factory(*args, prefix="prizes", kind=kind, **kwargs)


class CodePoolForm(forms.ModelForm):
    class Meta:
        model = CodePool
        fields = ["name", "description", "members_gift"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class CodeImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), required=False,
                           help_text=_("UTF-8; the first column of each row is a code; at most 2 MB."))
    text = forms.CharField(label=_("Or paste codes"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("One code per line."), max_length=MAX_IMPORT_BYTES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "")
        if self.errors:
            return data
        if upload and text.strip():
            raise forms.ValidationError(_("Upload a file or paste codes, not both."))
        if not upload and not text.strip():
            raise forms.ValidationError(_("Upload a CSV file or paste some codes."))
        if upload:
            if upload.size > MAX_IMPORT_BYTES:
                self.add_error("file", _("The file is larger than 2 MB: split it."))
                return data
            try:
                data["codes_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("The file must be UTF-8 text (CSV)."))
                return data
            if "\x00" in data["codes_text"]:
                self.add_error("file", _("The file must be UTF-8 text (CSV)."))
                return data
            try:
                for _row in csv.reader(io.StringIO(data["codes_text"])):
                    pass
            except csv.Error:
                self.add_error("file", _("This file is not a readable CSV."))
                return data
            data["first_column"] = True
        else:
            data["codes_text"], data["first_column"] = text, False
        return data


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=operations.MAX_SHIPPING_TEXT)
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=operations.MAX_SHIPPING_TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
