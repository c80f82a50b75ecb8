from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from shop.core import clock
from shop.core.errors import DomainError
from shop.orders.models import Order

from . import services
from .gateways import get_gateway
from .gateways.base import InvalidSignature
from .gateways.sandbox import SandboxGateway

SANDBOX_TOKEN_MAX_AGE = 60 * 60 * 24


def gateway_url(request, order) -> str:
    """Where to send the shopper to pay ``order`` (raises DomainError when it can't be paid)."""
    return services.start_payment(
        order,
        gateway_name=None,
        return_url=request.build_absolute_uri(reverse("orders:detail", args=[order.number]) + "?returned=1"),
        notify_url=request.build_absolute_uri(reverse("payments:notify", args=[get_gateway().name])),
        now=clock.now(),
    )


@require_POST
@login_required
def pay(request, number):
    """The order page's **Pay** button: send the shopper to the gateway (outside any transaction)."""
    order = Order.objects.filter(user=request.user, number=number).first()
    if order is None:
        raise Http404
    try:
        return redirect(gateway_url(request, order))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(order)


def _sandbox_request(token):
    try:
        return SandboxGateway().open_token(token, max_age=SANDBOX_TOKEN_MAX_AGE)
    except InvalidSignature:
        raise Http404 from None


def sandbox_cashier(request, token):
    """The built-in cashier: **Pay** or **Fail**. It notifies the shop asynchronously (signed,
    like a real gateway) and sends the browser back to the shop's return URL. It exists only
    while the sandbox is the configured gateway."""
    if get_gateway().name != "sandbox":
        raise Http404
    payment = _sandbox_request(token)
    if request.method == "POST":
        paid = request.POST.get("outcome") == "pay"
        fields = SandboxGateway().build_notification(payment, paid=paid, trade_no=SandboxGateway.trade_for(token))
        async_task("shop.payments.tasks.deliver_notification", "sandbox", fields)
        return redirect(payment.return_url)
    return render(request, "payments/sandbox.html", {"payment": payment})


@csrf_exempt
@require_POST
def notify(request, gateway):
    """Asynchronous notifications from a gateway (server to server)."""
    gw = get_gateway()
    if gateway != gw.name:  # only the configured gateway may notify
        raise Http404
    if not request.POST:
        return HttpResponseBadRequest("empty notification")
    ack, _row = services.handle_notification(gw.name, request.POST.dict())
    body, content_type = gw.notification_ack(ack)
    return HttpResponse(body, content_type=content_type, status=200 if ack else 400)
