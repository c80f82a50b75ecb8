"""Bid rules, automatic bidding and soft close (SPEC §7)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.accounts.services import mask_name
from shop.auctions import services
from shop.auctions.models import Bid, Lot, ProxyBid
from shop.core.errors import DomainError
from shop.notifications.models import Notification

D = Decimal


@pytest.fixture
def lot(make_auction):
    return make_auction().lots.get()


def bid(user, lot, amount, maximum=None, clock=None):
    from shop.core import clock as clk

    return services.place_bid(user=user, lot_id=lot.pk, amount=amount, maximum=maximum, now=clk.now())


def test_first_bid_at_least_the_start_price_then_current_plus_increment(lot, make_user, clock):
    a, b = make_user("anna"), make_user("bert")
    with pytest.raises(DomainError, match="at least ¥100.00"):
        bid(a, lot, "99.99")
    assert bid(a, lot, "100").price == D("100")
    with pytest.raises(DomainError, match="at least ¥110.00"):
        bid(b, lot, "109")
    result = bid(b, lot, "110")
    assert result.leading and result.price == D("110")
    lot.refresh_from_db()
    assert lot.leader == b and lot.current_price == D("110") and lot.bid_count == 2


def test_bad_amounts_are_refused_with_words(lot, user, clock):
    for junk in ("abc", "-5", "0", "1e12", "12.345", ""):
        with pytest.raises(DomainError):
            bid(user, lot, junk)
    assert not Bid.objects.exists()


def test_leader_never_outbids_themself_but_may_raise_the_maximum(lot, user, clock):
    bid(user, lot, "100")
    with pytest.raises(DomainError, match="already the highest"):
        bid(user, lot, "120")
    result = bid(user, lot, "120", maximum="300")
    lot.refresh_from_db()
    assert result.leading and lot.current_price == D("100")
    assert ProxyBid.objects.get(lot=lot, user=user).maximum == D("300")


def test_automatic_bidding_shows_second_highest_maximum_plus_increment(lot, make_user, clock):
    a, b, c = make_user("anna"), make_user("bert"), make_user("carl")
    bid(a, lot, "100", maximum="500")
    lot.refresh_from_db()
    assert lot.current_price == D("100") and lot.leader == a
    result = bid(b, lot, "200")  # below a's maximum: answered at once
    assert not result.leading and result.price == D("210")
    lot.refresh_from_db()
    assert lot.leader == a and lot.current_price == D("210")
    result = bid(c, lot, "250", maximum="400")
    lot.refresh_from_db()
    assert lot.leader == a and lot.current_price == D("410")
    result = bid(b, lot, "420", maximum="800")  # beats a's 500: price = 500 + 10
    lot.refresh_from_db()
    assert result.leading and lot.leader == b and lot.current_price == D("510")
    amounts = list(Bid.objects.filter(lot=lot).order_by("id").values_list("amount", flat=True))
    assert amounts[-2:] == [D("500"), D("510")]  # a's automatic bid went to its maximum, then b


def test_equal_maxima_the_earlier_leads(lot, make_user, clock):
    a, b = make_user("anna"), make_user("bert")
    bid(a, lot, "100", maximum="300")
    result = bid(b, lot, "150", maximum="300")
    lot.refresh_from_db()
    assert not result.leading and lot.leader == a and lot.current_price == D("300")


def test_highest_maximum_caps_the_price(lot, make_user, clock):
    a, b = make_user("anna"), make_user("bert")
    bid(a, lot, "100", maximum="305")
    bid(b, lot, "110", maximum="300")
    lot.refresh_from_db()
    assert lot.leader == a and lot.current_price == D("305")  # 300 + 10 capped at a's 305


def test_outbid_leader_is_notified_after_commit(lot, make_user, clock):
    a, b = make_user("anna"), make_user("bert")
    bid(a, lot, "100")
    bid(b, lot, "110")
    note = Notification.objects.get(user=a)
    assert note.key == "auctions.outbid" and note.params["price"] == "110.00"
    assert not Notification.objects.filter(user=b).exists()


def test_bids_go_by_the_clock_not_the_stored_status(lot, user, clock):
    clock.advance(timedelta(hours=2))  # past the end; the row still says bidding
    assert Lot.objects.get(pk=lot.pk).status == "bidding"
    with pytest.raises(DomainError, match="ended"):
        bid(user, lot, "100")


def test_bids_before_the_start_are_refused(make_auction, user, clock):
    lot = make_auction(starts_at=clock.now() + timedelta(hours=1), status="preview").lots.get()
    with pytest.raises(DomainError, match="not started"):
        bid(user, lot, "100")


def test_deposit_required_when_the_lot_or_session_has_one(make_auction, user, fund, clock):
    lot = make_auction(deposit=D("50")).lots.get()
    with pytest.raises(DomainError, match="deposit"):
        bid(user, lot, "100")
    fund(user, balance=60)
    services.pay_deposit(user=user, session=lot.session, online=False, now=clock.now())
    assert bid(user, lot, "100").leading


def test_soft_close_extends_up_to_the_hard_end(lot, make_user, clock, settings):
    a, b = make_user("anna"), make_user("bert")
    end = lot.ends_at
    clock.freeze(end - timedelta(minutes=1))
    bid(a, lot, "100")
    lot.refresh_from_db()
    assert lot.ends_at == end + timedelta(minutes=2)
    users = [a, b]
    for i in range(40):  # keep bidding in the last minute: the end stops at the hard end
        clock.freeze(lot.ends_at - timedelta(seconds=30))
        bid(users[(i + 1) % 2], lot, str(lot.next_minimum()))
        lot.refresh_from_db()
    assert lot.ends_at == lot.hard_ends_at == end + timedelta(minutes=30)
    clock.freeze(lot.hard_ends_at)
    with pytest.raises(DomainError, match="ended"):
        bid(a, lot, str(lot.next_minimum()))


def test_soft_close_moves_the_settlement_job(lot, user, clock, django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    clock.freeze(lot.ends_at - timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        bid(user, lot, "100")
    lot.refresh_from_db()
    job = Schedule.objects.get(name=f"lot:{lot.pk}:settle")
    assert job.args == repr((lot.pk,))


def test_leader_name_is_masked():
    class U:
        def __init__(self, name):
            self.name = name

        def get_username(self):
            return self.name

    assert mask_name(U("alice")) == "a**e"
    assert mask_name(U("bo")) == "b**"


def test_a_replayed_bid_form_bids_once(lot, make_user, clock):
    a, b = make_user("anna"), make_user("bert")
    first = services.place_bid(user=a, lot_id=lot.pk, amount="100", now=clock.now(), request_key="k1")
    services.place_bid(user=b, lot_id=lot.pk, amount="150", now=clock.now(), request_key="k1")  # b's own key
    again = services.place_bid(user=a, lot_id=lot.pk, amount="100", now=clock.now(), request_key="k1")
    assert first.leading and again.replayed and not again.leading and again.price == D("150")
    assert Bid.objects.filter(user=a).count() == 1
    lot.refresh_from_db()
    assert lot.leader == b and lot.bid_count == 2
