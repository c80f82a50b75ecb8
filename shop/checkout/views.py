from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from shop.core import clock
from shop.core.errors import DomainError
from shop.core.money import ZERO
from shop.payments.views import gateway_url

from . import services
from .forms import SettlementForm
from .options import coupon_options


def _form(request, data):
    """Build the form for the shopper's selected lines; raises DomainError if they can't be bought."""
    raw_ids = data.getlist("lines")
    try:
        line_ids = [int(i) for i in raw_ids]
    except ValueError:
        raise DomainError(_("Your cart changed — please review it."), code="bad_lines") from None
    now = clock.now()
    lines = services.selected_lines(request.user, line_ids)
    line_options, global_options = coupon_options(request.user, lines, now=now)
    form = SettlementForm(data, cart_lines=lines, line_options=line_options, global_options=global_options)
    return form, now


def _render(request, form, settlement, *, template="checkout/checkout.html", status=200, error=None):
    context = {"form": form, "settlement": settlement, "error": error, "rows": form.rows(),
               "lines": list(zip(form.cart_lines, settlement.quote.lines, strict=True)),
               "order_minutes": settings.BAZAAR_ORDER_PAYMENT_MINUTES}
    return render(request, template, context, status=status)


@login_required
def start(request):
    """GET /checkout/?lines=1&lines=2 — the settlement page."""
    try:
        form, now = _form(request, request.GET)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cart:detail")
    form.is_valid()
    settlement = services.settle(request.user, [line.pk for line in form.cart_lines], services.Choices(), now=now)
    return _render(request, form, settlement)


def _choices(form) -> services.Choices:
    data = form.cleaned_data
    return services.Choices(line_coupons=form.line_coupons(), global_coupon=data.get("global_coupon"),
                            balance=data.get("balance") or ZERO)


@require_POST
@login_required
def quote(request):
    """htmx: re-price on every change and swap the breakdown."""
    try:
        form, now = _form(request, request.POST)
    except DomainError:
        return HttpResponseClientRedirect(reverse("cart:detail")) if request.htmx else redirect("cart:detail")
    template = "checkout/checkout.html#breakdown" if request.htmx else "checkout/checkout.html"
    if not form.is_valid():
        settlement = services.settle(request.user, [line.pk for line in form.cart_lines], services.Choices(), now=now)
        return _render(request, form, settlement, template=template, error=_first_error(form))
    try:
        settlement = services.settle(request.user, [line.pk for line in form.cart_lines], _choices(form), now=now)
    except DomainError as exc:
        settlement = services.settle(request.user, [line.pk for line in form.cart_lines], services.Choices(), now=now)
        return _render(request, form, settlement, template=template, error=exc.message)
    return _render(request, form, settlement, template=template)


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return ""


@require_POST
@login_required
def pay(request):
    """**Pay now**: place the order for exactly the payable the shopper saw."""
    try:
        form, now = _form(request, request.POST)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cart:detail")
    if not form.is_valid() or form.cleaned_data.get("shown_payable") is None:
        settlement = services.settle(request.user, [line.pk for line in form.cart_lines], services.Choices(), now=now)
        return _render(request, form, settlement, status=400,
                       error=_first_error(form) or str(services.PricesChanged()))
    try:
        order = services.place_order(request.user, [line.pk for line in form.cart_lines], _choices(form),
                                     shown_payable=form.cleaned_data["shown_payable"], now=now)
    except DomainError as exc:
        try:
            settlement = services.settle(request.user, [line.pk for line in form.cart_lines], _choices(form), now=now)
        except DomainError:
            settlement = services.settle(request.user, [line.pk for line in form.cart_lines], services.Choices(), now=now)
        return _render(request, form, settlement, status=409, error=exc.message)
    if order.payable == Decimal("0"):
        messages.success(request, _("Paid in full with your balance and coupons."))
        return redirect(order)
    try:
        return redirect(gateway_url(request, order))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(order)
