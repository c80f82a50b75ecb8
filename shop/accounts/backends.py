"""Django's model backend, loading the signed-in user of each request with one written-out
SELECT (``shop.core.sql``) instead of a queryset: it runs on every signed-in page."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from shop.core import sql


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session holding junk: nobody is signed in
            return None
        rows = sql.select(model, f"{sql.quote(model._meta.pk.column)} = %s", [pk])
        user = rows[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None
