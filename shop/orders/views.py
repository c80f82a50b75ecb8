from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from shop.core import clock
from shop.core.errors import DomainError

from . import selectors, services
from .forms import RefundRequestForm
from .models import Order, OrderStatus


def _own_order(request, number):
    try:
        return selectors.order_for(request.user, number)
    except Order.DoesNotExist:
        raise Http404 from None


@login_required
def order_list(request):
    status = request.GET.get("status", "")
    orders = selectors.orders_of(request.user)
    if status in OrderStatus.values:
        orders = orders.with_status(status, clock.now())
    else:
        status = ""
    page = Paginator(orders, settings.BAZAAR_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {"page": page, "status": status, "statuses": OrderStatus.choices})


@login_required
def order_detail(request, number):
    order = _own_order(request, number)
    now = clock.now()
    last_event = order.gateway_events.order_by("-at", "-id").first()
    context = {
        "order": order,
        "payment_failed": order.status == OrderStatus.PENDING and last_event is not None and not last_event.paid,
        "payable_now": services.is_payable(order, now),
        "refund_form": RefundRequestForm(),
        "now": now,
    }
    if request.htmx and request.GET.get("poll"):
        if order.status_at(now) != OrderStatus.PENDING:  # settled: reload the whole page (history, buttons)
            return HttpResponseClientRefresh()
        return render(request, "orders/detail.html#order-status", context)
    return render(request, "orders/detail.html", context)


@require_POST
@login_required
def order_cancel(request, number):
    order = _own_order(request, number)
    try:
        services.cancel(order.pk, user=request.user, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order %(number)s was cancelled.") % {"number": order.number})
    return redirect(order)


@require_POST
@login_required
def order_refund(request, number):
    order = _own_order(request, number)
    form = RefundRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please tell us why you want a refund."))
        return redirect(order)
    try:
        services.request_refund(order.pk, user=request.user, reason=form.cleaned_data["reason"], now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your refund request was sent. We will get back to you soon."))
    return redirect(order)
