"""Explicit audit events for operator writes (never through signals)."""

from __future__ import annotations

from django.db import models

from . import clock
from .models import AuditLog


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """A JSON-friendly copy of ``fields`` of ``obj`` for before/after records."""
    data = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        data[name] = value if isinstance(value, (int, bool, type(None))) else str(value)
    return data


def record(*, actor, action: str, target: models.Model, before=None, after=None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        before=before,
        after=after,
        created_at=clock.now(),
    )
