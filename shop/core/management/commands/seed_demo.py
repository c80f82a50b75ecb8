"""Load the demo data of SPEC §11. Idempotent; ``--reset`` first removes what it created.

Each shop app may provide ``demo.py`` with ``seed(*, now)`` and optionally ``reset()``; seeds run
in INSTALLED_APPS order (accounts first, so later apps find the demo users), resets in reverse.
"""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from shop.core import clock


class Command(BaseCommand):
    help = "Create (or with --reset, recreate) the demo accounts and campaign data."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="remove the demo data first")

    def handle(self, *args, reset=False, **options):
        now = clock.now()
        modules = [
            (config.label, importlib.import_module(f"{config.name}.demo"))
            for config in apps.get_app_configs()
            if config.name.startswith("shop.") and module_has_submodule(config.module, "demo")
        ]
        # No outer transaction: each app's seed is idempotent and short, and the demo users'
        # password hashing must not hold SQLite's single write lock (a live demo keeps serving).
        if reset:
            for _label, module in reversed(modules):
                if hasattr(module, "reset"):
                    with transaction.atomic():
                        module.reset()
        for label, module in modules:
            summary = module.seed(now=now)
            if summary:
                self.stdout.write(f"{label}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
