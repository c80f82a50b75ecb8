"""Session stores that read the session row with one written-out SELECT (``shop.core.sql``):
every signed-in page loads its session first, and building that query through the ORM cost more
than the rest of a cached page (docs/benchmarks.md). Everything else is Django's.

``SESSION_ENGINE = "shop.core.sessions.db"`` (the default) or ``"shop.core.sessions.cached_db"``
(with Redis)."""

from django.utils import timezone

from shop.core import sql


def session_row(store):
    """What ``SessionStore._get_session_from_db`` returns: the unexpired row, or None (and the
    key forgotten, as Django does)."""
    rows = sql.select(store.model, "session_key = %s AND expire_date > %s",
                      [store.session_key, timezone.now()]) if store.session_key else []
    if not rows:
        store._session_key = None
        return None
    return rows[0]
