"""A whole session with a moved clock, driven only by the jobs' entry points and the sweeper:
preview → bidding → manual and automatic bids → ended → orders → one winner pays (deposit
applied, session coupon used), the other does not (deposit forfeited after 24 h), losers refunded."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum

from shop.accounts.models import Address
from shop.auctions import services, settlement, tasks
from shop.auctions.models import Deposit, Lot
from shop.coupons.services import claim
from shop.orders import services as order_services
from shop.orders.models import Order
from shop.scheduling.tasks import sweep
from shop.wallet.models import LedgerEntry, Wallet

D = Decimal


def test_a_session_from_preview_to_paid_and_forfeited(make_auction, make_user, fund, make_coupon, clock):
    start = clock.now() + timedelta(hours=2)
    session = make_auction(
        title="Autumn teas", deposit=D("100"), status="not_started", starts_at=start,
        preview_starts_at=start - timedelta(hours=1), preview_ends_at=start, ends_at=start + timedelta(hours=1),
        lots=[{"title": "Pu-erh", "status": "not_started"}, {"title": "Oolong", "status": "not_started"},
              {"title": "Green", "status": "not_started", "deposit": D("20")}],
    )
    puerh, oolong, green = session.lots.order_by("position")
    anna, bert, carl, dora = (make_user(n) for n in ("anna", "bert", "carl", "dora"))
    for u in (anna, bert, carl, dora):
        fund(u, balance=2000)
    coupon = make_coupon(scope="session", auction_session=session, value="50")
    anna_coupon = claim(user=anna, coupon_id=coupon.pk, now=clock.now())

    clock.advance(timedelta(hours=1, minutes=1))  # preview
    sweep()
    session.refresh_from_db()
    assert session.status == "preview"
    for u in (anna, bert, carl):
        services.pay_deposit(user=u, session=session, online=False, now=clock.now())
    services.pay_deposit(user=dora, lot=green, online=False, now=clock.now())

    clock.advance(timedelta(hours=1))  # bidding
    sweep()
    assert Lot.objects.get(pk=puerh.pk).status == "bidding"
    services.place_bid(user=anna, lot_id=puerh.pk, amount="100", maximum="600", now=clock.now())
    services.place_bid(user=bert, lot_id=puerh.pk, amount="400", now=clock.now())  # answered by anna's maximum
    services.place_bid(user=carl, lot_id=oolong.pk, amount="250", now=clock.now())
    services.place_bid(user=bert, lot_id=oolong.pk, amount="300", now=clock.now())
    services.place_bid(user=dora, lot_id=green.pk, amount="100", now=clock.now())
    assert Lot.objects.get(pk=puerh.pk).current_price == D("410")

    clock.advance(timedelta(hours=1, minutes=1))  # ended: the jobs never ran, the sweeper settles
    sweep()
    anna_order = Order.objects.get(kind="auction", user=anna)
    bert_order = Order.objects.get(kind="auction", user=bert)
    dora_order = Order.objects.get(kind="auction", user=dora)
    assert (anna_order.payable, bert_order.payable, dora_order.payable) == (D("310"), D("200"), D("80"))
    assert Deposit.objects.get(user=carl).status == "refunded"  # won nothing in the session
    session.refresh_from_db()
    assert session.status == "ended" and session.closed_at and session.turnover == D("810")

    address = Address.objects.create(user=anna, name="Anna", phone="13800000001", address="2 Tea Road")
    paying = settlement.prepare_payment(anna_order.pk, user=anna, address=address, coupon=anna_coupon,
                                        balance=D("60"), now=clock.now())
    assert paying.payable == D("200")
    order_services.mark_paid(anna_order.pk, method="sandbox", now=clock.now())
    dora_paid = settlement.prepare_payment(dora_order.pk, user=dora, now=clock.now(), balance=D("80"),
                                           address=Address.objects.create(user=dora, name="D", phone="13800000002",
                                                                          address="3 Tea Road"))
    assert dora_paid.status == "paid"  # payable 0: paid from the balance at once

    clock.advance(timedelta(hours=24, minutes=1))  # bert never paid
    sweep()
    bert_order.refresh_from_db()
    assert bert_order.status == "timed_out"
    assert {lot.title: lot.status for lot in session.lots.all()} == {"Pu-erh": "paid", "Oolong": "unpaid",
                                                                     "Green": "paid"}
    states = dict(Deposit.objects.values_list("user__username", "status"))
    assert states == {"anna": "applied", "bert": "forfeited", "carl": "refunded", "dora": "applied"}
    session.refresh_from_db()
    assert session.turnover == D("510")
    balances = {u.username: Wallet.objects.get(user=u).balance for u in (anna, bert, carl, dora)}
    assert balances == {"anna": D("1840"), "bert": D("1900"), "carl": D("2000"), "dora": D("1900")}
    for wallet in Wallet.objects.all():
        assert wallet.deposit == 0
        for asset in ("balance", "deposit"):
            total = LedgerEntry.objects.filter(wallet=wallet, asset=asset).aggregate(s=Sum("amount"))["s"] or 0
            assert total == getattr(wallet, asset)
    assert tasks.apply_due(clock.now()) == 0  # nothing left to do
