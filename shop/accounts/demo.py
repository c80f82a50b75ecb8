from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from shop.core.texts import Text
from shop.wallet.models import Asset, LedgerEntry
from shop.wallet.services import credit, wallet_of
from shop.wallet.texts import WELCOME_GIFT

from .models import User
from .services import register_user

DEMO_USERS = [
    # username, password, profile, starting wallet
    ("alice", "alice-pass-123", {"is_member": True, "is_verified": True, "display_name": "Alice",
                                  "email": "alice@example.com", "phone": "+86 138 0000 0001"},
     {Asset.BALANCE: Decimal("500.00"), Asset.GEM: Decimal("300"), Asset.GOLD: Decimal("120")}),
    ("bob", "bob-pass-123", {"display_name": "Bob", "email": "bob@example.com"},
     {Asset.BALANCE: Decimal("200.00"), Asset.GEM: Decimal("50"), Asset.GOLD: Decimal("30")}),
    ("operator", "operator-pass-123", {"is_staff": True, "display_name": "Operator",
                                        "email": "operator@example.com"}, {}),
]

OPERATIONS_GROUP = "Operations"


def operations_group() -> Group:
    """Staff in this group may use every backoffice area (all permissions of the shop apps)."""
    group, _ = Group.objects.get_or_create(name=OPERATIONS_GROUP)
    labels = [c.label for c in apps.get_app_configs() if c.name.startswith("shop.")]
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=labels))
    return group


def demo_users():
    return User.objects.filter(username__in=[u[0] for u in DEMO_USERS])


def reset():
    users = demo_users()
    LedgerEntry.objects.filter(wallet__user__in=users).delete()
    users.delete()


def seed(*, now):
    group = operations_group()
    created = []
    for username, password, profile, wallet in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = register_user(username=username, password=password, **profile)
            for asset, amount in wallet.items():
                credit(user=user, asset=asset, amount=amount, memo=Text(WELCOME_GIFT), ref="demo")
            created.append(username)
        wallet_of(user)
        if user.is_staff:
            user.groups.add(group)
    return f"users created: {', '.join(created) or 'none (already there)'}"
