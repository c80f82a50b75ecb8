from crispy_forms.helper import FormHelper
from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import PricePolicy, Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["title", "slug", "summary", "body", "kind", "status", "cover"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"slug": _("Part of the address; filled from the title when empty.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("title") or "")
        if not slug:
            raise forms.ValidationError(_("Enter a slug made of letters, numbers and dashes."))
        if Product.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another course already uses this slug."))
        return slug


class PolicyForm(forms.ModelForm):
    class Meta:
        model = PricePolicy
        fields = ["label", "price", "days", "position", "is_active"]

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price <= 0:
            raise forms.ValidationError(_("Enter a price greater than zero."))
        return price

    def clean_days(self):
        days = self.cleaned_data["days"]
        if days is not None and days <= 0:
            raise forms.ValidationError(_("Enter at least one day."))
        return days


class BasePolicyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("Add at least one price option."))


PolicyFormSet = forms.inlineformset_factory(
    Product, PricePolicy, form=PolicyForm, formset=BasePolicyFormSet, extra=1, can_delete=True
)
