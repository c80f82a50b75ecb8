"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection before the first query of
every request with ``SELECT 1``: a second round trip for a page that needs one query (a
signed-in page reads its session, user and badge in one). This backend asks the socket
instead. A server that restarts, or an administrator or idle timeout that ends the backend,
sends its goodbye (an error message, then end of file) on the connection, so a healthy idle
connection has nothing to read and a dead one does: a readable socket, or a connection psycopg
already knows is closed or broken, is closed and a new one opened. After an error in the request
Django's own check (``SELECT 1``) still decides, unchanged.

It also offers :meth:`DatabaseWrapper.prepared_cursor`, through which the written-out statements
of the hot paths (:mod:`shop.core.sql`) are bound on the server and prepared once per connection:
PostgreSQL plans the session's SELECT (with its user and figures) in ~0.5 ms and runs it in
~0.05 ms, so planning it on every page cost more than the rest of the query. The ORM's statements
keep Django's client-side binding, which its SQL is written for."""

import select

import psycopg
from django.db.backends.postgresql import base, operations


class PreparedCursor(base.ServerBindingCursor):
    """Server-side binding, and every statement prepared on its first run (psycopg keeps the
    last 100 per connection; the statements are shop.core.sql's few fixed texts)."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The statement as logged (DEBUG, tests): a prepared one is shown with its values, as
        Django shows statements bound on the server."""
        if isinstance(cursor, PreparedCursor):
            try:
                return self.compose_sql(sql, params)
            except psycopg.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("prepare_threshold") is None:
            # Django turns psycopg's preparing off (for poolers in transaction mode); its own
            # cursors bind on the client and never prepare, so this reaches prepared_cursor only.
            params["prepare_threshold"] = 5
        return params

    def prepared_cursor(self):
        """A cursor like :meth:`cursor` (the same wrapper: errors, query logging, health check)
        whose statements are prepared."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedCursor(self.connection))

    def close_if_health_check_failed(self):
        if self.connection is None or self.pool or not self.health_check_enabled or self.health_check_done:
            return
        if not self.is_quiet():
            self.close()
        self.health_check_done = True

    def is_quiet(self) -> bool:
        """The connection is open and the server has sent nothing since the last reply."""
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable
