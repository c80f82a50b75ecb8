import copy

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.catalog import selectors, services
from shop.catalog.forms import ProductForm, policy_formset
from shop.catalog.models import Product, ProductStatus
from shop.core.errors import DomainError
from shop.core.redirects import redirect_to_next

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView
from .filters import ProductFilter
from .tables import ProductTable

PERMISSION = "catalog.change_product"
NEW_PRODUCT_ROWS = 3  # empty price-option rows on a new course
MAX_POLICY_ROWS = 50

#: DomainError codes of ``product_save`` → the form field that shows them (others: the form)
ERROR_FIELDS = {"slug_taken": "slug", "slug": "slug", "title": "title", "online_needs_policy": "status"}


class ProductListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = ProductTable
    filterset_class = ProductFilter
    template_name = "backoffice/catalog/list.html"

    def get_queryset(self):
        return selectors.product_list(online_only=False).order_by("-updated_at", "-id")


@staff_area(PERMISSION)
def product_edit(request, pk=None):
    product = get_object_or_404(Product, pk=pk) if pk else None
    instance = copy.copy(product) if product else Product()  # the form may change it; `product` stays as saved
    post, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = ProductForm(post, files, instance=instance)
    policies = policy_formset(post, instance=instance, extra=1 if product else NEW_PRODUCT_ROWS)
    if request.method == "POST" and form.is_valid() and policies.is_valid():
        try:
            saved = services.product_save(actor=request.user, data=form.to_input(policies),
                                          product_id=product.pk if product else None)
        except DomainError as exc:
            form.add_error(ERROR_FIELDS.get(exc.code), exc.message)
        else:
            messages.success(request, _("“%(title)s” saved.") % {"title": saved.title})
            if "continue" in request.POST:
                return redirect("backoffice:catalog:edit", pk=saved.pk)
            return redirect("backoffice:catalog:products")
    return render(request, "backoffice/catalog/form.html", {
        "form": form, "policies": policies, "product": product, "max_rows": MAX_POLICY_ROWS})


@staff_area(PERMISSION)
def policy_row(request):
    """An empty price-option row for the editor (htmx "Add a price option")."""
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        raise Http404 from None
    if not 0 <= index < MAX_POLICY_ROWS:
        raise Http404
    row = policy_formset(extra=0, instance=Product()).empty_form
    row.prefix = f"policies-{index}"
    return render(request, "backoffice/catalog/_policy_row.html",
                  {"f": row, "index": index, "next_index": index + 1, "max_rows": MAX_POLICY_ROWS, "oob": True})


@require_POST
@staff_area(PERMISSION)
def product_status(request, pk):
    """Put a course online or take it offline. An htmx request gets the refreshed status cell."""
    product = get_object_or_404(Product, pk=pk)
    try:
        product = services.product_set_status(actor=request.user, product_id=product.pk,
                                              status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(title)s” is now %(status)s.") % {
            "title": product.title, "status": ProductStatus(product.status).label.lower()})
    if request.htmx:
        return render(request, "backoffice/catalog/_status.html", {"product": product})
    return redirect_to_next(request, "backoffice:catalog:products")
