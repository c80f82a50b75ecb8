from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from shop.core import clock
from shop.core.errors import DomainError

from . import selectors, services
from .forms import DegreeRegistrationForm, RefundRequestForm
from .models import Enrollment, EnrollmentStatus, Order, OrderStatus


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
        orders = orders.filter(status=status)
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
        if order.status != OrderStatus.PENDING:  # settled: reload the whole page (history, buttons)
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


@login_required
def my_courses(request):
    now = clock.now()
    return render(request, "orders/courses.html", {"enrollments": selectors.courses_of(request.user, now), "now": now})


@login_required
def degree_registration(request, pk):
    enrollment = get_object_or_404(Enrollment.objects.select_related("product"), pk=pk, user=request.user)
    if enrollment.status != EnrollmentStatus.AWAITING_REGISTRATION:
        messages.info(request, _("This registration is already complete."))
        return redirect("orders:courses")
    form = DegreeRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
            if locked.status == EnrollmentStatus.AWAITING_REGISTRATION:
                registration = form.save(commit=False)
                registration.enrollment, registration.submitted_at = locked, clock.now()
                registration.save()
                locked.status = EnrollmentStatus.ACTIVE
                locked.save(update_fields=["status"])
        messages.success(request, _("Thank you! Your registration is complete and the course is active."))
        return redirect("orders:courses")
    return render(request, "orders/registration.html", {"form": form, "enrollment": enrollment})

