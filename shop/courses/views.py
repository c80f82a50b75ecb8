from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from shop.core import clock
from shop.core.errors import DomainError
from shop.orders.forms import DegreeRegistrationForm
from shop.orders.models import Enrollment, EnrollmentStatus
from shop.orders.selectors import courses_of

from . import services


@login_required
def my_courses(request):
    now = clock.now()
    return render(request, "orders/courses.html", {"enrollments": courses_of(request.user, now), "now": now})


@login_required
def degree_registration(request, pk):
    enrollment = get_object_or_404(Enrollment.objects.select_related("product"), pk=pk, user=request.user)
    if enrollment.status != EnrollmentStatus.AWAITING_REGISTRATION:
        messages.info(request, _("This registration is already complete."))
        return redirect("courses:mine")
    form = DegreeRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_degree(user=request.user, enrollment_id=enrollment.pk, data=form.cleaned_data,
                                     now=clock.now())
        except DomainError as exc:
            messages.info(request, exc.message)
        else:
            messages.success(request, _("Thank you! Your registration is complete and the course is active."))
        return redirect("courses:mine")
    return render(request, "orders/registration.html", {"form": form, "enrollment": enrollment})
