"""Storefront catalogue: the course list (an htmx partial when filtered) and a course page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.core import fragments

from . import selectors
from .models import Product, ProductKind

PER_PAGE = 12
PREVIEW_PERMISSION = "catalog.change_product"


def product_list(request):
    q = " ".join(request.GET.get("q", "").split())[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in ProductKind.values else ""
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    page = selectors.storefront_page(version=selectors.catalogue_version(request), q=q, kind=kind, sort=sort,
                                     number=request.GET.get("page"), per_page=PER_PAGE)
    extra = urlencode([(key, value) for key, value in (("q", q), ("kind", kind), ("sort", sort))
                       if value and not (key == "sort" and value == selectors.DEFAULT_SORT)])
    cards = [(p.pk, p.updated_at, p.status, p.min_price, p.active_policies) for p in page.object_list]
    list_key = fragments.key("product-list", q, kind, sort, extra, page.number, page.paginator.count,
                             page.paginator.num_pages, cards)
    context = {"page": page, "q": q, "kind": kind, "sort": sort, "kinds": ProductKind.choices, "extra": extra,
               "list_key": list_key, "content_key": fragments.key("product-list-page", list_key)}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "catalog/list.html#product-list", context)
    return fragments.render_page(request, "catalog/list.html", context)


def can_preview(user) -> bool:
    return user.is_staff and user.has_perm(PREVIEW_PERMISSION)


def _visible_product(request, slug) -> Product:
    try:
        product = selectors.storefront_product(slug, selectors.catalogue_version(request))
    except Product.DoesNotExist:
        raise Http404 from None
    if not product.is_online and not can_preview(request.user):
        raise Http404
    return product


def product_detail(request, slug):
    product = _visible_product(request, slug)
    policies = product.active_policies_list
    hero_key = fragments.key("product-hero", product.pk, product.updated_at, product.status)
    secret = fragments.csrf_secret(request)  # the buy box is a form
    content_key = fragments.key("product-page", hero_key, [(p.pk, p.label, p.price, p.days) for p in policies],
                                secret) if secret else None
    context = {"product": product, "policies": policies, "hero_key": hero_key, "content_key": content_key}
    return fragments.render_page(request, "catalog/detail.html", context)


@require_POST
def add_to_cart_stub(request, slug):
    """Stand-in for ``cart:add`` while the cart is not there: the course page posts here only
    when ``cart:add`` does not resolve."""
    product = _visible_product(request, slug)
    messages.info(request, _("The cart is coming soon."))
    return redirect(product.get_absolute_url())
