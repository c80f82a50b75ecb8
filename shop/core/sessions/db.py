from django.contrib.sessions.backends import db

from . import ReadsItsUser


class SessionStore(ReadsItsUser, db.SessionStore):
    pass
