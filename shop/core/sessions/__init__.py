"""The session store that reads the session row and the signed-in user's row with one written-out
SELECT (``shop.core.sql``): every signed-in page loads both first, and they were two queries —
on PostgreSQL alone half of what a bare view costs (docs/benchmarks.md). The row
(:class:`shop.core.models.Session`) keeps the user's id beside Django's columns for the join;
:class:`shop.accounts.backends.UserBackend` takes the user read with the session while
:class:`AuthenticationMiddleware` asks for the request's user, and reads it itself otherwise.
Everything else (what is checked, the session hash) is Django's. ``django.contrib.sessions``
is not installed: its table would stay empty (expired rows are forgotten by the sweeper,
:mod:`shop.core.tasks`).

``SESSION_ENGINE = "shop.core.sessions"``, with or without Redis."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY, get_user, get_user_model
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from shop.core import sql

_with_user: dict[str, Callable[[str], str]] = {}
_asking: ContextVar = ContextVar("session_asking_for_its_user", default=None)


def read_with_user(name: str, expression: Callable[[str], str]) -> None:
    """Load ``expression(user id column)`` — a scalar SQL subquery on the user's row — with the
    signed-in user, as the attribute ``name`` (e.g. the cart's line count for the header's badge,
    registered by the cart app). It is read when the request's session is, so a view that
    changes it and then renders a page passes its own figure."""
    _with_user[name] = expression


def read_with_this_session(request, name: str, expression: Callable[[str], str], params) -> None:
    """Load ``expression(user id column)`` — a scalar SQL subquery on the user's row taking
    ``params`` — with this request's session and user, as the user's attribute ``name``: a page
    whose own figure depends on the request (the coupon centre's page of tickets, by the clock)
    then starts with one query. Only if the session has not been read yet; a caller finds None
    on the user (a visitor, a session read earlier) and reads it itself."""
    store = request.session
    if isinstance(store, SessionStore) and not hasattr(store, "_session_cache"):
        store.this_request = {**store.this_request, name: (expression, tuple(params))}


def with_user(user_id_column: str) -> dict[str, str]:
    """The extra columns read with a user (see :func:`read_with_user`)."""
    return {name: expression(user_id_column) for name, expression in _with_user.items()}


class SessionStore(db.SessionStore):
    """Django's database-backed store, with the session row written with its user's id and read
    with that user's row (kept as ``signed_in``: (user id, user or None))."""

    signed_in: tuple[int, object] | None = None
    this_request: dict[str, tuple[Callable[[str], str], tuple]] = {}  # see read_with_this_session

    @classmethod
    def get_model_class(cls):
        from shop.core.models import Session

        return Session

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance

    def _get_session_from_db(self):
        """What ``SessionStore._get_session_from_db`` returns: the unexpired row, or None (and the
        key forgotten, as Django does) — read with the signed-in user's row."""
        self.signed_in = None
        if not self.session_key:
            return None
        model, user_model = self.get_model_class(), get_user_model()
        asked = self.this_request
        query, extra = _query(model, user_model, tuple((name, expression) for name, (expression, _p) in asked.items()))
        params = [value for _expression, values in asked.values() for value in values]
        rows = sql.rows(query, [*params, self.session_key, timezone.now()])
        if not rows:
            self._session_key = None
            return None
        row, width = rows[0], len(model._meta.concrete_fields)
        session = sql.from_row(model, row[:width])
        user = None
        if session.user_id is not None and row[width] is not None:
            user_width = len(user_model._meta.concrete_fields)
            user = sql.from_row(user_model, row[width:width + user_width])
            for name, value in zip(extra, row[width + user_width:], strict=True):
                setattr(user, name, value)
        self.signed_in = (session.user_id, user) if session.user_id is not None else None
        return session


@functools.cache
def _query_of(model, user_model, vendor: str, names: tuple[str, ...], asked: tuple) -> tuple[str, dict[str, str]]:
    user_id = f"u.{sql.quote(user_model._meta.pk.column)}"
    extra = {**with_user(user_id), **{name: expression(user_id) for name, expression in asked}}
    query = (f"SELECT {sql.columns(model, 's')}, {sql.columns(user_model, 'u')}"
             + "".join(f", {expression}" for expression in extra.values())
             + f" FROM {sql.table(model)} s LEFT JOIN {sql.table(user_model)} u"
             f" ON u.{sql.quote(user_model._meta.pk.column)} = s.user_id"
             f" WHERE s.session_key = %s AND s.expire_date > %s")
    return query, extra


def _query(model, user_model, asked: tuple = ()) -> tuple[str, dict[str, str]]:
    """The session's SELECT (built once per database, set of registered figures and figures this
    request asked for) and the figures' columns."""
    return _query_of(model, user_model, connection.vendor, tuple(_with_user), asked)


def user_read_with_session(user_id):
    """The user read with the session of the request whose user is being asked for, if that is
    the user ``user_id`` (else ``...``: read it)."""
    store = _asking.get()
    signed_in = getattr(store, "signed_in", None)
    if signed_in is None or str(signed_in[0]) != str(user_id):
        return ...
    return signed_in[1]


def _user_of(request):
    if not hasattr(request, "_cached_user"):
        token = _asking.set(request.session)
        try:
            request._cached_user = get_user(request)
        finally:
            _asking.reset(token)
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the user taken from the session's own read when it is there."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))
