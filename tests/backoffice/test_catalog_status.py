"""The catalogue list's "Take offline / Put online" toggle, posted the way a browser does: with
the token its own form carries, CSRF enforced, and a ``next`` that can only lead back here."""

import re

import pytest
from django.urls import reverse

from shop.catalog.models import Product

LIST = "/backoffice/catalog/"


def _status_form(page: str, product: Product) -> dict[str, str]:
    form = re.search(rf'<form[^>]*id="status-{product.pk}".*?</form>', page, re.S)
    assert form, "the status toggle form is on the list"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    assert "csrfmiddlewaretoken" in fields, "the toggle's form carries its CSRF token"
    return fields


def test_toggle_from_the_list_with_its_own_token(operator_client, make_product):
    course = make_product()
    page = operator_client.get(LIST + "?status=online").content.decode()
    fields = _status_form(page, course)
    response = operator_client.post(reverse("backoffice:catalog:status", args=[course.pk]),
                                    {**fields, "status": "offline"}, csrf=False)
    assert response.status_code == 302 and response["Location"] == LIST + "?status=online"
    course.refresh_from_db()
    assert course.status == "offline"


def test_htmx_toggle_uses_the_page_header_token(operator_client, make_product):
    course = make_product(status="offline")
    page = operator_client.get(LIST).content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    response = operator_client.post(reverse("backoffice:catalog:status", args=[course.pk]), {"status": "online"},
                                    csrf=False, HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="status-' in response.content.decode()
    assert "csrfmiddlewaretoken" in response.content.decode()  # the swapped-in form can post again
    course.refresh_from_db()
    assert course.status == "online"


def test_toggle_without_a_token_is_refused(operator_client, make_product):
    course = make_product()
    operator_client.get(LIST)
    response = operator_client.post(reverse("backoffice:catalog:status", args=[course.pk]), {"status": "offline"},
                                    csrf=False)
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.status == "online"


@pytest.mark.parametrize("next_url", [
    "https://evil.example/phish", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "foo",
    "backoffice:wallets:list", "ftp://testserver/x", "",
])
def test_a_next_off_this_site_falls_back_to_the_list(operator_client, make_product, next_url):
    course = make_product()
    response = operator_client.post(reverse("backoffice:catalog:status", args=[course.pk]),
                                    {"status": "offline", "next": next_url})
    assert response.status_code == 302 and response["Location"] == LIST


def test_next_on_this_site_is_followed_and_http_is_refused_on_https(operator_client, make_product):
    course = make_product()
    url = reverse("backoffice:catalog:status", args=[course.pk])
    ok = operator_client.post(url, {"status": "offline", "next": "/backoffice/catalog/?page=2"})
    assert ok["Location"] == "/backoffice/catalog/?page=2"
    same_host = operator_client.post(url, {"status": "online", "next": "http://testserver/backoffice/"})
    assert same_host["Location"] == "http://testserver/backoffice/"
    downgrade = operator_client.post(url, {"status": "offline", "next": "http://testserver/backoffice/"}, secure=True,
                                     HTTP_REFERER="https://testserver/backoffice/catalog/")
    assert downgrade["Location"] == LIST
