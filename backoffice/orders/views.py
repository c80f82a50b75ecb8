import csv

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.core import clock
from shop.core.errors import DomainError
from shop.courses import services as course_services
from shop.orders import services
from shop.orders.models import Enrollment, Order
from shop.payments import services as payment_services
from shop.payments.models import NotificationLog

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView
from .filters import EnrollmentFilter, OrderFilter
from .forms import MentorForm
from .tables import EnrollmentTable, OrderTable

PERMISSION = "orders.change_order"


class OrderListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "backoffice/orders/list.html"

    def get_queryset(self):
        return Order.objects.select_related("user")


class _Echo:
    def write(self, value):
        return value


@staff_area(PERMISSION)
def order_export(request):
    """CSV of the filtered list (same filters as the table), streamed."""
    orders = OrderFilter(request.GET, queryset=Order.objects.select_related("user").order_by("-created_at")).qs
    writer = csv.writer(_Echo())
    header = ["number", "user", "status", "created_at", "paid_at", "original_total", "line_discount_total",
              "global_discount", "balance_used", "payable", "payment_method"]

    def rows():
        yield writer.writerow(header)
        for o in orders.iterator(chunk_size=500):
            yield writer.writerow([o.number, o.user.username, o.status, o.created_at.isoformat(),
                                   o.paid_at.isoformat() if o.paid_at else "", o.original_total,
                                   o.line_discount_total, o.global_discount, o.balance_used, o.payable,
                                   o.payment_method])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="orders-{clock.now():%Y%m%d-%H%M}.csv"'
    return response


@staff_area(PERMISSION)
def order_detail(request, number):
    order = get_object_or_404(
        Order.objects.select_related("user", "global_coupon__coupon").prefetch_related(
            "lines__coupon__coupon", "events__actor", "gateway_events", "gateway_refunds"
        ),
        number=number,
    )
    notifications = NotificationLog.objects.filter(order_number=order.number)[:50]
    return render(request, "backoffice/orders/detail.html", {"order": order, "notifications": notifications})


@require_POST
@staff_area(PERMISSION)
def order_refund_decision(request, number):
    order = get_object_or_404(Order, number=number)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            if request.POST.get("confirm") != "yes":
                raise DomainError(_("Tick the box to confirm the refund."), code="not_confirmed")
            payment_services.approve_refund(order.pk, operator=request.user, now=clock.now())
            messages.success(request, _("Refund approved."))
        elif decision == "reject":
            services.reject_refund(order.pk, operator=request.user, note=request.POST.get("note", "")[:300],
                                   now=clock.now())
            messages.success(request, _("Refund rejected; the order is paid again."))
        else:
            messages.error(request, _("Choose approve or reject."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("backoffice:orders:detail", number=number)


class EnrollmentListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = EnrollmentTable
    filterset_class = EnrollmentFilter
    template_name = "backoffice/orders/enrollments.html"

    def get_queryset(self):
        return Enrollment.objects.select_related("user", "product", "mentor")


@staff_area(PERMISSION)
def enrollment_detail(request, pk):
    """A degree registration form, and the mentor assignment (audited)."""
    enrollment = get_object_or_404(Enrollment.objects.select_related("user", "product", "mentor"), pk=pk)
    registration = getattr(enrollment, "registration", None)
    form = MentorForm(request.POST or None, initial={"mentor": enrollment.mentor})
    if request.method == "POST" and form.is_valid():
        course_services.assign_mentor(operator=request.user, enrollment_id=enrollment.pk,
                                      mentor=form.cleaned_data["mentor"])
        messages.success(request, _("Mentor saved."))
        return redirect("backoffice:orders:enrollment", pk=pk)
    return render(request, "backoffice/orders/enrollment.html",
                  {"enrollment": enrollment, "registration": registration, "form": form})
