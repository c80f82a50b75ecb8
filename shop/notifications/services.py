"""``notify`` is the one way to tell a user something (in-site, plus e-mail when they have one)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import send_mail
from django.db import transaction
from django_q.tasks import async_task

from shop.core import clock
from shop.scheduling.services import job_name, schedule_once

from .models import Notification

log = logging.getLogger(__name__)

DELIVER = "shop.notifications.tasks.deliver"


def notify(user, title: str, body: str = "", *, url: str = "", email: bool = True, at: datetime | None = None):
    """Create a notification; it shows at ``at`` (default now) and is e-mailed after commit."""
    now = clock.now()
    note = Notification.objects.create(
        user=user, title=title, body=body, url=url, email=email and bool(user.email), send_at=at or now
    )
    if note.email:
        if note.send_at <= now:
            transaction.on_commit(lambda: async_task(DELIVER, note.pk))
        else:
            transaction.on_commit(
                lambda: schedule_once(job_name("notification", note.pk, "send"), DELIVER, note.send_at, note.pk)
            )
    return note


def deliver(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send the e-mail of a due notification exactly once; returns whether this call sent it."""
    now = now or clock.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email=True, emailed_at__isnull=True, send_at__lte=now
    ).update(emailed_at=now)
    if not claimed:
        return False
    note = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        send_mail(note.title, f"{note.body}\n\n{note.url}".strip(), None, [note.user.email])
    except OSError:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)  # retried by the sweeper
        log.exception("event=email_failed notification=%s", notification_id)
        return False
    return True


def due_emails(now: datetime):
    return Notification.objects.filter(email=True, emailed_at__isnull=True, send_at__lte=now)


def visible(user, now: datetime | None = None):
    return Notification.objects.filter(user=user, send_at__lte=now or clock.now())


def unread_count(user) -> int:
    return visible(user).filter(read_at__isnull=True).count()


def mark_read(user, ids) -> int:
    return visible(user).filter(pk__in=list(ids), read_at__isnull=True).update(read_at=clock.now())
