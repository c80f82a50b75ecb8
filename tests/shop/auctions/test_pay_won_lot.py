"""Settling a won lot before the gateway: ``/me/auctions/orders/<number>/pay/`` (address, one
session coupon, balance), CSRF enforced."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.accounts.models import Address
from shop.auctions import services, settlement
from shop.auctions.models import LotResult
from shop.coupons.models import ClaimedCoupon
from shop.orders.models import Order
from shop.wallet.models import Wallet

D = Decimal


@pytest.fixture
def client(csrf_client):
    return csrf_client


@pytest.fixture
def won(make_auction, user, fund, clock):
    """``user`` won a lot at ¥500 with a ¥100 session deposit: an order of ¥400 to pay."""
    session = make_auction(deposit=D("100"), lots=[{"title": "Old tea cake"}])
    lot = session.lots.get()
    fund(user, balance=1000)
    services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    services.place_bid(user=user, lot_id=lot.pk, amount="500", now=clock.now())
    clock.advance(timedelta(hours=1, seconds=1))
    settlement.settle_lot(lot.pk, now=clock.now())
    return LotResult.objects.get(lot=lot).order


@pytest.fixture
def home(user):
    return Address.objects.create(user=user, name="Ann", phone="13800000000", address="1 Tea Road", is_default=True)


@pytest.fixture
def session_coupon(won, user, make_coupon, give_coupon):
    lot = LotResult.objects.get(order=won).lot
    return give_coupon(user, make_coupon(scope="session", auction_session=lot.session, kind="flat", value=D("30"),
                                         name="Tea coupon"))


def url(order) -> str:
    return f"/me/auctions/orders/{order.number}/pay/"


def balance_of(user) -> Decimal:
    return Wallet.objects.get(user=user).balance


def test_pay_page_shows_the_breakdown_addresses_and_coupons(shopper_client, won, home, session_coupon):
    page = shopper_client.get(url(won)).content.decode()
    assert "Old tea cake" in page and won.number in page and "Pay before" in page
    assert 'data-testid="final-price">¥500.00<' in page and 'data-testid="deposit-applied">−¥100.00<' in page
    assert 'data-testid="payable">¥400.00<' in page
    assert "1 Tea Road" in page and "checked" in page and "Tea coupon" in page
    assert "You have ¥900.00 in your wallet." in page and "/me/addresses/new/" in page


def test_the_quote_swaps_the_summary_and_changes_nothing(shopper_client, user, won, home, session_coupon):
    response = shopper_client.post(url(won), {"action": "quote", "address": home.pk, "coupon": session_coupon.pk,
                                              "balance": "70"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<section id="pay-summary"')
    assert 'data-testid="coupon-discount">−¥30.00<' in page and 'data-testid="balance-used">−¥70.00<' in page
    assert 'data-testid="payable">¥300.00<' in page
    won.refresh_from_db()
    session_coupon.refresh_from_db()
    assert won.payable == D("400") and session_coupon.status == "unused" and balance_of(user) == D("900")


def test_continue_settles_the_order_and_goes_to_its_pay_button(shopper_client, user, won, home, session_coupon):
    response = shopper_client.post(url(won), {"address": home.pk, "coupon": session_coupon.pk, "balance": "70"})
    assert response.status_code == 302 and response["Location"] == won.get_absolute_url()
    won.refresh_from_db()
    session_coupon.refresh_from_db()
    assert (won.global_discount, won.balance_used, won.payable) == (D("30"), D("70"), D("300"))
    assert won.shipping["address"] == "1 Tea Road" and session_coupon.status == "used"
    assert balance_of(user) == D("830")
    page = shopper_client.get(response["Location"]).content.decode()
    assert f"/orders/{won.number}/pay/" in page.replace(url(won), "") and "Now pay ¥300.00" in page


def test_a_replayed_form_counts_coupon_and_balance_once(shopper_client, user, won, home, session_coupon):
    form = {"address": home.pk, "coupon": session_coupon.pk, "balance": "70"}
    shopper_client.post(url(won), form)
    again = shopper_client.post(url(won), form)
    assert again.status_code == 302
    won.refresh_from_db()
    assert (won.balance_used, won.payable) == (D("70"), D("300")) and balance_of(user) == D("830")
    page = shopper_client.get(url(won)).content.decode()
    assert "already counted" in page and 'name="balance"' not in page


def test_coupon_and_balance_covering_everything_pay_the_lot(shopper_client, user, won, home, session_coupon):
    response = shopper_client.post(url(won), {"address": home.pk, "coupon": session_coupon.pk, "balance": "900"},
                                   follow=True)
    won.refresh_from_db()
    assert won.status == "paid" and won.payable == 0 and balance_of(user) == D("530")
    assert "Paid: your coupon and balance covered the lot." in response.content.decode()
    page = shopper_client.get(url(won)).content.decode()
    assert 'data-testid="pay-closed"' in page and "This lot is paid." in page
    assert shopper_client.post(url(won), {"address": home.pk}).status_code == 302


def test_without_an_address_the_page_asks_for_one(shopper_client, won):
    page = shopper_client.get(url(won)).content.decode()
    assert 'data-testid="no-address"' in page and "/me/addresses/new/" in page
    response = shopper_client.post(url(won), {"balance": "10"})
    assert response.status_code == 422 and "Choose the address we ship the lot to." in response.content.decode()
    won.refresh_from_db()
    assert won.balance_used == 0


@pytest.mark.parametrize("data", [
    {"balance": "abc"}, {"balance": "-5"}, {"balance": "1e99"}, {"balance": "5000"},
    {"coupon": "junk"}, {"coupon": "999999"}, {"address": "999999"}, {"address": "x"},
])
def test_bad_input_is_422_and_changes_nothing(shopper_client, user, won, home, data):
    response = shopper_client.post(url(won), {"address": home.pk, **data})
    assert response.status_code == 422
    won.refresh_from_db()
    assert won.payable == D("400") and won.balance_used == 0 and balance_of(user) == D("900")


def test_a_coupon_of_another_session_is_not_offered_nor_taken(shopper_client, user, won, home, make_auction,
                                                              make_coupon, give_coupon):
    other = give_coupon(user, make_coupon(scope="session", auction_session=make_auction(title="Other"),
                                          name="Other coupon"))
    page = shopper_client.get(url(won)).content.decode()
    assert "Other coupon" not in page and "You have no coupon of this session." in page
    response = shopper_client.post(url(won), {"address": home.pk, "coupon": other.pk})
    assert response.status_code == 422 and ClaimedCoupon.objects.get(pk=other.pk).status == "unused"


def test_other_peoples_and_unknown_orders_are_404(client, make_user, won, home):
    client.force_login(make_user("intruder"))
    assert client.get(url(won)).status_code == 404
    assert client.post(url(won), {"address": home.pk, "balance": "10"}).status_code == 404
    assert client.get("/me/auctions/orders/NOPE/pay/").status_code == 404
    won.refresh_from_db()
    assert won.balance_used == 0 and won.shipping is None


def test_other_order_kinds_are_404(shopper_client, user, make_auction, clock):
    session = make_auction(deposit=D("100"))
    deposit = services.pay_deposit(user=user, session=session, online=True, now=clock.now())
    assert shopper_client.get(url(deposit.order)).status_code == 404


def test_pay_page_needs_log_in_and_csrf(client, shopper_client, user, won, home):
    response = shopper_client.post(url(won), {"address": home.pk}, csrf=False)
    assert response.status_code == 403
    shopper_client.logout()
    response = shopper_client.get(url(won))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Order.objects.get(pk=won.pk).shipping is None


def test_after_the_window_the_page_says_so(shopper_client, won, home, clock):
    clock.advance(timedelta(hours=25))
    page = shopper_client.get(url(won)).content.decode()
    assert "The payment window of this order has closed." in page and 'name="balance"' not in page
    response = shopper_client.post(url(won), {"address": home.pk, "balance": "10"})
    assert response.status_code == 302 and response["Location"] == won.get_absolute_url()
    won.refresh_from_db()
    assert won.balance_used == 0


def test_nul_in_the_form_is_400(shopper_client, won, home):
    assert shopper_client.post(url(won), {"address": home.pk, "balance": "1\x00"}).status_code == 400


def test_pay_page_queries_are_bounded(shopper_client, user, won, home, make_coupon, give_coupon,
                                      django_assert_max_num_queries):
    lot = LotResult.objects.get(order=won).lot
    for n in range(6):
        give_coupon(user, make_coupon(scope="session", auction_session=lot.session, name=f"C{n}"))
        Address.objects.create(user=user, name=f"A{n}", phone="13800000000", address=f"{n} Road")
    with django_assert_max_num_queries(14):
        assert shopper_client.get(url(won)).status_code == 200
