from django.contrib.sessions.backends import cached_db

from . import session_row


class SessionStore(cached_db.SessionStore):
    def _get_session_from_db(self):
        return session_row(self)
