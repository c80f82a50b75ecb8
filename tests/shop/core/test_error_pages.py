"""The shop's own 400/403/404/500 pages, in the backoffice's layout under /backoffice/ (DEBUG off)."""

import pytest
from django.db import connections
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from project.urls import handler400, handler403, handler404, handler500
from project.urls import urlpatterns as project_urlpatterns
from shop.core import views


def boom(request):
    raise RuntimeError("a bug")


# This module doubles as a URLconf (``@pytest.mark.urls``) with one crashing view.
urlpatterns = [path("boom/", boom), path("backoffice/boom/", boom), *project_urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500"]


def _names(response):
    return [t.name for t in response.templates]


@pytest.mark.django_db
def test_unknown_shop_url_is_a_404_in_the_shops_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "errors/error.html" in _names(response) and "base.html" in _names(response)
    body = response.content.decode()
    assert "Page not found" in body and 'href="/products/"' in body  # navbar and a way on
    assert "Using the URLconf" not in body


@pytest.mark.django_db
def test_unknown_backoffice_url_keeps_operators_in_the_backoffice(client, operator):
    client.force_login(operator)
    response = client.get("/backoffice/no-such-area/")
    assert response.status_code == 404
    assert "backoffice/error.html" in _names(response)
    body = response.content.decode()
    assert "bo-sidebar" in body and "Backoffice dashboard" in body


@pytest.mark.django_db
def test_backoffice_403_for_a_shopper_says_why_without_the_backoffice_map(shopper_client):
    response = shopper_client.get("/backoffice/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Access denied" in body and "The backoffice is for staff only." in body
    assert "bo-sidebar" not in body  # the list of areas is for staff
    assert "Backoffice dashboard" not in body and "Back to the shop" in body  # a way on that works for them


@pytest.mark.django_db
def test_disallowed_host_is_a_400_page(client):
    with override_settings(ALLOWED_HOSTS=["shop.example.com"]):
        response = client.get("/", HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.django_db
def test_csrf_failure_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Reload the page and try again." in body and "errors/error.html" in _names(response)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url, home", [("/boom/", 'href="/"'), ("/backoffice/boom/", 'href="/backoffice/"')])
def test_crash_is_a_static_safe_500_page(url, home):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and home in body
    assert "/static/" not in body  # no stylesheet to fail on a broken static manifest


def test_500_page_renders_without_a_database_or_request_context():
    request = RequestFactory().get("/backoffice/orders/")
    for alias in connections:  # any query would raise: this test has no database access
        connections[alias].close()
    response = views.server_error(request)
    assert response.status_code == 500
    assert "Backoffice" in response.content.decode()


def test_error_page_that_fails_to_render_falls_back_to_the_static_safe_page(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template bug")

    monkeypatch.setattr(views, "render", broken)
    response = views.page_not_found(RequestFactory().get("/x/"))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
