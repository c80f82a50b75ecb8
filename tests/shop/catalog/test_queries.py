"""Storefront hot paths: a fixed, small number of queries per page whatever its length, and
cached fragments (addressed by what they show) that never serve a stale page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.cart.models import Cart
from shop.cart.services import add
from shop.catalog import selectors
from shop.catalog.models import PricePolicy
from shop.catalog.templatetags.fragments import FragmentNode
from shop.core import fragments
from shop.coupons.models import Coupon
from shop.coupons.services import claim

# (cold, warm): the session with its user and the cart badge's count (one SELECT), then the
# page's own reads — which the course list and course page keep in memory while the catalogue
# is unchanged (its version is read with the session); the cart page's key is read with the
# session too (its lines and the catalogue's version), and only to render it cart, lines, their
# courses and the courses' price options, then the key again; the coupon centre reads its content's key (one
# SELECT of plain values), and only to render it its count, the page's coupons, their courses
# and the shopper's holdings (written-out SELECTs), then the key again
PAGE_QUERIES = {"list": (3, 1), "detail": (3, 1), "cart": (6, 1), "coupons": (6, 1)}


@pytest.fixture
def shopper_browser(user):
    """A logged-in browser that already holds a CSRF cookie (as after its first page)."""
    browser = Client()
    browser.force_login(user)
    browser.get(reverse("catalog:list"))
    assert browser.cookies.get("csrftoken")
    return browser


@pytest.fixture
def shop(make_product, make_coupon, user):
    products = [make_product(prices=["10", "20", "30"]) for _ in range(6)]
    for product in products[:4]:
        make_coupon(scope="product", product=product, quantity=50)
        make_coupon(quantity=50)
    cart, _ = Cart.objects.get_or_create(user=user)
    for product in products[:3]:
        add(cart, product, product.policies.first().pk)
    return products


def _urls(products):
    return {"list": reverse("catalog:list"), "detail": products[0].get_absolute_url(),
            "cart": reverse("cart:detail"), "coupons": reverse("coupons:centre")}


def _without_tokens(html: str) -> str:
    return re.sub(r'(value="|X-CSRFToken": ")[A-Za-z0-9]{64}"', r'\1TOKEN"', html)


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_each_page_makes_a_fixed_number_of_queries(page, shop, shopper_browser, django_assert_num_queries):
    url = _urls(shop)[page]
    selectors.forget_kept()
    cold, warm = PAGE_QUERIES[page]
    with django_assert_num_queries(cold):  # rendered
        assert shopper_browser.get(url).status_code == 200
    with django_assert_num_queries(warm):  # from memory and the fragments
        assert shopper_browser.get(url).status_code == 200


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_query_counts_do_not_grow_with_the_page(page, shop, user, make_product, make_coupon, shopper_browser,
                                                django_assert_num_queries):
    cart = Cart.objects.get(user=user)
    for _ in range(6):
        product = make_product(prices=["5", "6"])
        make_coupon(scope="product", product=product, quantity=5)
        add(cart, product, product.policies.first().pk)
    with django_assert_num_queries(PAGE_QUERIES[page][0]):  # the catalogue changed: cold
        assert shopper_browser.get(_urls(shop)[page]).status_code == 200


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_a_cached_page_is_the_page_rendered_afresh(page, shop, shopper_browser):
    url = _urls(shop)[page]
    cold = shopper_browser.get(url).content.decode()
    warm = shopper_browser.get(url).content.decode()
    fragments.clear()
    fresh = shopper_browser.get(url).content.decode()
    assert _without_tokens(warm) == _without_tokens(cold) == _without_tokens(fresh)


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_a_page_seen_before_is_served_whole_but_never_hides_a_toast(page, shop, shopper_browser, monkeypatch):
    url = _urls(shop)[page]
    first = shopper_browser.get(url)
    with monkeypatch.context() as patched:
        patched.setattr(FragmentNode, "render", None)  # nothing inside the page is rendered
        second = shopper_browser.get(url)
    assert _without_tokens(second.content.decode()) == _without_tokens(first.content.decode())
    assert first.templates and not second.templates  # answered before any template started
    assert second.cookies.get("csrftoken")  # the page's token is in use: the cookie is renewed
    coupon = Coupon.objects.filter(product__isnull=True).first()
    shopper_browser.post(reverse("coupons:claim", args=[coupon.pk]))  # its message waits for the next page
    shown = shopper_browser.get(url).content.decode()
    assert "Claimed! Code" in shown
    assert "Claimed! Code" not in shopper_browser.get(url).content.decode()


def test_a_cached_form_keeps_a_valid_token(shop, user, shopper_browser):
    """Fragments with forms are cached per browser: the token they carry passes the CSRF check."""
    shopper_browser.get(reverse("cart:detail"))
    page = shopper_browser.get(reverse("cart:detail")).content.decode()
    line = Cart.objects.get(user=user).lines.first()
    action = page.index('action="%s"' % reverse("cart:remove", args=[line.pk]))
    token = re.search(r'csrfmiddlewaretoken" value="(\w+)"', page[action:]).group(1)
    shopper_browser.handler.enforce_csrf_checks = True
    response = shopper_browser.post(reverse("cart:remove", args=[line.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert not Cart.objects.get(user=user).lines.filter(pk=line.pk).exists()


def test_another_browser_never_gets_a_cached_token(shop, user, shopper_browser):
    shopper_browser.get(reverse("cart:detail"))
    other = Client()
    other.force_login(user)
    other.get(reverse("catalog:list"))
    mine = re.findall(r'csrfmiddlewaretoken" value="(\w+)"', shopper_browser.get(reverse("cart:detail")).content.decode())
    theirs = re.findall(r'csrfmiddlewaretoken" value="(\w+)"', other.get(reverse("cart:detail")).content.decode())
    assert mine and theirs and not set(mine) & set(theirs)


def test_without_a_csrf_cookie_form_pages_are_not_cached(shop, user):
    browser = Client()
    browser.force_login(user)  # no page seen yet: no CSRF cookie, so no key for pages with forms
    for url in (reverse("coupons:centre"), reverse("cart:detail"), shop[0].get_absolute_url()):
        assert browser.get(url, HTTP_COOKIE="").context["content_key"] is None
        browser.cookies.pop("csrftoken", None)


def test_catalogue_changes_show_at_once(shop, client):
    product = shop[0]
    client.get(reverse("catalog:list"))
    client.get(product.get_absolute_url())
    product.title = "Renamed course"
    product.save()
    assert "Renamed course" in client.get(reverse("catalog:list")).content.decode()
    assert "Renamed course" in client.get(product.get_absolute_url()).content.decode()
    cheapest = PricePolicy.objects.get(product=product, price=Decimal("10"))
    cheapest.price = Decimal("7.00")
    cheapest.save()
    assert "from ¥7.00" in client.get(reverse("catalog:list")).content.decode()
    assert "¥7.00" in client.get(product.get_absolute_url()).content.decode()
    product.status = "offline"
    product.save()
    assert "Renamed course" not in client.get(reverse("catalog:list")).content.decode()
    assert client.get(product.get_absolute_url()).status_code == 404


def test_a_retired_price_option_leaves_the_page_at_once(shop, client, operator, user):
    """The service retires a policy in a cart with update() (no signal): it says so itself."""
    from shop.catalog.services import _retire_or_delete

    product = shop[0]  # its first policy is in the shopper's cart
    policy = product.policies.order_by("pk").first()
    assert "¥10.00" in client.get(product.get_absolute_url()).content.decode()
    _retire_or_delete(policy)
    policy.refresh_from_db()
    assert not policy.is_active
    assert "¥10.00" not in client.get(product.get_absolute_url()).content.decode()


def test_a_page_rendered_afresh_reads_the_visitors_badge_once(shop, client):
    """On a miss the page is rendered with what its key was made of: the visitor's badge count,
    read for the key, is not read again by the template's own context processors."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post(reverse("cart:add", args=[shop[0].slug]), {"policy": shop[0].policies.first().pk})
    client.get(reverse("catalog:list"))  # the browser's CSRF cookie: pages are kept from now on
    fragments.clear()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("catalog:list")).content.decode()
    assert 'data-testid="cart-count">1<' in page
    badge = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "cart_cartline" in q["sql"]]
    assert len(badge) == 1, badge


