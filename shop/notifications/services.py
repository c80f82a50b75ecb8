"""``notify`` is the one way to tell a user something (in-site, plus e-mail when they have one).

What is said is a :class:`~shop.core.texts.Text` (a key and params), translated when shown: in
the inbox and the bell in the reader's active language, in the e-mail in the recipient's
language (:func:`language_of`: the language they last used the site in)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import translation
from django_q.tasks import async_task

from shop.core import clock, sql
from shop.core.texts import Text
from shop.scheduling.services import job_name, schedule_once

from .models import Notification, Preference

log = logging.getLogger(__name__)

DELIVER = "shop.notifications.tasks.deliver"
DELIVER_MANY = "shop.notifications.tasks.deliver_many"


def notify(
    user, message: Text | str, body: str = "", *, url: str = "", email: bool = True, at: datetime | None = None
) -> Notification:
    """Create a notification; it shows at ``at`` (default now) and is e-mailed after commit.

    ``message`` is a :class:`Text` with a ``title`` part and optionally a ``body`` part.
    Deprecated: a plain title string (and ``body`` string) is still accepted and shown as given,
    untranslated, until every caller passes a ``Text``.
    """
    now = clock.now()
    note = sql.insert(_notification(user, message, body, url=url, email=email, send_at=at or now))
    if note.email:  # written out above: outbid and draw notices are on hot paths
        if note.send_at <= now:
            transaction.on_commit(lambda: async_task(DELIVER, note.pk))
        else:
            transaction.on_commit(
                lambda: schedule_once(job_name("notification", note.pk, "send"), DELIVER, note.send_at, note.pk)
            )
    return note


def notify_many(messages: Sequence[tuple[object, Text]], *, url: str = "", email: bool = True) -> list[Notification]:
    """Tell many users at once — ``(user, Text)`` pairs, all shown now: one INSERT, and their
    e-mails sent by one task after commit (a gift draw telling every participant holds its row,
    and SQLite's one writer, for one statement instead of one per participant)."""
    now = clock.now()
    notes = Notification.objects.bulk_create(
        [_notification(user, message, url=url, email=email, send_at=now) for user, message in messages])
    emailed = [note.pk for note in notes if note.email]
    if emailed:
        transaction.on_commit(lambda: async_task(DELIVER_MANY, emailed))
    return notes


def _notification(user, message: Text | str, body: str = "", *, url: str, email: bool,
                  send_at: datetime) -> Notification:
    if isinstance(message, Text):
        if body:
            raise TypeError("notify(): give the body as the Text's 'body' part, not as a string")
        key, params = message.key, message.params
        title, body = message.fallback("title"), message.fallback("body")
    else:
        key, params, title = "", {}, str(message)
    return Notification(user=user, key=key, params=params, title=title[:120], body=body, url=url,
                        email=email and bool(user.email), send_at=send_at)


def deliver(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send the e-mail of a due notification exactly once; returns whether this call sent it."""
    now = now or clock.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email=True, emailed_at__isnull=True, send_at__lte=now
    ).update(emailed_at=now)
    if not claimed:
        return False
    note = Notification.objects.select_related("user").get(pk=notification_id)
    with translation.override(language_of(note.user)):
        subject, body = note.shown_title, note.shown_body
    try:
        send_mail(subject, f"{body}\n\n{note.url}".strip(), None, [note.user.email])
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


# --- the recipient's language --------------------------------------------------------------------
def language_of(user) -> str:
    """The language to write to ``user`` in when they are not on the site: the one they last
    used it in, else the site's default."""
    language = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def remember_language(user, language: str) -> bool:
    """Record ``language`` as ``user``'s; returns whether it was stored. Best effort: a busy
    database skips it (the next visit records it)."""
    if language not in dict(settings.LANGUAGES):
        return False
    try:
        Preference.objects.update_or_create(user=user, defaults={"language": language})
    except DatabaseError:
        log.warning("event=language_not_saved user=%s", user.pk)
        return False
    return True
