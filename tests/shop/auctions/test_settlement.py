"""Deposits, settlement, paying a won lot and forfeiture (SPEC §7), with a moved clock."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from shop.auctions import services, settlement
from shop.auctions.models import Deposit, Lot, LotResult
from shop.core.errors import DomainError
from shop.orders import services as order_services
from shop.orders.models import Order
from shop.wallet.models import LedgerEntry, Wallet

D = Decimal


def wallet(user):
    return Wallet.objects.get(user=user)


def assert_ledgers_match(*users):
    for user in users:
        w = wallet(user)
        for asset in ("balance", "gem", "gold", "deposit"):
            total = LedgerEntry.objects.filter(wallet=w, asset=asset).aggregate(s=Sum("amount"))["s"] or D("0")
            assert total == getattr(w, asset), (user, asset)


def test_balance_deposit_moves_money_into_held_deposits_once(make_auction, user, fund, clock):
    session = make_auction(deposit=D("200"))
    fund(user, balance=500)
    deposit = services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    assert deposit.status == "held"
    assert (wallet(user).balance, wallet(user).deposit) == (D("300"), D("200"))
    with pytest.raises(DomainError, match="already paid"):
        services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    assert (wallet(user).balance, wallet(user).deposit) == (D("300"), D("200"))
    assert_ledgers_match(user)


def test_deposit_without_enough_balance_changes_nothing(make_auction, user, fund, clock):
    session = make_auction(deposit=D("200"))
    fund(user, balance=50)
    with pytest.raises(DomainError, match="Not enough"):
        services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    assert not Deposit.objects.exists()
    assert wallet(user).balance == D("50")


def test_online_deposit_is_held_when_its_order_is_paid_and_dropped_when_not(make_auction, user, clock):
    session = make_auction(lots=[{"deposit": D("80")}])
    lot = session.lots.get()
    deposit = services.pay_deposit(user=user, lot=lot, online=True, now=clock.now())
    assert deposit.status == "pending" and deposit.order.kind == "deposit" and deposit.order.payable == D("80")
    again = services.pay_deposit(user=user, lot=lot, online=True, now=clock.now())
    assert again.pk == deposit.pk  # the pending payment is handed back, not doubled
    with pytest.raises(DomainError, match="deposit"):
        services.place_bid(user=user, lot_id=lot.pk, amount="100", now=clock.now())
    order_services.mark_paid(deposit.order.pk, method="sandbox", now=clock.now())
    deposit.refresh_from_db()
    assert deposit.status == "held" and wallet(user).deposit == D("80")
    assert services.place_bid(user=user, lot_id=lot.pk, amount="100", now=clock.now()).leading
    assert_ledgers_match(user)


def test_unpaid_online_deposit_times_out_and_may_be_tried_again(make_auction, user, clock):
    lot = make_auction(lots=[{"deposit": D("80")}]).lots.get()
    deposit = services.pay_deposit(user=user, lot=lot, online=True, now=clock.now())
    clock.advance(timedelta(minutes=31))
    order_services.time_out(deposit.order.pk, now=clock.now())
    deposit.refresh_from_db()
    assert deposit.status == "cancelled"
    fresh = services.pay_deposit(user=user, lot=lot, online=True, now=clock.now())
    assert fresh.pk != deposit.pk


def _end(lot, clock):
    lot.refresh_from_db()
    clock.freeze(lot.ends_at + timedelta(seconds=1))


def test_settlement_sells_to_the_leader_less_the_deposit_and_refunds_the_others(make_auction, make_user, fund,
                                                                                 clock):
    session = make_auction(lots=[{"deposit": D("50")}, {}], deposit=D("100"))
    lot, quiet = session.lots.order_by("position")
    a, b, c = make_user("anna"), make_user("bert"), make_user("carl")
    for u in (a, b, c):
        fund(u, balance=1000)
    services.pay_deposit(user=a, lot=lot, online=False, now=clock.now())
    services.pay_deposit(user=b, lot=lot, online=False, now=clock.now())
    services.pay_deposit(user=c, session=session, online=False, now=clock.now())
    services.place_bid(user=a, lot_id=lot.pk, amount="100", now=clock.now())
    services.place_bid(user=b, lot_id=lot.pk, amount="300", now=clock.now())
    _end(lot, clock)
    assert settlement.settle_lot(lot.pk, now=clock.now())
    assert not settlement.settle_lot(lot.pk, now=clock.now())  # once
    lot.refresh_from_db()
    assert lot.status == "sold"
    result = LotResult.objects.get(lot=lot)
    order = result.order
    assert (result.winner, result.final_price) == (b, D("300"))
    assert (order.kind, order.user, order.deposit_applied, order.payable) == ("auction", b, D("50"), D("250"))
    assert order.expires_at == clock.now() + timedelta(hours=24)
    assert Deposit.objects.get(user=a).status == "refunded" and wallet(a).balance == D("1000")
    assert Deposit.objects.get(user=b).applied_to == order
    session.refresh_from_db()
    assert session.turnover == D("300") and session.closed_at is None  # the quiet lot is still open
    assert settlement.settle_lot(quiet.pk, now=clock.now())
    quiet.refresh_from_db()
    session.refresh_from_db()
    assert quiet.status == "passed" and session.closed_at is not None
    assert Deposit.objects.get(user=c).status == "refunded" and wallet(c).deposit == D("0")
    assert_ledgers_match(a, b, c)


def test_settlement_waits_for_the_end_by_the_clock(make_auction, user, clock):
    lot = make_auction().lots.get()
    services.place_bid(user=user, lot_id=lot.pk, amount="100", now=clock.now())
    assert not settlement.settle_lot(lot.pk, now=clock.now())
    assert Lot.objects.get(pk=lot.pk).state_at(clock.now()) == "bidding"


def test_paying_applies_the_deposit_uses_a_session_coupon_and_balance(make_auction, make_user, fund, clock,
                                                                      make_coupon):
    from shop.accounts.models import Address
    from shop.coupons.services import claim

    session = make_auction(deposit=D("100"))
    lot = session.lots.get()
    winner = make_user("wina")
    fund(winner, balance=1000)
    services.pay_deposit(user=winner, session=session, online=False, now=clock.now())
    services.place_bid(user=winner, lot_id=lot.pk, amount="500", now=clock.now())
    coupon = make_coupon(scope="session", auction_session=session, kind="flat", value=D("30"))
    claimed = claim(user=winner, coupon_id=coupon.pk, now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    assert order.payable == D("400")
    address = Address.objects.create(user=winner, name="Wina", phone="13800000000", address="1 Tea Road")
    order = settlement.prepare_payment(order.pk, user=winner, address=address, coupon=claimed, balance=D("70"),
                                       now=clock.now())
    assert (order.global_discount, order.balance_used, order.payable) == (D("30"), D("70"), D("300"))
    assert order.shipping["address"] == "1 Tea Road"
    order_services.mark_paid(order.pk, method="sandbox", now=clock.now())
    lot.refresh_from_db()
    deposit = Deposit.objects.get(user=winner)
    assert lot.status == "paid" and deposit.status == "applied"
    assert (wallet(winner).balance, wallet(winner).deposit) == (D("830"), D("0"))
    assert_ledgers_match(winner)


def test_a_coupon_of_another_session_is_refused(make_auction, make_user, fund, clock, make_coupon):
    from shop.accounts.models import Address
    from shop.coupons.services import claim

    session, other = make_auction(), make_auction(title="Other")
    lot = session.lots.get()
    winner = make_user("wina")
    services.place_bid(user=winner, lot_id=lot.pk, amount="500", now=clock.now())
    claimed = claim(user=winner, coupon_id=make_coupon(scope="session", auction_session=other).pk, now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    address = Address.objects.create(user=winner, name="Wina", phone="13800000000", address="1 Tea Road")
    with pytest.raises(DomainError, match="coupon"):
        settlement.prepare_payment(order.pk, user=winner, address=address, coupon=claimed, now=clock.now())


def test_unpaid_after_the_window_forfeits_the_deposit_and_marks_the_lot_unpaid(make_auction, user, fund, clock):
    session = make_auction(deposit=D("100"))
    lot = session.lots.get()
    fund(user, balance=500)
    services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    services.place_bid(user=user, lot_id=lot.pk, amount="300", now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    with pytest.raises(DomainError):
        order_services.cancel(order.pk, user=user, now=clock.now())  # a won lot is paid or forfeited
    clock.advance(timedelta(hours=24, seconds=1))
    assert order_services.time_out(order.pk, now=clock.now())
    assert order_services.time_out(order.pk, now=clock.now()) is None  # once
    lot.refresh_from_db()
    session.refresh_from_db()
    deposit = Deposit.objects.get(user=user)
    assert (lot.status, deposit.status, session.turnover) == ("unpaid", "forfeited", D("0"))
    assert (wallet(user).balance, wallet(user).deposit) == (D("400"), D("0"))
    assert LedgerEntry.objects.filter(kind="forfeit", amount=D("-100"), asset="deposit").count() == 1
    assert_ledgers_match(user)


def test_sweeper_settles_what_its_jobs_missed(make_auction, make_user, clock):
    session = make_auction(lots=[{}, {}, {}])
    bidder = make_user("anna")
    first = session.lots.order_by("position").first()
    services.place_bid(user=bidder, lot_id=first.pk, amount="100", now=clock.now())
    clock.advance(timedelta(hours=3))
    from shop.auctions.tasks import apply_due

    assert apply_due(clock.now()) >= 3
    assert apply_due(clock.now()) == 0
    assert set(Lot.objects.values_list("status", flat=True)) == {"sold", "passed"}
    assert Order.objects.filter(kind="auction").count() == 1
    session.refresh_from_db()
    assert session.status == "ended" and session.closed_at is not None


def test_session_states_follow_the_clock(make_auction, clock):
    from shop.auctions.tasks import sync_session

    start = clock.now() + timedelta(days=1)
    session = make_auction(starts_at=start, status="not_started", preview_starts_at=start - timedelta(hours=5),
                           preview_ends_at=start, lots=[{"status": "not_started"}])
    assert session.state_at(clock.now()) == "not_started"
    clock.freeze(start - timedelta(hours=1))
    sync_session(session.pk)
    session.refresh_from_db()
    assert session.status == "preview" and session.lots.get().status == "preview"
    clock.freeze(start)
    sync_session(session.pk)
    session.refresh_from_db()
    assert session.status == "bidding" and session.lots.get().status == "bidding"


def test_a_won_lot_needs_an_address_before_the_gateway(make_auction, user, clock, client):
    from shop.accounts.models import Address
    from shop.payments import services as payment_services

    lot = make_auction().lots.get()
    services.place_bid(user=user, lot_id=lot.pk, amount="300", now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    assert order.shipping is None and order.needs_shipping
    with pytest.raises(DomainError, match="ship"):
        payment_services.start_payment(order, gateway_name=None, return_url="/", notify_url="/", now=clock.now())
    client.force_login(user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f"/me/auctions/orders/{order.number}/pay/" in page and "Cancel order" not in page
    assert f"/orders/{order.number}/pay/" not in page.replace("/me/auctions/orders/", "")
    address = Address.objects.create(user=user, name="U", phone="13800000003", address="4 Tea Road")
    order = settlement.prepare_payment(order.pk, user=user, address=address, now=clock.now())
    assert not order.needs_shipping
    assert payment_services.start_payment(order, gateway_name=None, return_url="/", notify_url="/", now=clock.now())


def test_the_winners_default_address_is_used_at_settlement(make_auction, user, clock):
    from shop.accounts.models import Address

    Address.objects.create(user=user, name="U", phone="13800000003", address="5 Tea Road", is_default=True)
    lot = make_auction().lots.get()
    services.place_bid(user=user, lot_id=lot.pk, amount="300", now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    assert order.shipping["address"] == "5 Tea Road" and not order.needs_shipping


def test_after_using_balance_only_the_address_can_change(make_auction, user, fund, clock):
    from shop.accounts.models import Address

    fund(user, balance=100)
    lot = make_auction().lots.get()
    services.place_bid(user=user, lot_id=lot.pk, amount="300", now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    home = Address.objects.create(user=user, name="U", phone="13800000003", address="Home")
    work = Address.objects.create(user=user, name="U", phone="13800000003", address="Work")
    settlement.prepare_payment(order.pk, user=user, address=home, balance=D("100"), now=clock.now())
    with pytest.raises(DomainError, match="already counted"):
        settlement.prepare_payment(order.pk, user=user, address=home, balance=D("1"), now=clock.now())
    order = settlement.prepare_payment(order.pk, user=user, address=work, now=clock.now())
    order.refresh_from_db()
    assert (order.shipping["address"], order.balance_used, order.payable) == ("Work", D("100"), D("200"))
    assert wallet(user).balance == 0


def test_an_online_deposit_paid_after_its_lot_settled_goes_back(make_auction, user, clock):
    lot = make_auction(lots=[{"deposit": D("80")}]).lots.get()
    deposit = services.pay_deposit(user=user, lot=lot, online=True, now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order_services.mark_paid(deposit.order.pk, method="sandbox", now=clock.now())  # paid before its deadline
    deposit.refresh_from_db()
    assert deposit.status == "held"
    from shop.auctions.tasks import apply_due

    apply_due(clock.now())
    deposit.refresh_from_db()
    assert deposit.status == "refunded" and wallet(user).balance == D("80") and wallet(user).deposit == 0
    assert_ledgers_match(user)


def test_a_lot_the_deposit_paid_in_full_still_gets_its_address(make_auction, user, fund, clock, client):
    from shop.accounts.models import Address

    fund(user, balance=500)
    session = make_auction(deposit=D("300"))
    lot = session.lots.get()
    services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    services.place_bid(user=user, lot_id=lot.pk, amount="250", now=clock.now())
    _end(lot, clock)
    settlement.settle_lot(lot.pk, now=clock.now())
    order = LotResult.objects.get(lot=lot).order
    assert order.status == "paid" and order.needs_shipping
    assert wallet(user).balance == D("250")  # ¥50 of the deposit beyond the price came back
    client.force_login(user)
    pay_url = f"/me/auctions/orders/{order.number}/pay/"
    assert pay_url in client.get(order.get_absolute_url()).content.decode()
    address = Address.objects.create(user=user, name="U", phone="13800000003", address="6 Tea Road")
    response = client.post(pay_url, {"address": address.pk, "action": "pay"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.shipping["address"] == "6 Tea Road" and order.status == "paid"
    assert_ledgers_match(user)


@pytest.mark.parametrize("scope", ["session", "lot"])
def test_a_deposit_never_lands_in_a_session_deleted_since_it_was_read(make_auction, user, operator, fund, clock,
                                                                      scope):
    """The page read the session, an operator deleted it (refunding the deposits it found), then
    the shopper's payment arrived: it is refused, not held in a deleted session for good."""
    from shop.auctions import operations

    later = clock.now() + timedelta(days=2)
    session = make_auction(deposit=D("200"), starts_at=later, lots=[{"deposit": D("50")}])
    lot = Lot.objects.select_related("session").get(session=session)
    fund(user, balance=500)
    operations.session_delete(actor=operator, session_id=session.pk, now=clock.now())  # `session`, `lot`: stale
    target = {"session": session} if scope == "session" else {"lot": lot}
    with pytest.raises(DomainError, match="no longer available"):
        services.pay_deposit(user=user, online=False, now=clock.now(), **target)
    assert not Deposit.objects.exists()
    assert wallet(user).balance == D("500")
