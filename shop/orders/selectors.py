from django.db.models import Count, Prefetch, Q

from .models import Enrollment, EnrollmentStatus, Order, OrderLine


def orders_of(user):
    return (
        Order.objects.filter(user=user)
        .annotate(line_count=Count("lines"))
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.only("id", "order_id", "title", "policy_label")))
        .order_by("-created_at", "-id")
    )


def order_for(user, number: str):
    """Raises Order.DoesNotExist for unknown numbers and other people's orders alike."""
    return (
        Order.objects.select_related("global_coupon__coupon")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product", "coupon__coupon")), "events"
        )
        .get(user=user, number=number)
    )


def courses_of(user, now):
    return (
        Enrollment.objects.filter(user=user)
        .filter(~Q(status=EnrollmentStatus.ENDED), ends_at__gt=now)
        .select_related("product", "mentor", "registration")
        .order_by("ends_at")
    )
