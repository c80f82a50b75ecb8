from django.contrib.sessions.backends import db

from . import session_row


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        return session_row(self)
