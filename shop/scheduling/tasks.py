"""The sweeper: every minute, each app performs the transitions whose time has passed."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime
from functools import cache

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from shop.core import clock

from .models import Heartbeat

log = logging.getLogger(__name__)


@cache
def due_handlers() -> list[tuple[str, Callable[[datetime], int | None]]]:
    """``tasks.apply_due`` of every shop app that defines one, in INSTALLED_APPS order."""
    handlers = []
    for config in apps.get_app_configs():
        if not config.name.startswith("shop.") or config.name == __package__:
            continue
        if module_has_submodule(config.module, "tasks"):
            module = importlib.import_module(f"{config.name}.tasks")
            if hasattr(module, "apply_due"):
                handlers.append((config.label, module.apply_due))
    return handlers


def sweep() -> dict[str, int]:
    """Run every app's ``apply_due(now)``; one failing app never stops the others."""
    now = clock.now()
    done: dict[str, int] = {}
    for label, handler in due_handlers():
        try:
            done[label] = handler(now) or 0
        except Exception:  # noqa: BLE001 - logged with traceback, the other apps still run
            log.exception("event=sweep_failed app=%s", label)
            done[label] = -1
    Heartbeat.objects.update_or_create(name="sweeper", defaults={"at": now})
    if any(done.values()):
        log.info("event=sweep %s", " ".join(f"{k}={v}" for k, v in done.items()))
    return done
