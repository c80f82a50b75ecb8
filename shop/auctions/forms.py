"""Operator forms for auctions (the backoffice): sessions, lots, comment colours, banned words.

The forms show next to each field what the services in :mod:`.operations` would refuse (the
services check the same rules again: they are the contract). Views hand ``cleaned_data`` to the
services; the forms never save.
"""

from __future__ import annotations

from datetime import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.forms import add_rule_errors
from shop.core.money import format_money

from . import operations
from .models import MAX_PRICE, AuctionSession, CommentColour, Lot

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
MAX_WORDS_TEXT = 100_000


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the template's <form> carries the token
    if layout:
        helper.layout = Layout(*layout)
    return helper


def _money_field(field: forms.Field, help_text=None) -> None:
    field.widget.attrs.update(min="0.01", max=str(MAX_PRICE), step="0.01")
    if help_text is not None:
        field.help_text = help_text


def _same_minute(posted: datetime, stored: datetime) -> bool:
    """A time posted from a ``datetime-local`` input (minutes) is the stored one shown to the
    operator."""
    return timezone.localtime(posted).replace(second=0, microsecond=0) == \
        timezone.localtime(stored).replace(second=0, microsecond=0)


class SessionForm(forms.ModelForm):
    """``times_locked``: bidding has started, so the times and the deposit are shown but not
    editable; a form opened earlier that still posts a different value gets a message."""

    class Meta:
        model = AuctionSession
        fields = operations.SESSION_FIELDS
        widgets = {name: DT for name in operations.TIME_FIELDS} | {
            "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, times_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.times_locked = times_locked
        for name in operations.TIME_FIELDS:
            self.fields[name].input_formats = DT_FORMATS
        self.fields["preview_ends_at"].help_text = _("Shoppers can see the lots and pay deposits from the preview on.")
        self.fields["starts_at"].help_text = _("When the preview ends or later.")
        _money_field(self.fields["deposit"], _(
            "One deposit valid for every lot of the session, up to %(most)s. Empty: no session deposit.") % {
                "most": format_money(MAX_PRICE)})
        if times_locked:
            for name in operations.LOCKED_ONCE_STARTED:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Bidding has started: this can no longer change.")
        self.helper = _helper(
            Fieldset(_("Session"), "title", "description", "cover"),
            Fieldset(_("Times"), Row(Column("preview_starts_at", css_class="col-md-6"),
                                     Column("preview_ends_at", css_class="col-md-6")),
                     Row(Column("starts_at", css_class="col-md-6"), Column("ends_at", css_class="col-md-6"))),
            Fieldset(_("Deposit"), "deposit"),
        )

    def clean(self):
        data = super().clean()
        if self.times_locked:
            self._refuse_locked_changes()
            for name in operations.LOCKED_ONCE_STARTED:  # exactly as stored (the inputs show minutes)
                data[name] = getattr(self.instance, name)
        add_rule_errors(self, operations.session_errors(data))
        return data

    def _refuse_locked_changes(self) -> None:
        """Disabled fields keep their stored values; a value posted anyway (a form opened before
        bidding started) that differs is refused rather than silently dropped."""
        for name in operations.LOCKED_ONCE_STARTED:
            field, stored = self.fields[name], self.get_initial_for_field(self.fields[name], name)
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if raw in (None, ""):
                continue
            try:
                posted = forms.DateTimeField(input_formats=DT_FORMATS).clean(raw) if name in operations.TIME_FIELDS \
                    else forms.DecimalField(max_digits=12, decimal_places=2).clean(raw)
            except forms.ValidationError:
                posted = None
            same = posted is not None and stored is not None and (
                _same_minute(posted, stored) if name in operations.TIME_FIELDS else posted == stored)
            if not same:
                self.add_error(None, _("Bidding has started: the times and the deposit of this session can no "
                                       "longer change."))
                return


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = operations.LOT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = format_money(MAX_PRICE)
        _money_field(self.fields["start_price"], _("The first bid must be at least this, up to %(most)s.") % {
            "most": most})
        _money_field(self.fields["increment"], _("Each later bid must beat the price by at least this."))
        _money_field(self.fields["reference_low"])
        _money_field(self.fields["reference_high"], _("The estimate shown to shoppers; either end may be empty."))
        _money_field(self.fields["deposit"])
        self.fields["cover"].label = _("Image")
        self.helper = _helper(
            Fieldset(_("Lot"), "title", "description", "cover"),
            Fieldset(_("Prices"), Row(Column("start_price", css_class="col-md-6"),
                                      Column("increment", css_class="col-md-6")),
                     Row(Column("reference_low", css_class="col-md-6"),
                         Column("reference_high", css_class="col-md-6")),
                     "deposit"),
        )

    def clean(self):
        data = super().clean()
        add_rule_errors(self, operations.lot_errors(data))
        return data


class ColourForm(forms.ModelForm):
    class Meta:
        model = CommentColour
        fields = operations.COLOUR_FIELDS
        widgets = {"css": forms.TextInput(attrs={"type": "color", "class": "form-control-color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["css"].initial = self.fields["css"].initial or "#d63384"
        self.fields["price"].help_text = _("Credits a shopper pays for one comment in this colour.")
        self.fields["price"].widget.attrs.update(min="0.01", max=str(MAX_PRICE), step="0.01")
        self.fields["is_active"].help_text = _("Shoppers can choose only the colours offered.")
        self.helper = _helper(
            Row(Column("name", css_class="col-md-6"), Column("css", css_class="col-md-6")),
            Row(Column("asset", css_class="col-md-6"), Column("price", css_class="col-md-6")),
            "is_active",
        )

    def clean(self):
        data = super().clean()
        add_rule_errors(self, operations.colour_errors(data))
        return data


class BannedWordsForm(forms.Form):
    words = forms.CharField(label=_("Words to ban"), widget=forms.Textarea(attrs={"rows": 5}),
                            max_length=MAX_WORDS_TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["words"].help_text = _(
            "One word or phrase per line, at most %(most)s lines; case does not matter.") % {
                "most": operations.MAX_WORD_LINES}
        self.helper = _helper()

    def clean_words(self):
        text = self.cleaned_data["words"]
        if not text.strip():
            raise forms.ValidationError(_("Type at least one word."))
        return text
