"""Input no database should see (NUL characters, bytes that are not UTF-8) is answered 400 by
``BadInputMiddleware`` before any view, on SQLite and PostgreSQL alike (PostgreSQL refuses NUL
in text: without the middleware these requests were 500s there)."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.accounts.models import User


@pytest.fixture
def anon():
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.mark.parametrize("url", [
    "/products/?q=a%00b",
    "/products/?q%00=1",
    "/orders/%00/",
    "/products/?q=%ff%fe",
    "/coupons/?page=%00",
    "/backoffice/wallets/?q=%00",
])
def test_nul_or_undecodable_in_path_or_query_is_400(anon, db, url):
    response = anon.get(url)
    assert response.status_code == 400
    assert "characters we cannot accept" in response.content.decode()


def test_undecodable_path_is_not_found(anon, db):
    assert anon.get("/products/%ff/").status_code == 404


def test_shopper_and_htmx_get_it_too(shopper_client):
    assert shopper_client.get("/orders/%00/").status_code == 400
    response = shopper_client.get("/products/?q=a%00b", HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("url", ["/products/?q=%2500x", "/products/?q=%E4%B8%AD%E6%96%87",
                                 "/products/?q=a+b&kind="])
def test_ordinary_input_passes(anon, db, url):
    assert anon.get(url).status_code == 200


def test_nul_in_a_multipart_form_field_is_400_and_nothing_is_written(client, db):
    token = client.csrf_token()
    response = client.post(reverse("accounts:login"), {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    response = client.post(reverse("accounts:signup"), {"username": "ok", "password1": "pw-secret-123\x00",
                                                      "password2": "pw-secret-123\x00", "csrfmiddlewaretoken": token},
                           csrf=False)
    assert response.status_code == 400
    assert not User.objects.exists()


def test_nul_in_urlencoded_or_undecodable_form_is_400(client, db):
    for body in [b"username=a%00b&password=x", b"username=a\x00b&password=x", b"username=%ff&password=x"]:
        response = client.post(reverse("accounts:login"), body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400


def test_nul_in_a_header_is_400(anon, db):
    assert anon.get("/products/", HTTP_USER_AGENT="evil\x00agent").status_code == 400


def test_a_cookie_with_nul_is_dropped_not_fatal(anon, user):
    anon.force_login(user)
    anon.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = anon.get("/products/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_anonymous
