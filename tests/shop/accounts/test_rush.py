"""Sign-ups under a rush: no slow work inside the write transaction, races answered politely,
and a lock wait that runs out answers 503 + Retry-After (shop.core.dbbusy), never 500."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from shop.accounts.models import User
from shop.accounts.services import register_user
from shop.core.dbbusy import busy_reason
from shop.core.errors import DomainError
from shop.wallet.models import Wallet

PASSWORD = "a-Long-pass-42"


class RecordingHasher(MD5PasswordHasher):
    """Records, for every hash, whether a transaction was open at that moment."""

    algorithm = "recording_md5"
    in_transaction: list[bool] = []

    def encode(self, password, salt):
        RecordingHasher.in_transaction.append(connection.in_atomic_block)
        return super().encode(password, salt)


class RacingHasher(MD5PasswordHasher):
    """While the password is hashed, another request signs up with the same username."""

    algorithm = "racing_md5"

    def encode(self, password, salt):
        User.objects.get_or_create(username="taken-meanwhile")
        return super().encode(password, salt)


def _signup_data(username="rusher"):
    return {"username": username, "email": "", "password1": PASSWORD, "password2": PASSWORD}


def _post_signup(client: Client, data, **headers):
    client.get(reverse("accounts:signup"))
    return client.post(reverse("accounts:signup"), data, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
                       **headers)


# --- no slow work inside the write transaction -------------------------------------------------
@pytest.mark.django_db(transaction=True)  # no test transaction around it: in_atomic_block is real
def test_password_is_hashed_before_the_write_transaction(settings):
    settings.PASSWORD_HASHERS = ["tests.shop.accounts.test_rush.RecordingHasher"]
    RecordingHasher.in_transaction.clear()
    user = register_user(username="rusher", password=PASSWORD, email="r@example.com")
    assert RecordingHasher.in_transaction == [False]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Wallet.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_signup_page_hashes_outside_any_transaction(settings):
    settings.PASSWORD_HASHERS = ["tests.shop.accounts.test_rush.RecordingHasher"]
    RecordingHasher.in_transaction.clear()
    response = _post_signup(Client(enforce_csrf_checks=True), _signup_data())
    assert response.status_code == 302
    assert RecordingHasher.in_transaction and not any(RecordingHasher.in_transaction)


class ProbingHasher(MD5PasswordHasher):
    """Tries to take SQLite's write lock from another connection while the password is hashed."""

    algorithm = "probing_md5"
    probes: list[str] = []

    def encode(self, password, salt):
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if a write transaction is open
            other.rollback()
            ProbingHasher.probes.append("free")
        except sqlite3.OperationalError as exc:
            ProbingHasher.probes.append(str(exc))
        finally:
            other.close()
        return super().encode(password, salt)


