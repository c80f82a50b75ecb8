"""The session row is read with its user in one SELECT (shop.core.sessions): Django's checks still
decide who is signed in — a changed password, a deactivated or deleted user sign the session out —
and the user read with one request's session never answers for anyone else."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.accounts.backends import UserBackend
from shop.core.models import Session
from shop.core.sessions import AuthenticationMiddleware, read_with_this_session

PROBE = reverse("notifications:inbox")  # a page only a signed-in shopper sees


def _signed_in(client) -> bool:
    return client.get(PROBE).status_code == 200


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_session_row_keeps_its_users_id_and_one_select_reads_both(user):
    client = _client(user)
    row = Session.objects.get(session_key=client.session.session_key)
    assert row.user_id == user.pk and row.get_decoded()[SESSION_KEY] == str(user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(client)
    first = queries.captured_queries[0]["sql"]
    assert "core_session" in first and "accounts_user" in first
    assert not any(q["sql"].startswith("SELECT") and "accounts_user" in q["sql"] and "core_session" not in q["sql"]
                   for q in queries.captured_queries)


def test_a_password_changed_elsewhere_signs_the_session_out(user):
    client = _client(user)
    assert _signed_in(client)
    user.set_password("another-secret-456")
    user.save()
    assert not _signed_in(client)


def test_a_deactivated_or_deleted_user_is_signed_out(user, make_user):
    client = _client(user)
    user.is_active = False
    user.save()
    assert not _signed_in(client)
    gone = make_user("gone")
    client = _client(gone)
    assert _signed_in(client)
    Session.objects.filter(user_id=gone.pk).update(user_id=None)  # as a row written before the column
    assert _signed_in(client)  # the user is then read by the backend itself
    gone.delete()
    assert not _signed_in(client)


def test_logging_out_leaves_no_user_on_the_session(user):
    client = _client(user)
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(user_id=user.pk).exists()
    assert not _signed_in(client)


def test_the_user_read_with_a_session_answers_for_no_one_else(user, other_user):
    assert UserBackend().get_user(other_user.pk).pk == other_user.pk  # outside a request: its own read
    client = _client(user)
    assert client.get(PROBE).context["user"].pk == user.pk
    assert UserBackend().get_user(other_user.pk).pk == other_user.pk


def _request(client, factory):
    """A request carrying ``client``'s session cookie, through the session and user middleware."""
    request = factory.get("/", HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}")
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return request


def _probe(user_id_column: str) -> str:
    return f"(SELECT %s + {user_id_column})"


def test_a_figure_a_page_asks_for_is_read_with_its_session_for_that_request_only(user, rf):
    client = _client(user)
    request = _request(client, rf)
    read_with_this_session(request, "probe", _probe, [41])
    with CaptureQueriesContext(connection) as queries:
        assert request.user.probe == 41 + user.pk
    assert len(queries) == 1
    assert not hasattr(_request(client, rf).user, "probe")  # the next request did not ask


def test_a_figure_asked_for_after_the_session_was_read_is_left_to_the_page(user, rf):
    request = _request(_client(user), rf)
    assert request.user.is_authenticated  # the session is read
    read_with_this_session(request, "probe", _probe, [41])
    assert not hasattr(request.user, "probe")
