"""One-off django-q2 schedules named after their object, and the periodic sweeper.

A job is ``<object>:<id>:<event>`` (e.g. ``coupon:42:open``); its function takes the object's id
and calls an idempotent service. Scheduling is a hint for timeliness only: every app also
exposes ``tasks.apply_due(now)``, which the sweeper calls every minute, and reads evaluate
state against the clock.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from shop.core import clock

log = logging.getLogger(__name__)

SWEEPER_NAME = "bazaar:sweeper"
SWEEPER_FUNC = "shop.scheduling.tasks.sweep"


def job_name(obj_kind: str, obj_id, event: str) -> str:
    return f"{obj_kind}:{obj_id}:{event}"


def schedule_once(name: str, func: str, when: datetime, *args) -> None:
    """Create or move the one-off schedule ``name`` to run ``func(*args)`` at ``when``.

    ``when`` is domain time (``clock.now()`` based); django-q2 compares with real time, so the
    difference between the two (non-zero only when tests move the clock) is removed.
    """
    real_when = when - (clock.now() - timezone.now())
    with transaction.atomic():
        Schedule.objects.filter(name=name).delete()
        Schedule.objects.create(
            name=name,
            func=func,
            args=repr(tuple(args)) if args else None,
            schedule_type=Schedule.ONCE,
            repeats=-1,
            next_run=real_when,
        )
    log.debug("event=scheduled job=%s at=%s", name, when.isoformat())


def unschedule(name: str) -> int:
    deleted, _ = Schedule.objects.filter(name=name).delete()
    return deleted


def ensure_sweeper(using: str = "default") -> Schedule:
    """Register the per-minute sweeper exactly once (idempotent; safe on every migrate)."""
    with transaction.atomic(using=using):
        existing = list(Schedule.objects.using(using).filter(name=SWEEPER_NAME).order_by("pk"))
        for extra in existing[1:]:
            extra.delete()
        if existing:
            sweeper = existing[0]
            changed = sweeper.func != SWEEPER_FUNC or sweeper.minutes != 1
            sweeper.func, sweeper.schedule_type, sweeper.minutes = SWEEPER_FUNC, Schedule.MINUTES, 1
            sweeper.repeats = -1
            if changed:
                sweeper.save(using=using)
            return sweeper
        return Schedule.objects.using(using).create(
            name=SWEEPER_NAME,
            func=SWEEPER_FUNC,
            schedule_type=Schedule.MINUTES,
            minutes=1,
            repeats=-1,
            next_run=timezone.now(),
        )