def test_the_list_and_page_read_from_memory_while_the_catalogue_is_unchanged(shop, client,
                                                                              django_assert_num_queries):
    client.get(reverse("catalog:list"))
    client.get(shop[1].get_absolute_url())
    with django_assert_num_queries(2):  # a visitor: no session, no user, rows kept: the version, once a page
        assert client.get(reverse("catalog:list")).status_code == 200
        assert client.get(shop[1].get_absolute_url()).status_code == 200


def test_claims_and_the_clock_show_at_once_on_the_coupon_centre(shop, make_coupon, make_user, clock, shopper_browser):
    coupon = make_coupon(name="Soon over", quantity=3, claim_closes_at=clock.now() + timedelta(minutes=5))
    assert "3 left" in shopper_browser.get(reverse("coupons:centre")).content.decode()
    claim(user=make_user("someone"), coupon_id=coupon.pk, now=clock.now())
    page = shopper_browser.get(reverse("coupons:centre")).content.decode()
    assert "2 left" in page
    clock.advance(timedelta(minutes=6))
    page = shopper_browser.get(reverse("coupons:centre")).content.decode()
    card = page[page.index('id="coupon-%d"' % coupon.pk):]
    assert "Ended" in card[:4000]


def test_the_cart_badge_and_cart_follow_the_cart(shop, user, make_product, shopper_browser):
    page = shopper_browser.get(reverse("catalog:list")).content.decode()
    assert 'data-testid="cart-count">3<' in page
    add(Cart.objects.get(user=user), shop[5], shop[5].policies.first().pk)
    assert 'data-testid="cart-count">4<' in shopper_browser.get(reverse("catalog:list")).content.decode()
    assert shop[5].title in shopper_browser.get(reverse("cart:detail")).content.decode()


