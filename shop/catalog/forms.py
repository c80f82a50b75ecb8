"""Operator forms for a product and its price policies. They validate input; the writes are
``services.product_save``'s (the form only turns its data into a ``ProductInput``)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from shop.core.money import format_money

from .models import MAX_DAYS, MAX_GIFT_UNITS, MAX_POSITION, MAX_PRICE, PricePolicy, Product, ProductKind
from .services import GIFT_POLICY_DAYS, PolicyInput, ProductInput, unique_slug_for

COVER_MAX_BYTES = 2 * 1024 * 1024
COVER_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class ProductForm(forms.ModelForm):
    #: required for a gift package (1 … MAX_GIFT_UNITS), 0 for a course (checked in ``clean``)
    gift_units = forms.IntegerField(
        label=_("Gifts in the package"), required=False,
        widget=forms.NumberInput(attrs={"min": "1", "max": str(MAX_GIFT_UNITS), "inputmode": "numeric"}))

    class Meta:
        model = Product
        fields = ["title", "slug", "summary", "body", "kind", "gift_units", "status", "cover"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 7}),
            "summary": forms.TextInput(),
            "cover": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        }
        help_texts = {
            "slug": _("Part of the address (/products/<slug>/). Leave empty to make one from the title."),
            "summary": _("One sentence shown on the course card."),
            "cover": _("JPEG, PNG, WebP or GIF up to 2 MB. Without one, a coloured placeholder is shown."),
            "status": _("Online courses are visible to shoppers and can be bought."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["gift_units"].help_text = _(
            "Gift packages only: how many gifts one purchase gives the buyer to hand out in gift draws "
            "(1 to %(max)s). Leave it empty for a course.") % {"max": MAX_GIFT_UNITS}
        if not self.is_bound and not self.instance.gift_units:
            self.initial["gift_units"] = None  # a course shows an empty box, not "0"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "title", "slug", "summary", "body",
            Row(Column("kind", css_class="col-sm-6"), Column("status", css_class="col-sm-6")),
            "gift_units", "cover",
        )

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or unique_slug_for(self.cleaned_data.get("title") or "")
        if not slug:
            raise forms.ValidationError(_("Enter a slug made of letters, numbers and dashes."))
        if Product.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another course already uses the slug “%(slug)s”."), params={"slug": slug},
                                        code="slug_taken")
        return slug

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        image = getattr(cover, "image", None)  # set by ImageField on a new upload only
        if image is not None:
            if cover.size > COVER_MAX_BYTES:
                raise forms.ValidationError(_("The cover is too large: at most 2 MB."), code="too_large")
            if image.format not in COVER_FORMATS:
                raise forms.ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."), code="format")
        return cover

    def clean(self):
        """A gift package holds 1 … MAX_GIFT_UNITS gifts; a course holds none (an empty box is 0)."""
        data = super().clean()
        kind, units = data.get("kind"), data.get("gift_units")
        if kind == ProductKind.GIFT:
            if units is None:
                self.add_error("gift_units", forms.ValidationError(
                    _("Enter how many gifts the package holds (1 to %(max)s)."), params={"max": MAX_GIFT_UNITS},
                    code="required"))
            elif not 1 <= units <= MAX_GIFT_UNITS:
                self.add_error("gift_units", forms.ValidationError(
                    _("A gift package holds 1 to %(max)s gifts."), params={"max": MAX_GIFT_UNITS}, code="range"))
        elif kind:
            if units:
                self.add_error("gift_units", forms.ValidationError(
                    _("Only a gift package holds gifts: leave this empty for a course."), code="course"))
            else:
                data["gift_units"] = 0
        return data

    def validate_unique(self):
        """``clean_slug`` checks the slug with a clear message; the service's unique constraint
        settles races."""

    def to_input(self, policies: PolicyFormSet) -> ProductInput:
        data = self.cleaned_data
        cover = data.get("cover")
        return ProductInput(
            title=data["title"], slug=data["slug"], summary=data.get("summary", ""), body=data.get("body", ""),
            kind=data["kind"], gift_units=data.get("gift_units") or 0, status=data["status"],
            cover=False if cover is False else (cover if "cover" in self.changed_data else None),
            policies=policies.to_inputs(),
        )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = PricePolicy
        fields = ["label", "price", "days", "position", "is_active"]
        labels = {"label": _("Display text"), "days": _("Days"), "position": _("Order")}
        widgets = {"label": forms.TextInput(attrs={"placeholder": _("e.g. 3 months")})}
        help_texts = {"days": _("Not used for a gift package.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].widget.attrs.update(min="0.01", max=str(MAX_PRICE), step="0.01", inputmode="decimal")
        self.fields["days"].widget.attrs.update(min="1", max=str(MAX_DAYS), inputmode="numeric")
        self.fields["days"].required = False  # required for a course: checked in ``clean``
        self.fields["position"].widget.attrs.update(min="0", max=str(MAX_POSITION))
        self.fields["position"].required = False

    @property
    def for_gift(self) -> bool:
        """Whether the product being saved is a gift package: the kind posted with the product
        form (the formset is bound to the same data)."""
        return self.is_bound and self.data.get("kind") == ProductKind.GIFT

    def clean(self):
        data = super().clean()
        if "days" in data and data["days"] is None:
            if self.for_gift:
                data["days"] = GIFT_POLICY_DAYS  # not used by a gift package; the model wants a number
            else:
                self.add_error("days", forms.ValidationError(_("Enter the days of access."), code="required"))
        return data

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is not None and price <= 0:
            raise forms.ValidationError(_("Enter a price greater than zero."), code="min_value")
        if price is not None and price > MAX_PRICE:
            raise forms.ValidationError(_("Enter a price of at most %(max)s."), params={"max": format_money(MAX_PRICE)},
                                        code="max_value")
        return price

    def clean_days(self):
        days = self.cleaned_data.get("days")
        if days is not None and days <= 0:
            raise forms.ValidationError(_("Enter at least one day."), code="min_value")
        if days is not None and days > MAX_DAYS:
            raise forms.ValidationError(_("Enter at most %(max)s days (ten years)."), params={"max": MAX_DAYS},
                                        code="max_value")
        return days

    def clean_position(self):
        position = self.cleaned_data.get("position")
        if position is not None and not 0 <= position <= MAX_POSITION:
            raise forms.ValidationError(_("Enter an order from 0 to %(max)s."), params={"max": MAX_POSITION},
                                        code="max_value")
        return position


class BasePolicyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("Add at least one price option."), code="no_policy")

    def to_inputs(self) -> list[PolicyInput]:
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or (form.instance.pk is None and not form.has_changed()):
                continue
            if data.get("DELETE"):
                if form.instance.pk:
                    rows.append(PolicyInput(id=form.instance.pk, label="", price=None, days=0, remove=True))
                continue
            rows.append(PolicyInput(
                id=form.instance.pk, label=data["label"], price=data["price"], days=data["days"],
                position=data.get("position") or 0, is_active=bool(data.get("is_active")),
            ))
        return rows


def policy_formset(*args, extra: int = 1, **kwargs) -> BasePolicyFormSet:
    """The price-policy editor of ``instance`` (prefix ``policies``)."""
    factory = forms.inlineformset_factory(Product, PricePolicy, form=PolicyForm, formset=BasePolicyFormSet,
                                          extra=extra, can_delete=True)
    return factory(*args, prefix="policies", **kwargs)


PolicyFormSet = forms.inlineformset_factory(Product, PricePolicy, form=PolicyForm, formset=BasePolicyFormSet,
                                           extra=1, can_delete=True)
