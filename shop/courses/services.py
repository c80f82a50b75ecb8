"""Enrollments: what a paid course order grants, what its refund takes back, the degree
registration form and mentors."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from shop.catalog.models import COURSE_KINDS, ProductKind
from shop.core import audit
from shop.core.errors import DomainError
from shop.orders.models import DegreeRegistration, Enrollment, EnrollmentStatus, Order, OrderLine, OrderStatus

COURSE = "course"


def _initial_status(product, registered: bool = False) -> str:
    if product.kind == ProductKind.DEGREE and not registered:
        return EnrollmentStatus.AWAITING_REGISTRATION
    return EnrollmentStatus.ACTIVE


def grant_enrollments(order: Order, now: datetime) -> list[Enrollment]:
    """Each paid line gives access for its policy's days from now, extending an active
    enrollment from its end (one enrollment per shopper and course)."""
    granted = []
    for line in order.lines.select_related("product").filter(product__kind__in=COURSE_KINDS).order_by("product_id"):
        enrollment, created = Enrollment.objects.select_for_update().get_or_create(
            user=order.user, product=line.product,
            defaults={"starts_at": now, "ends_at": now + timedelta(days=line.days), "last_line": line,
                      "status": _initial_status(line.product)},
        )
        if not created:
            active = enrollment.status != EnrollmentStatus.ENDED and enrollment.ends_at > now
            if not active:
                enrollment.starts_at = now
                enrollment.status = _initial_status(line.product, registered=hasattr(enrollment, "registration"))
            enrollment.ends_at = (enrollment.ends_at if active else now) + timedelta(days=line.days)
            enrollment.last_line = line
            enrollment.save()
        granted.append(enrollment)
    return granted


def take_back_enrollments(order: Order, now: datetime) -> None:
    """A refund removes exactly the days this order bought. The enrollment ends only when what is
    left runs out by now (nothing else paid for it)."""
    for line in order.lines.filter(product__kind__in=COURSE_KINDS).order_by("product_id"):
        enrollment = Enrollment.objects.select_for_update().filter(user=order.user, product_id=line.product_id).first()
        if enrollment is None or enrollment.status == EnrollmentStatus.ENDED:
            continue
        others = OrderLine.objects.filter(
            order__user=order.user, product_id=line.product_id,
            order__status__in=[OrderStatus.PAID, OrderStatus.REFUND_REQUESTED],
        ).exclude(order=order)
        enrollment.ends_at -= timedelta(days=line.days)
        if not others.exists() or enrollment.ends_at <= now:
            enrollment.status = EnrollmentStatus.ENDED
            enrollment.ends_at = max(min(enrollment.ends_at, now), enrollment.starts_at)
        enrollment.save(update_fields=["status", "ends_at"])


@transaction.atomic
def register_degree(*, user, enrollment_id: int, data: dict, now: datetime) -> Enrollment:
    """The degree registration form: stored once, then the enrollment is active."""
    enrollment = Enrollment.objects.select_for_update().filter(pk=enrollment_id, user=user).first()
    if enrollment is None:
        raise Enrollment.DoesNotExist
    if enrollment.status != EnrollmentStatus.AWAITING_REGISTRATION:
        raise DomainError(_("This registration is already complete."), code="already_registered")
    DegreeRegistration.objects.create(enrollment=enrollment, submitted_at=now, **data)
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.save(update_fields=["status"])
    return enrollment


@transaction.atomic
def assign_mentor(*, operator, enrollment_id: int, mentor) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("mentor").get(pk=enrollment_id)
    if mentor is not None and not mentor.is_staff:
        raise DomainError(_("A mentor must be a staff member."), code="mentor_not_staff")
    before = {"mentor": enrollment.mentor.username if enrollment.mentor else None}
    enrollment.mentor = mentor
    enrollment.save(update_fields=["mentor"])
    audit.record(actor=operator, action="enrollment.mentor", target=enrollment, before=before,
                 after={"mentor": mentor.username if mentor else None})
    return enrollment
