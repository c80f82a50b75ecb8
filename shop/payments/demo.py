"""Demo data: nothing of its own to seed. A reset removes the demo shoppers' orders (of every
kind still left by the apps reset before) with their payment records and enrollments, so that
``seed_demo --reset`` works after someone has shopped in the demo."""

from shop.accounts.demo import demo_users
from shop.orders.models import Enrollment, Order

from .models import GatewayEvent, GatewayRefund


def seed(*, now):
    return ""


def reset():
    orders = Order.objects.filter(user__in=demo_users())
    GatewayEvent.objects.filter(order__in=orders).delete()
    GatewayRefund.objects.filter(order__in=orders).delete()
    Enrollment.objects.filter(user__in=demo_users()).delete()
    orders.delete()
