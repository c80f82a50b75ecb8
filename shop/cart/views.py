import functools
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.catalog.models import Product
from shop.core import fragments
from shop.core.errors import DomainError

from . import services
from .models import CartLine
from .selectors import lines_for, page_key


def _context(request, cart):
    lines = lines_for(cart)
    available = [line for line in lines if line.available]
    return {"lines": lines, "total": sum((line.policy.price for line in available), Decimal("0.00")),
            "available_count": len(available), "cart_count": len(lines)}


def detail(request):
    """The cart page. Its content is served from the fragment cache under a key read by one
    query; the lines, their courses and options are read only to render it."""
    content_key, count = page_key(request)
    context = functools.cache(lambda: _context(request, services.cart_for(request)))
    return fragments.render_page(request, "cart/detail.html", {
        "content_key": content_key, "cart_count": count, "lines": lambda: context()["lines"],
        "total": lambda: context()["total"], "available_count": lambda: context()["available_count"]})


@require_POST
def add(request, slug):
    product = get_object_or_404(Product, slug=slug)
    cart = services.cart_for(request, create=True)
    try:
        line = services.add(cart, product, request.POST.get("policy"))
    except DomainError as exc:
        if request.htmx:
            return render(request, "cart/added.html", {"error": exc.message, "cart_count": services.count(cart)},
                          status=422)
        messages.error(request, exc.message)
        return redirect(product.get_absolute_url())
    if request.htmx:
        return render(request, "cart/added.html", {"line": line, "cart_count": services.count(cart)})
    messages.success(request, _("Added “%(title)s” to your cart.") % {"title": product.title})
    return redirect("cart:detail")


def _own_line(request, line_id):
    cart = services.cart_for(request)
    if cart is None or not CartLine.objects.filter(cart=cart, pk=line_id).exists():
        raise Http404
    return cart


@require_POST
def change(request, line_id):
    cart = _own_line(request, line_id)
    try:
        services.change_policy(cart, line_id, request.POST.get("policy"))
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return render(request, "cart/detail.html#cart-body", _context(request, cart))
    return redirect("cart:detail")


@require_POST
def remove(request, line_id):
    cart = _own_line(request, line_id)
    services.remove(cart, line_id)
    if request.htmx:
        return render(request, "cart/detail.html#cart-body", {**_context(request, cart), "oob_badge": True})
    messages.success(request, _("Removed from your cart."))
    return redirect("cart:detail")
