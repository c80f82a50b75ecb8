"""Django's model backend, loading the signed-in user of each request with one written-out
SELECT (``shop.core.sql``) instead of a queryset — or none, when the session's own read brought
the user (:mod:`shop.core.sessions`); with the figures other apps read with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from shop.core import sessions, sql


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session holding junk: nobody is signed in
            return None
        user = sessions.user_read_with_session(pk)
        if user is ...:
            column = f"{sql.table(model)}.{sql.quote(model._meta.pk.column)}"
            rows = sql.select(model, f"{column} = %s", [pk], extra=sessions.with_user(column))
            user = rows[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None