@pytest.mark.django_db(transaction=True)
def test_sqlite_write_lock_is_free_while_hashing(settings):
    """The effect that matters on SQLite: while a sign-up hashes, other requests can write."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single write lock")
    settings.PASSWORD_HASHERS = ["tests.shop.accounts.test_rush.ProbingHasher"]
    ProbingHasher.probes.clear()
    register_user(username="prober", password=PASSWORD)
    assert ProbingHasher.probes == ["free"]


# --- a username taken meanwhile ----------------------------------------------------------------
def test_register_user_refuses_a_username_taken_meanwhile(db):
    register_user(username="twin", password=PASSWORD)
    with pytest.raises(DomainError) as refused:
        register_user(username="twin", password=PASSWORD)
    assert refused.value.code == "username_taken"
    assert User.objects.filter(username="twin").count() == 1


def test_signup_race_on_the_same_username_shows_the_form_again(db, settings):
    settings.PASSWORD_HASHERS = ["tests.shop.accounts.test_rush.RacingHasher"]
    response = _post_signup(Client(enforce_csrf_checks=True), _signup_data("taken-meanwhile"))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(username="taken-meanwhile").count() == 1


# --- a lock wait that runs out: 503 + Retry-After -----------------------------------------------
def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


def _busy_records(caplog):
    return [r for r in caplog.records if "db_busy" in r.getMessage()]


def test_locked_database_in_the_view_answers_503_with_retry_after(db, monkeypatch, caplog):
    monkeypatch.setattr("shop.accounts.services.register_user", _locked)
    caplog.set_level(logging.INFO)
    response = _post_signup(Client(enforce_csrf_checks=True), _signup_data(),
                            HTTP_REFERER="http://testserver/accounts/signup/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "try again in a few seconds" in page
    assert 'href="http://testserver/accounts/signup/"' in page  # "Try again" goes back to the form
    assert len(_busy_records(caplog)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # logged once, as a warning


def test_locked_database_answers_htmx_with_a_short_toast_text(db, monkeypatch):
    monkeypatch.setattr("shop.accounts.services.register_user", _locked)
    response = _post_signup(Client(enforce_csrf_checks=True), _signup_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert response["Retry-After"]
    assert len(response.content) < 300 and b"<" not in response.content


def test_locked_database_in_a_middleware_answers_503_too(db, monkeypatch, caplog):
    """The session save (SessionMiddleware, after the view) hits the lock: still 503, one log line."""
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", _locked)
    caplog.set_level(logging.INFO)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:signup"), _signup_data())  # login() changes the session
    assert response.status_code == 503
    assert response["Retry-After"]
    assert len(_busy_records(caplog)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_other_database_errors_still_answer_500(db, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: accounts_user")

    monkeypatch.setattr("shop.accounts.services.register_user", broken)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:signup"), _signup_data())
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_real_lock_wait_that_runs_out_answers_503():
    """Another connection holds the write lock (SQLite) / a table lock (PostgreSQL) longer than
    this request may wait: the sign-up answers 503; once the lock is gone it works."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:signup"))
    original = connection.settings_dict
    db = original
    if connection.vendor == "sqlite":
        connection.close()  # reconnect with a short busy timeout
        connection.settings_dict = {**original, "OPTIONS": {**original["OPTIONS"], "timeout": 0.2}}
        holder = sqlite3.connect(db["NAME"], timeout=5)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        holder = psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                                 host=db["HOST"] or None, port=db["PORT"] or None)
        holder.execute(f"LOCK TABLE {User._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
    try:
        response = client.post(reverse("accounts:signup"), _signup_data(),
                               HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
        assert response.status_code == 503
        assert response["Retry-After"]
        assert not User.objects.filter(username="rusher").exists()
    finally:
        holder.rollback()
        holder.close()
        connection.close()
        connection.settings_dict = original
    response = client.post(reverse("accounts:signup"), _signup_data(),
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 302
    assert User.objects.filter(username="rusher").count() == 1


# --- recognising a busy database ---------------------------------------------------------------
class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate, reason", [("55P03", "lock_not_available"), ("40001", "serialization_failure"),
                                              ("40P01", "deadlock_detected"), ("57014", "query_canceled"),
                                              ("53300", "too_many_connections")])
def test_postgresql_lock_and_serialization_timeouts_count_as_busy(sqlstate, reason):
    wrapped = OperationalError("canceling statement due to lock timeout")
    wrapped.__cause__ = _PgError(sqlstate)
    assert busy_reason(wrapped) == reason


def test_sqlite_busy_codes_and_other_errors():
    raw = sqlite3.OperationalError("database is locked")
    raw.sqlite_errorcode = 517  # SQLITE_BUSY_SNAPSHOT
    assert busy_reason(raw) == "sqlite_busy"
    assert busy_reason(OperationalError("database table is locked")) == "sqlite_busy"
    assert busy_reason(OperationalError("no such table: x")) is None
    assert busy_reason(ValueError("database is locked")) is None
    unique = OperationalError("duplicate")
    unique.__cause__ = _PgError("23505")
    assert busy_reason(unique) is None


@pytest.mark.postgres
def test_postgresql_without_a_free_connection_slot_counts_as_busy(db):
    """"Too many connections" (here a role allowed none) is a 503 to retry, not a 500."""
    import psycopg
    from django.db import connection

    where = connection.settings_dict
    server = {"host": where["HOST"] or "127.0.0.1", "port": where["PORT"] or 5432, "dbname": where["NAME"],
              "connect_timeout": 5}
    with psycopg.connect(user=where["USER"], autocommit=True, **server) as admin:
        admin.execute("DROP ROLE IF EXISTS bazaar_no_slots")
        admin.execute("CREATE ROLE bazaar_no_slots LOGIN CONNECTION LIMIT 0")
        try:
            with pytest.raises(psycopg.OperationalError) as refused:
                psycopg.connect(user="bazaar_no_slots", **server)
        finally:
            admin.execute("DROP ROLE bazaar_no_slots")
    wrapped = OperationalError(str(refused.value))
    wrapped.__cause__ = refused.value
    assert busy_reason(wrapped) == "too_many_connections"
