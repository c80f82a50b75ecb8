"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection before the first query of
every request with ``SELECT 1``: a second round trip for a page that needs one query (a
signed-in page reads its session, user and badge in one). This backend asks the socket
instead. A server that restarts, or an administrator or idle timeout that ends the backend,
sends its goodbye (an error message, then end of file) on the connection, so a healthy idle
connection has nothing to read and a dead one does: a readable socket, or a connection psycopg
already knows is closed or broken, is closed and a new one opened. After an error in the request
Django's own check (``SELECT 1``) still decides, unchanged."""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
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
