from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.catalog import selectors, services
from shop.catalog.forms import PolicyFormSet, ProductForm
from shop.catalog.models import Product, ProductStatus

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView
from .filters import ProductFilter
from .tables import ProductTable

PERMISSION = "catalog.change_product"


class ProductListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = ProductTable
    filterset_class = ProductFilter
    template_name = "backoffice/catalog/list.html"

    def get_queryset(self):
        return selectors.product_list(online_only=False).order_by("-updated_at")


@staff_area(PERMISSION)
def product_edit(request, pk=None):
    product = get_object_or_404(Product, pk=pk) if pk else Product()
    form = ProductForm(request.POST or None, request.FILES or None, instance=product)
    policies = PolicyFormSet(request.POST or None, instance=product, prefix="policies")
    if request.method == "POST" and form.is_valid() and policies.is_valid():
        saved = services.product_save(form=form, policies=policies, actor=request.user)
        messages.success(request, _("“%(title)s” saved.") % {"title": saved.title})
        return redirect("backoffice:catalog:products")
    return render(request, "backoffice/catalog/form.html", {"form": form, "policies": policies, "product": product})


@require_POST
@staff_area(PERMISSION)
def product_status(request, pk):
    product = get_object_or_404(Product, pk=pk)
    status = request.POST.get("status")
    if status not in ProductStatus.values:
        messages.error(request, _("Unknown status."))
    else:
        services.product_set_status(product_id=product.pk, status=status, actor=request.user)
        messages.success(request, _("“%(title)s” is now %(status)s.") % {
            "title": product.title, "status": ProductStatus(status).label.lower()})
    return redirect(request.POST.get("next") or "backoffice:catalog:products")
