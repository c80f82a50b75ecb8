import uuid
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

MAX_LINES = 100
MAX_ID = 2**31 - 1  # ids beyond any integer column are not ours (and overflow SQLite's binding)


def _form(request, data):
    """Build the form for the shopper's selected lines; raises DomainError if they can't be bought."""
    raw_ids = data.getlist("lines")[:MAX_LINES]
    try:
        line_ids = [int(i) for i in raw_ids]
    except ValueError:
        line_ids = []
    if not line_ids or any(not 0 < i <= MAX_ID for i in line_ids):
        raise DomainError(_("Your cart changed — please review it."), code="bad_lines")
    now = clock.now()
    lines = services.selected_lines(request.user, line_ids)
    line_options, global_options = coupon_options(request.user, lines, now=now)
    form = SettlementForm(data, cart_lines=lines, line_options=line_options, global_options=global_options)
    return form, now


def _render(request, form, settlement, *, template="checkout/checkout.html", status=200, error=None):
    context = {"form": form, "settlement": settlement, "error": error, "rows": form.rows(),
               "idem": _idempotency_key(request),
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


def _idempotency_key(request) -> str:
    """The settlement form's one-time key: kept while the shopper changes choices (it travels in
    the form), new for every fresh settlement page."""
    key = (request.POST.get("idem") or "").strip() if request.method == "POST" else ""
    return key if key.isalnum() and len(key) <= 64 else uuid.uuid4().hex


def _choices(form) -> services.Choices:
    """The valid part of the shopper's choices: a bad balance entry is priced as 0 but keeps the
    chosen coupons, so the summary never drops discounts the shopper picked."""
    data = form.cleaned_data
    return services.Choices(line_coupons=form.line_coupons(), global_coupon=data.get("global_coupon"),
                            balance=(data.get("balance") or ZERO) if "balance" not in form.errors else ZERO)


def _settle_best(request, form, now):
    """Price the valid choices; if even they can't be used, price without any."""
    line_ids = [line.pk for line in form.cart_lines]
    try:
        return services.settle(request.user, line_ids, _choices(form), now=now)
    except DomainError:
        return services.settle(request.user, line_ids, services.Choices(), now=now)


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
        return _render(request, form, _settle_best(request, form, now), template=template, error=_first_error(form))
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
        placed = services.placed_order(request.user, request.POST.get("idem"))
        if placed is not None:  # a replay of a form whose lines became this order
            messages.info(request, _("This order was already placed."))
            return redirect(placed)
        messages.error(request, exc.message)
        return redirect("cart:detail")
    if not form.is_valid() or form.cleaned_data.get("shown_payable") is None:
        return _render(request, form, _settle_best(request, form, now), status=400,
                       error=_first_error(form) or str(services.PricesChanged()))
    try:
        order = services.place_order(request.user, [line.pk for line in form.cart_lines], _choices(form),
                                     shown_payable=form.cleaned_data["shown_payable"], now=now,
                                     idempotency_key=request.POST.get("idem"))
    except services.AlreadyPlaced as exc:
        messages.info(request, exc.message)
        return redirect(exc.order)
    except DomainError as exc:
        return _render(request, form, _settle_best(request, form, now), status=409, error=exc.message)
    if order.payable == Decimal("0"):
        messages.success(request, _("Paid in full with your balance and coupons."))
        return redirect(order)
    try:
        return redirect(gateway_url(request, order))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(order)
