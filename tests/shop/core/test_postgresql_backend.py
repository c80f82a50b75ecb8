"""The PostgreSQL backend checks a persistent connection's health without a round trip: a live
connection starts its request with no ``SELECT 1``, and one the server ended is replaced before
the request's first query (shop.core.backends.postgresql)."""

import select
import time
from unittest import mock

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend")


def test_a_live_connection_starts_a_request_without_a_round_trip(db):
    assert connection.health_check_enabled
    connection.ensure_connection()
    connection.health_check_done = False  # what the start of a request does (request_started)
    with mock.patch.object(connection, "is_usable", side_effect=AssertionError("SELECT 1 sent")):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 2")
            assert cursor.fetchone() == (2,)
    assert connection.health_check_done


@pytest.fixture
def own_connection(db):
    """A second connection to the test database, as a worker of another request holds one."""
    wrapper = connections.create_connection("default")
    yield wrapper
    wrapper.close()


def test_a_connection_the_server_ended_is_replaced_before_the_first_query(own_connection):
    own_connection.ensure_connection()
    pid = own_connection.connection.info.backend_pid
    assert own_connection.is_quiet()
    with connection.cursor() as cursor:  # an administrator, a restart or an idle timeout
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    readable = select.select([own_connection.connection.fileno()], [], [], 5)[0]
    assert readable, "the server said goodbye"
    time.sleep(0.05)
    assert not own_connection.is_quiet()

    own_connection.close_if_unusable_or_obsolete()  # the next request starts
    with own_connection.cursor() as cursor:  # no error: a new connection was opened first
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_the_session_read_is_planned_once_per_connection(shopper_client):
    """The session's SELECT (with its user and figures) is prepared on the server: PostgreSQL
    planned it on every page, ~0.5 ms, ten times what running it costs."""
    for _ in range(2):
        assert shopper_client.get("/cart/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "core_session"' in statement for statement in prepared), prepared


def test_orm_statements_keep_client_side_binding(db):
    """Only the written-out statements are prepared: the ORM's SQL is written for client-side
    binding (Django's default), and its cursors stay that way."""
    import psycopg

    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, psycopg.ClientCursor)
    with connection.prepared_cursor() as cursor:
        assert not isinstance(cursor.cursor, psycopg.ClientCursor)
