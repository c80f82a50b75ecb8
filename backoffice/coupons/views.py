from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from shop.core import clock
from shop.core.errors import DomainError
from shop.coupons import services
from shop.coupons.forms import CouponForm
from shop.coupons.models import Coupon

from ..access import StaffRequiredMixin, staff_area
from ..tables import BackofficeListView, table_page
from .filters import CouponFilter
from .tables import ClaimedTable, CouponTable

PERMISSION = "coupons.change_coupon"


class CouponListView(StaffRequiredMixin, BackofficeListView):
    area_permission = PERMISSION
    table_class = CouponTable
    filterset_class = CouponFilter
    template_name = "backoffice/coupons/list.html"

    def get_queryset(self):
        return Coupon.objects.alive().select_related("product", "auction_session").annotate(
            remaining_count=F("quantity") - F("claimed"))

    def get_table_kwargs(self):
        return {"now": clock.now()}


@staff_area(PERMISSION)
def coupon_edit(request, pk=None):
    coupon = get_object_or_404(Coupon.objects.alive(), pk=pk) if pk else None
    now = clock.now()
    if coupon and coupon.claim_status_at(now) != "not_started":
        messages.error(request, _("Claiming has started: this coupon can no longer be edited."))
        return redirect("backoffice:coupons:detail", pk=coupon.pk)
    form = CouponForm(request.POST or None, request.FILES or None, instance=coupon)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.coupon_save(coupon=form.save(commit=False), actor=request.user, now=now)
        except services.InvalidCoupon as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Coupon “%(name)s” saved.") % {"name": saved.name})
            return redirect("backoffice:coupons:detail", pk=saved.pk)
    return render(request, "backoffice/coupons/form.html", {"form": form, "coupon": coupon})


@staff_area(PERMISSION)
def coupon_delete(request, pk):
    coupon = get_object_or_404(Coupon.objects.alive(), pk=pk)
    if request.method == "POST":
        services.coupon_delete(coupon_id=coupon.pk, actor=request.user, now=clock.now())
        messages.success(request, _("Coupon “%(name)s” deleted.") % {"name": coupon.name})
        return redirect("backoffice:coupons:list")
    return render(request, "backoffice/coupons/delete.html", {"coupon": coupon})


@staff_area(PERMISSION)
def coupon_detail(request, pk):
    coupon = get_object_or_404(Coupon.objects.select_related("product", "auction_session"), pk=pk)
    now = clock.now()
    table = ClaimedTable(coupon.claims.select_related("user"), now=now)
    context = {"coupon": coupon, "state": coupon.claim_status_at(now),
               "editable": not coupon.is_deleted and coupon.claim_status_at(now) == "not_started"}
    return table_page(request, table, "backoffice/coupons/detail.html", context)
