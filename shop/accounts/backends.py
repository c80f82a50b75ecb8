"""Django's model backend, loading the signed-in user of each request with one written-out
SELECT (``shop.core.sql``) instead of a queryset: it runs on every signed-in page. Other apps
may read a figure every page shows about the user in that same SELECT (:func:`read_with_user`)."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from shop.core import sql

_with_user: dict[str, Callable[[str], str]] = {}


def read_with_user(name: str, expression: Callable[[str], str]) -> None:
    """Load ``expression(user id column)`` — a scalar SQL subquery on the user's row — with the
    signed-in user, as the attribute ``name`` (e.g. the cart's line count for the header's badge,
    registered by the cart app). It is read when the request's user is, so a view that changes
    it and then renders a page passes its own figure."""
    _with_user[name] = expression


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session holding junk: nobody is signed in
            return None
        column = f"{sql.table(model)}.{sql.quote(model._meta.pk.column)}"
        rows = sql.select(model, f"{column} = %s", [pk],
                          extra={name: expression(column) for name, expression in _with_user.items()})
        user = rows[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None
