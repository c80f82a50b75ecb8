from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import Product, ProductKind


def product_list(request):
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in ProductKind.values else ""
    sort = request.GET.get("sort", "new")
    sort = sort if sort in selectors.SORTS else "new"
    page = Paginator(selectors.product_list(q=q, kind=kind, sort=sort), 12).get_page(request.GET.get("page"))
    extra = "&".join(f"{k}={v}" for k, v in (("q", q), ("kind", kind), ("sort", sort)) if v)
    context = {"page": page, "q": q, "kind": kind, "sort": sort, "kinds": ProductKind.choices, "extra": extra}
    return render(request, "catalog/list.html#product-list" if request.htmx else "catalog/list.html", context)


def product_detail(request, slug):
    try:
        product = selectors.product_detail(slug)
    except Product.DoesNotExist:
        raise Http404 from None
    if not product.is_online and not request.user.is_staff:
        raise Http404
    return render(request, "catalog/detail.html", {"product": product, "policies": product.active_policies_list})
