from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shop.auctions.models import AuctionSession
from shop.catalog.models import Product
from shop.core import clock

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
                  "auction_session", "quantity", "per_user_limit", "claim_opens_at", "claim_closes_at", "valid_from", "valid_until",
                  "valid_days"]
        widgets = {"claim_opens_at": DT, "claim_closes_at": DT, "valid_from": DT, "valid_until": DT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.order_by("title")
        self.fields["product"].required = False
        # auction sessions still to end (and the one the coupon already names, whatever became of it)
        session = self.fields["auction_session"]
        session.queryset = AuctionSession.objects.filter(
            Q(is_deleted=False, ends_at__gt=clock.now()) | Q(pk=self.instance.auction_session_id)).order_by("starts_at")
        session.required = False
        session.label = _("Auction session")
        session.help_text = _("A session coupon is valid from its creation until 24 hours after the session ends "
                              "(fixed dates, set for you: the validity below is not used).")
        self.fields["validity"].required = False  # session coupons have theirs set; checked in clean()
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
            Fieldset(_("Scope and quantity"), Row(Column("scope", css_class="col-md-4"), Column("product", css_class="col-md-8"),
                                                  Column("auction_session", css_class="col-md-8")),
                     Row(Column("quantity", css_class="col-md-6"), Column("per_user_limit", css_class="col-md-6"))),
            Fieldset(_("Claim window"), Row(Column("claim_opens_at", css_class="col-md-6"),
                                            Column("claim_closes_at", css_class="col-md-6"))),
            Fieldset(_("Validity"), "validity", Row(Column("valid_from", css_class="col-md-4"),
                                                     Column("valid_until", css_class="col-md-4"),
                                                     Column("valid_days", css_class="col-md-4"))),
        )

    def clean(self):
        data = super().clean()
        if data.get("scope") == rules.SESSION:
            self._fix_session_validity(data)
        elif not data.get("validity") and "validity" not in self.errors:
            self.add_error("validity", self.fields["validity"].error_messages["required"])
        data = rules.normalized(data)
        for field, message in rules.definition_errors(data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data

    def _fix_session_validity(self, data: dict) -> None:
        """A session coupon: fixed dates from its creation (now, for a new coupon) to 24 hours
        after its session ends, whatever was typed."""
        session = data.get("auction_session")
        for name in ("validity", "valid_from", "valid_until", "valid_days"):
            self.errors.pop(name, None)  # fields this coupon does not use
        data["valid_days"] = None
        if session is None:  # the missing session is the one thing to say
            data["validity"] = data["valid_from"] = data["valid_until"] = None
            return
        data["validity"] = rules.FIXED
        created = self.instance.created_at if self.instance.pk else clock.now()
        data["valid_from"], data["valid_until"] = rules.session_validity(created_at=created,
                                                                         session_ends_at=session.ends_at)
        data["session_ends_at"] = session.ends_at
