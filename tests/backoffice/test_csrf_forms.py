"""Every POST form on the pages we render carries its CSRF token: a ``<form method="post">``
without a ``csrfmiddlewaretoken`` input always answers 403 (the catalogue's status toggle did,
and no test noticed). A form posted only by htmx (``hx-post``) may rely on the token the page
sends in ``hx-headers`` on ``<body>``. Scans every backoffice GET page (with real objects) and
the shop pages of the catalogue, cart, coupons and wallet, plus their htmx partials."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from shop.cart.models import Cart
from shop.cart.services import add
from tests.backoffice.test_access import BACKOFFICE_URLS, _kwargs_for, known  # noqa: F401 - fixture
from tests.conftest import CsrfClient


class Forms(HTMLParser):
    """Collects each form's attributes and whether it holds a CSRF token input; notes whether
    ``<body>`` sends the token in ``hx-headers``."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.body_token = False
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body" and "X-CSRFToken" in (attrs.get("hx-headers") or "") and '""' not in attrs["hx-headers"]:
            self.body_token = True
        if tag == "form":
            form = {"attrs": attrs, "token": False, "line": self.getpos()[0]}
            self.forms.append(form)
            self._open.append(form)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and attrs.get("value") and self._open:
            self._open[-1]["token"] = True

    def handle_endtag(self, tag):
        if tag == "form" and self._open:
            self._open.pop()


def untokened_post_forms(html: str, *, partial: bool = False) -> list[str]:
    parser = Forms()
    parser.feed(html)
    bad = []
    for form in parser.forms:
        attrs = form["attrs"]
        posts = (attrs.get("method") or "get").lower() == "post"
        htmx_only = "hx-post" in attrs and not posts
        if form["token"] or not (posts or htmx_only):
            continue
        if htmx_only and (parser.body_token or partial):
            continue
        bad.append(f"line {form['line']}: <form {' '.join(f'{k}={v!r}' for k, v in attrs.items())}>")
    return bad


def test_the_scanner_catches_a_form_without_token():
    assert untokened_post_forms('<body><form method="post" action="/x"><button>Go</button></form></body>')
    assert not untokened_post_forms('<body><form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
                                    'value="abc"></form></body>')
    htmx = '<form hx-post="/x"><button>Go</button></form>'
    assert untokened_post_forms(f"<body>{htmx}</body>")
    assert not untokened_post_forms(f"""<body hx-headers='{{"X-CSRFToken": "abc"}}'>{htmx}</body>""")


def _get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.content.decode()


def test_every_backoffice_page_posts_with_a_token(known, operator):  # noqa: F811 - fixture
    client = CsrfClient()
    client.force_login(operator)
    problems = {}
    for name, converters in BACKOFFICE_URLS:
        if name in ("backoffice:orders:export", "backoffice:campaigns:orders_export", "backoffice:catalog:policy_row", "backoffice:catalog:status",
                    "backoffice:orders:refund"):
            continue  # a CSV, an htmx row (checked below) and POST-only endpoints
        url = reverse(name, kwargs=_kwargs_for(name, converters, known, unknown=False))
        for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
            bad = untokened_post_forms(_get(client, url, **extra), partial=bool(extra))
            if bad:
                problems[f"{url} {'htmx' if extra else ''}"] = bad
    row = _get(client, reverse("backoffice:catalog:policy_row") + "?index=3", HTTP_HX_REQUEST="true")
    if bad := untokened_post_forms(row, partial=True):
        problems["policy row"] = bad
    assert not problems, problems


@pytest.mark.parametrize("who", ["anonymous", "shopper"])
def test_every_shop_page_of_ours_posts_with_a_token(who, user, make_product, make_coupon, give_coupon, fund):
    client = CsrfClient()
    course = make_product(prices=["10.00", "20.00"])
    coupon = make_coupon()
    if who == "shopper":
        client.force_login(user)
        add(Cart.objects.create(user=user), course, course.policies.first().pk)
        give_coupon(user, make_coupon(name="Held"))
        fund(user, balance="5")
    else:
        client.post(reverse("cart:add", args=[course.slug]), {"policy": course.policies.first().pk})
    pages = ["/", reverse("catalog:list"), course.get_absolute_url(), reverse("cart:detail"),
             reverse("coupons:centre")]
    pages += [reverse("coupons:mine"), reverse("wallet:wallet")] if who == "shopper" else [reverse("accounts:login")]
    problems = {}
    for url in pages:
        for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
            if bad := untokened_post_forms(_get(client, url, **extra), partial=bool(extra)):
                problems[f"{url} {'htmx' if extra else ''}"] = bad
    if who == "shopper":
        claimed = client.post(reverse("coupons:claim", args=[coupon.pk]), HTTP_HX_REQUEST="true")
        if bad := untokened_post_forms(claimed.content.decode(), partial=True):
            problems["claim partial"] = bad
        line = Cart.objects.get(user=user).lines.get()
        changed = client.post(reverse("cart:change", args=[line.pk]), {"policy": course.policies.last().pk},
                              HTTP_HX_REQUEST="true")
        if bad := untokened_post_forms(changed.content.decode(), partial=True):
            problems["cart partial"] = bad
    assert not problems, problems
