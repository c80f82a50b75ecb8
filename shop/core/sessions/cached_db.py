from django.contrib.sessions.backends import cached_db

from . import ReadsItsUser


class SessionStore(ReadsItsUser, cached_db.SessionStore):
    pass
