"""The coupon centre, claiming in place (htmx) or by a plain POST, and My coupons."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.coupons import selectors
from shop.coupons.models import Coupon
from shop.coupons.services import claim, coupon_delete, mark_used

CENTRE = reverse("coupons:centre")
MINE = reverse("coupons:mine")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _claim_url(coupon):
    return reverse("coupons:claim", args=[coupon.pk])


# --- coupon centre -------------------------------------------------------------------------------
def test_centre_shows_opened_coupons_only(client, operator, make_coupon, make_product, clock):
    course = make_product("Data course")
    make_coupon(name="Open flat", quantity=3, claimed=1)
    make_coupon(name="Course deal", kind="percent", value="0", off_percent=79, scope="product", product=course)
    make_coupon(name="Over now", claim_opens_at=clock.now() - timedelta(days=3),
                claim_closes_at=clock.now() - timedelta(days=1), status="ended")
    make_coupon(name="Future one", claim_opens_at=clock.now() + timedelta(days=1), status="not_started")
    coupon_delete(coupon_id=make_coupon(name="Gone one").pk, actor=operator, now=clock.now())
    page = client.get(CENTRE).content.decode()
    assert "Open flat" in page and "Course deal" in page and "Over now" in page
    assert "Future one" not in page and "Gone one" not in page
    assert '<span data-testid="remaining" class="fw-semibold text-nowrap">2 left</span>' in page
    assert "21% off" in page and "you pay 79%" in page and "¥20 off" in page
    assert course.get_absolute_url() in page
    assert page.count(">Claim</button>") == 2  # not on the ended one


def test_claim_in_place_swaps_the_card(shopper_client, make_coupon):
    coupon = make_coupon(name="Open one", quantity=3)
    card = shopper_client.post(_claim_url(coupon), **HTMX).content.decode()
    assert card.lstrip().startswith(f'<article id="coupon-{coupon.pk}"')
    assert "2 left" in card and "Claimed!" in card and ">Claim</button>" not in card
    assert "<html" not in card


def test_claim_refusals_are_explained_on_the_card(shopper_client, other_user, make_coupon, clock):
    coupon = make_coupon(quantity=5)
    shopper_client.post(_claim_url(coupon), **HTMX)
    again = shopper_client.post(_claim_url(coupon), **HTMX).content.decode()
    assert "You have already claimed this coupon." in again
    last = make_coupon(quantity=1)
    claim(user=other_user, coupon_id=last.pk, now=clock.now())
    gone = shopper_client.post(_claim_url(last), **HTMX).content.decode()
    assert "None left" in gone and "All claimed" in gone
    ended = make_coupon(claim_opens_at=clock.now() - timedelta(days=2), claim_closes_at=clock.now())
    closed = shopper_client.post(_claim_url(ended), **HTMX).content.decode()
    assert "Claiming has ended." in closed and "Ended" in closed


def test_claim_needs_login(client, make_coupon):
    coupon = make_coupon()
    card = client.post(_claim_url(coupon), **HTMX).content.decode()
    assert "Log in to claim this coupon." in card and f"{reverse('accounts:login')}?next={CENTRE}" in card
    plain = client.post(_claim_url(coupon))
    assert plain.status_code == 302 and plain.url == f"{reverse('accounts:login')}?next={CENTRE}"
    coupon.refresh_from_db()
    assert coupon.claimed == 0


def test_claim_without_javascript_redirects_with_a_message(shopper_client, make_coupon):
    coupon = make_coupon(name="Plain")
    done = shopper_client.post(_claim_url(coupon), follow=True)
    assert done.redirect_chain == [(CENTRE, 302)]
    assert "Claimed! Code" in done.content.decode()
    refused = shopper_client.post(_claim_url(coupon), follow=True).content.decode()
    assert "You have already claimed this coupon." in refused


def test_claim_of_unknown_unopened_or_deleted_coupon_is_404(shopper_client, operator, make_coupon, clock):
    future = make_coupon(claim_opens_at=clock.now() + timedelta(hours=1), status="not_started")
    deleted = make_coupon()
    coupon_delete(coupon_id=deleted.pk, actor=operator, now=clock.now())
    for pk in (future.pk, deleted.pk, 999_999):
        assert shopper_client.post(reverse("coupons:claim", args=[pk]), **HTMX).status_code == 404
    assert shopper_client.get(_claim_url(make_coupon())).status_code == 405


def test_centre_shows_claimed_state_for_the_shopper(shopper_client, user, make_coupon, give_coupon):
    give_coupon(user, make_coupon(name="Mine already"))
    page = shopper_client.get(CENTRE).content.decode()
    assert "Mine already" in page and ">Claim</button>" not in page and "Claimed" in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("logged_in", [False, True])
def test_centre_query_count_does_not_grow_with_coupons(client, user, make_coupon, make_product, give_coupon,
                                                       logged_in):
    if logged_in:
        client.force_login(user)

    def add(n):
        for i in range(n):
            coupon = make_coupon(name=f"c{i}", scope="product" if i % 2 else "global",
                                 product=make_product() if i % 2 else None)
            give_coupon(user, coupon)

    client.get(CENTRE)  # the browser's CSRF cookie: the content is cached from now on
    add(2)
    few = _queries(client, CENTRE)  # the content's key, then (changed) its coupons rendered
    add(10)
    assert _queries(client, CENTRE) == few <= 9
    assert _queries(client, CENTRE) == 1  # unchanged: the key (with the session, its user and badge when signed in)


def test_content_read_while_a_claim_lands_is_not_kept_under_the_older_key(client, user, make_coupon, monkeypatch):
    """The centre's key is read before its coupons: a claim landing in between must not leave the
    newer content cached under the older key (it would be served when that state comes back)."""
    coupon = make_coupon(name="Race", quantity=10)
    client.get(CENTRE)  # the CSRF cookie: content is cached from now on
    read_page = selectors.CentreCoupons.__getitem__

    def claim_meanwhile(self, page):
        Coupon.objects.filter(pk=coupon.pk).update(claimed=F("claimed") + 1)
        return read_page(self, page)

    monkeypatch.setattr(selectors.CentreCoupons, "__getitem__", claim_meanwhile)
    assert "9 left" in client.get(CENTRE).content.decode()  # rendered after the claim
    monkeypatch.setattr(selectors.CentreCoupons, "__getitem__", read_page)
    Coupon.objects.filter(pk=coupon.pk).update(claimed=0)  # the state the key was read in, again
    assert "10 left" in client.get(CENTRE).content.decode()


# --- my coupons ----------------------------------------------------------------------------------
def test_my_coupons_needs_login(client):
    response = client.get(MINE)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_my_coupons_tabs(shopper_client, user, other_user, make_coupon, make_product, give_coupon, clock):
    course = make_product("SQL course")
    fresh = give_coupon(user, make_coupon(name="Fresh", scope="product", product=course))
    used = give_coupon(user, make_coupon(name="Spent"))
    mark_used([used.pk], order_ref="order:B1", now=clock.now())
    old = give_coupon(user, make_coupon(name="Old", valid_days=1))
    theirs = give_coupon(other_user, make_coupon(name="Not mine"))
    clock.advance(timedelta(days=1))  # "Old" is past its validity, not swept yet

    unused = shopper_client.get(MINE).content.decode()
    assert "Fresh" in unused and fresh.code in unused and course.get_absolute_url() in unused
    assert "Old" not in unused and "Spent" not in unused and theirs.code not in unused
    used_tab = shopper_client.get(MINE + "?tab=used", **HTMX).content.decode()
    assert used_tab.lstrip().startswith('<section id="my-coupons"') and "<html" not in used_tab
    assert "Spent" in used_tab and reverse("orders:detail", args=["B1"]) in used_tab
    expired = shopper_client.get(MINE + "?tab=expired").content.decode()
    assert old.code in expired and fresh.code not in expired
    assert "Fresh" in shopper_client.get(MINE + "?tab=bogus").content.decode()


def test_my_coupons_history_restore_gets_the_whole_page(shopper_client):
    page = shopper_client.get(MINE + "?tab=used", HTTP_HX_REQUEST="true",
                              HTTP_HX_HISTORY_RESTORE_REQUEST="true").content.decode()
    assert "<html" in page and 'id="my-coupons"' in page


def test_my_coupons_paginates_within_the_tab(shopper_client, user, make_coupon, give_coupon, settings):
    for i in range(settings.BAZAAR_PAGE_SIZE + 3):
        give_coupon(user, make_coupon(name=f"Many {i}", valid_days=10 + i))
    first = shopper_client.get(MINE).content.decode()
    assert first.count('data-testid="my-coupon"') == settings.BAZAAR_PAGE_SIZE
    assert 'hx-get="?tab=unused&page=2" hx-target="#my-coupons"' in first
    second = shopper_client.get(MINE + "?tab=unused&page=2", **HTMX).content.decode()
    assert second.count('data-testid="my-coupon"') == 3


def test_my_coupons_query_count_does_not_grow(shopper_client, user, make_coupon, make_product, give_coupon):
    def add(n):
        for i in range(n):
            give_coupon(user, make_coupon(name=f"m{i}", value=Decimal(i + 1), scope="product",
                                          product=make_product()))

    add(2)
    few = _queries(shopper_client, MINE)
    add(8)
    assert _queries(shopper_client, MINE) == few
