"""The core app's part of the sweeper (SPEC §9)."""

from datetime import datetime

from django.utils import timezone

from .models import Session

SESSION_BATCH = 1000


def apply_due(now: datetime) -> int:
    """Forget expired sessions (what Django's ``clearsessions`` does, which nothing would run):
    at most ``SESSION_BATCH`` a sweep, so that one sweep never holds SQLite's write lock for
    long. Expired by the real time, as Django's session store reads them, not by the shop's
    clock (which tests move): a session is deleted only once Django would refuse it anyway."""
    expired = Session.objects.filter(expire_date__lt=timezone.now()).values("session_key")[:SESSION_BATCH]
    deleted, _ = Session.objects.filter(session_key__in=expired).delete()
    return deleted