def test_catalogue_changes_show_at_once_on_a_shoppers_cart(shop, user, shopper_browser, django_assert_num_queries):
    """The signed-in cart page is keyed by what its session read (lines and the catalogue's
    version): a cached cart never outlives a change to its courses or their options."""
    line = Cart.objects.get(user=user).lines.select_related("policy", "product").first()
    shopper_browser.get(reverse("cart:detail"))
    with django_assert_num_queries(1):  # from the cache: the session's SELECT only
        assert line.product.title in shopper_browser.get(reverse("cart:detail")).content.decode()
    line.policy.price = Decimal("3.21")
    line.policy.save()
    assert "¥3.21" in shopper_browser.get(reverse("cart:detail")).content.decode()
    line.product.status = "offline"
    line.product.save()
    assert "No longer available" in shopper_browser.get(reverse("cart:detail")).content.decode()


def test_each_language_has_its_own_fragments(shop, shopper_browser):
    from django.utils import translation

    with translation.override(translation.get_language()):  # the middleware leaves its language active
        english = shopper_browser.get(reverse("catalog:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese = shopper_browser.get(reverse("catalog:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Courses" in english and english != chinese


def test_a_catalogue_write_replaces_the_version_in_its_own_transaction(shop):
    """The version is a row written with the change: a write rolled back leaves it, a committed
    one replaces it — with no window where new rows could be kept under the old version."""
    from django.db import transaction

    from shop.catalog.models import CatalogueVersion

    before = selectors.catalogue_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        shop[0].title = "Renamed"
        shop[0].save()
        assert selectors.catalogue_version() != before  # inside: already the new one
        raise RuntimeError
    assert selectors.catalogue_version() == before
    shop[0].save()
    after = selectors.catalogue_version()
    assert after != before
    CatalogueVersion.objects.all().delete()  # lost (a flushed database): made again at once
    made = selectors.catalogue_version()
    assert made and made != after and selectors.catalogue_version() == made
