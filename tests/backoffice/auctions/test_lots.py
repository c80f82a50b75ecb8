"""Backoffice lots: the session page's table, add / edit / soft delete before bidding starts
(catalogue numbers, bounds, settlement jobs, audit), the lot page (deposits, bids with the
automatic ones marked, operator-only maxima, settlement outcome) and the results CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from shop.auctions import services, settlement
from shop.auctions.models import Deposit, DepositState, Lot
from shop.core.models import AuditLog
from shop.wallet.models import Wallet

from .conftest import HTMX, png


def _session_url(name, session):
    return reverse(f"backoffice:auctions:{name}", args=[session.pk])


def _lot_url(name, lot):
    return reverse(f"backoffice:auctions:{name}", args=[lot.pk])


# --- the session's lots --------------------------------------------------------------------------
def test_session_page_lists_its_lots(operator_client, make_auction, user, clock):
    session = make_auction(title="Spring teas", lots=[{"title": "Tea cake", "reference_low": Decimal("80"),
                                                       "reference_high": Decimal("120")}, {"title": "Kettle"},
                                                      {"title": "Gone"}])
    Lot.objects.filter(title="Gone").update(is_deleted=True)
    cake = Lot.objects.get(title="Tea cake")
    services.place_bid(user=user, lot_id=cake.pk, amount="150", now=clock.now())
    page = operator_client.get(_session_url("detail", session)).content.decode()
    assert cake.catalogue_no in page and _lot_url("lot", cake) in page and "Kettle" in page and "Gone" not in page
    assert "¥80.00" in page and "¥120.00" in page and "¥150.00" in page and ">shopper<" in page
    assert "Bidding has started: lots can no longer be added, changed or removed." in page
    assert _lot_url("lot_edit", cake) not in page and _session_url("lot_new", session) not in page
    table = operator_client.get(_session_url("detail", session) + "?sort=-bid_count", **HTMX).content.decode()
    assert table.startswith('<div id="table">') and table.index("Tea cake") < table.index("Kettle")


def test_session_page_query_count_does_not_grow(operator_client, make_auction, make_user, clock):
    session = make_auction(lots=[{}])
    url = _session_url("detail", session)
    with CaptureQueriesContext(connection) as few:
        operator_client.get(url)
    for n in range(5):
        lot = services.new_lot(session, title=f"More {n}", start_price=Decimal("10"), increment=Decimal("1"))
        services.place_bid(user=make_user(), lot_id=lot.pk, amount="10", now=clock.now())
    with CaptureQueriesContext(connection) as many:
        operator_client.get(url)
    assert len(many) == len(few)


# --- add / edit ----------------------------------------------------------------------------------
def test_add_lot_numbers_it_ends_it_with_the_session_and_schedules_its_settlement(
        operator_client, operator, upcoming, lot_data, django_capture_on_commit_callbacks):
    session = upcoming(lots=[])
    new = _session_url("lot_new", session)
    assert "Save lot" in operator_client.get(new).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(new, {**lot_data(reference_low="80", reference_high="120", deposit="20"),
                                              "cover": png()}, follow=True)
    lot = Lot.objects.get(title="Moon jar")
    assert response.redirect_chain[-1][0] == _session_url("detail", session)
    assert f"Lot {lot.catalogue_no} “Moon jar” saved." in response.content.decode()
    assert lot.catalogue_no == f"A{session.pk}-001" and lot.cover.name.startswith("auctions/lots/")
    assert (lot.ends_at, lot.hard_ends_at) == (session.ends_at, session.ends_at + services.hard_end())
    assert (lot.start_price, lot.increment, lot.deposit) == (Decimal("100"), Decimal("10"), Decimal("20"))
    assert lot.status == "not_started"
    assert Schedule.objects.filter(name=f"lot:{lot.pk}:settle").exists()
    logged = AuditLog.objects.get(action="lot.create")
    assert logged.actor == operator and logged.after["catalogue_no"] == lot.catalogue_no
    again = operator_client.post(new, {**lot_data(title="Vase"), "another": "1"})
    assert again["Location"] == new
    assert Lot.objects.get(title="Vase").catalogue_no == f"A{session.pk}-002"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"start_price": "0"}, "start_price", "Enter a start price greater than zero."),
    ({"start_price": "-1"}, "start_price", "Enter a start price greater than zero."),
    ({"start_price": ""}, "start_price", "This field is required."),
    ({"start_price": "100000000.01"}, "start_price", "Enter a start price of at most ¥100,000,000.00."),
    ({"start_price": "1e9"}, "start_price", "at most ¥100,000,000.00"),
    ({"start_price": "12.345"}, "start_price", "no more than 2 decimal places"),
    ({"increment": "0"}, "increment", "Enter an increment greater than zero."),
    ({"increment": "NaN"}, "increment", "Enter a number."),
    ({"reference_low": "200", "reference_high": "100"}, "reference_high",
     "The reference range must not end below where it starts."),
    ({"reference_low": "-5"}, "reference_low", "Enter a price greater than zero."),
    ({"deposit": "0"}, "deposit", "Enter a deposit greater than zero."),
    ({"title": ""}, "title", "This field is required."),
])
def test_add_shows_each_error_next_to_its_field(operator_client, upcoming, lot_data, overrides, field, message):
    session = upcoming(lots=[])
    response = operator_client.post(_session_url("lot_new", session), lot_data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field]), response.context["form"].errors
    assert not Lot.objects.exists()


def test_equal_reference_ends_are_accepted(operator_client, upcoming, lot_data):
    session = upcoming(lots=[])
    response = operator_client.post(_session_url("lot_new", session), lot_data(reference_low="100",
                                                                               reference_high="100"))
    assert response.status_code == 302


def test_edit_lot_before_bidding(operator_client, upcoming, lot_data):
    session = upcoming(lots=[{"title": "Old"}])
    lot = session.lots.get()
    assert 'value="Old"' in operator_client.get(_lot_url("lot_edit", lot)).content.decode()
    response = operator_client.post(_lot_url("lot_edit", lot), lot_data(title="New", start_price="250"))
    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.title, lot.start_price, lot.catalogue_no) == ("New", Decimal("250"), f"A{session.pk}-001")
    logged = AuditLog.objects.get(action="lot.update")
    assert logged.before["title"] == "Old" and logged.after["start_price"] == "250.00"


def test_lots_are_fixed_once_bidding_started(operator_client, make_auction, upcoming, lot_data, clock):
    live = make_auction(lots=[{"title": "Live lot"}])
    lot = live.lots.get()
    refused = operator_client.get(_lot_url("lot_edit", lot), follow=True)
    assert refused.redirect_chain == [(_lot_url("lot", lot), 302)]
    assert "Bidding has started: lots can no longer be added, changed or removed." in refused.content.decode()
    response = operator_client.post(_lot_url("lot_edit", lot), lot_data(title="Hacked"))
    assert response.status_code == 409 and Lot.objects.get(pk=lot.pk).title == "Live lot"
    assert operator_client.post(_session_url("lot_new", live), lot_data()).status_code == 409
    assert operator_client.post(_lot_url("lot_delete", lot)).status_code == 409
    assert Lot.objects.filter(session=live).count() == 1 and not Lot.objects.get(pk=lot.pk).is_deleted
    soon = upcoming(lots=[{"title": "Edge"}])
    edge = soon.lots.get()
    operator_client.get(_lot_url("lot_edit", edge))
    clock.advance(timedelta(days=2))  # bidding starts while the form is open
    assert operator_client.post(_lot_url("lot_edit", edge), lot_data(title="Too late")).status_code == 409
    assert Lot.objects.get(pk=edge.pk).title == "Edge" and not AuditLog.objects.exists()


# --- delete --------------------------------------------------------------------------------------
def test_soft_delete_lot_cancels_its_job_and_refunds_its_deposits(
        operator_client, upcoming, user, fund, clock, django_capture_on_commit_callbacks):
    session = upcoming(lots=[{"title": "Bye", "deposit": Decimal("30")}, {"title": "Stays"}])
    lot = session.lots.get(title="Bye")
    from shop.auctions import jobs

    jobs.schedule_settlement(lot)
    fund(user, balance="30")
    deposit = services.pay_deposit(user=user, lot=lot, online=False, now=clock.now())
    assert "Delete lot" in operator_client.get(_lot_url("lot_delete", lot)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(_lot_url("lot_delete", lot))
    assert response["Location"] == _session_url("detail", session)
    lot.refresh_from_db()
    assert lot.is_deleted and not Schedule.objects.filter(name=f"lot:{lot.pk}:settle").exists()
    deposit.refresh_from_db()
    assert deposit.status == DepositState.REFUNDED and Wallet.objects.get(user=user).balance == Decimal("30")
    assert AuditLog.objects.get(action="lot.delete").after == {"is_deleted": True, "deposits_refunded": 1}
    page = operator_client.get(_session_url("detail", session)).content.decode()
    assert "Stays" in page and ">Bye<" not in page
    assert operator_client.post(_lot_url("lot_delete", lot)).status_code == 404
    assert operator_client.get(_lot_url("lot_edit", lot)).status_code == 404


def test_lot_delete_waits_for_a_deposit_being_paid_online(operator_client, upcoming, user, clock):
    session = upcoming(lots=[{"deposit": Decimal("30")}])
    lot = session.lots.get()
    services.pay_deposit(user=user, lot=lot, online=True, now=clock.now())
    response = operator_client.post(_lot_url("lot_delete", lot))
    assert response.status_code == 409 and "paying the deposit of this lot" in response.content.decode()
    assert not Lot.objects.get(pk=lot.pk).is_deleted and Deposit.objects.get().status == DepositState.PENDING


# --- the lot page --------------------------------------------------------------------------------
@pytest.fixture
def bidding(make_auction, user, other_user, fund, clock):
    """A lot with a session deposit (alice) and a lot deposit (bob); alice leaves a maximum of
    ¥300, bob bids ¥200 and is outbid by alice's automatic bidding."""
    session = make_auction(title="Spring teas", deposit=Decimal("50"),
                           lots=[{"title": "Tea cake", "deposit": Decimal("20")}])
    lot = session.lots.get()
    fund(user, balance="500")
    fund(other_user, balance="500")
    services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    services.pay_deposit(user=other_user, lot=lot, online=False, now=clock.now())
    services.place_bid(user=user, lot_id=lot.pk, amount="100", maximum="300", now=clock.now())
    services.place_bid(user=other_user, lot_id=lot.pk, amount="200", now=clock.now())
    lot.refresh_from_db()
    return lot


def test_lot_page_shows_deposits_bids_and_the_maxima(operator_client, bidding, user, other_user):
    lot = bidding
    assert (lot.current_price, lot.leader) == (Decimal("210"), user)
    response = operator_client.get(_lot_url("lot", lot))
    page = response.content.decode()
    deposits = page.split('data-testid="deposit"')[1:]
    assert len(deposits) == 2
    assert any("someone-else" in d and "This lot" in d and "¥20.00" in d and "Held" in d for d in deposits)
    assert any(">shopper<" in d and "Whole session" in d and "¥50.00" in d for d in deposits)
    maxima = page.split('data-testid="maximum"')[1:]
    assert "shopper" in maxima[0] and "¥300.00" in maxima[0] and "leading" in maxima[0]
    assert "someone-else" in maxima[1] and "¥200.00" in maxima[1]
    assert "operators only" in page
    assert page.count('data-testid="auto-bid"') == 1  # alice's answer at ¥210
    bids = page.split('<div id="table">')[1]
    assert bids.index("¥210.00") < bids.index("¥200.00") < bids.index("¥100.00")  # newest first
    assert 'data-testid="current-price">¥210.00<' in page and 'data-testid="leader">shopper<' in page
    assert "Not settled yet." in page


def test_lot_page_shows_the_settlement_outcome_with_its_order(operator_client, bidding, user, clock):
    lot = bidding
    clock.advance(timedelta(hours=2))
    assert settlement.settle_lot(lot.pk, now=clock.now())
    lot.refresh_from_db()
    page = operator_client.get(_lot_url("lot", lot)).content.decode()
    order = lot.result.order
    assert "Won by shopper at ¥210.00" in page
    assert reverse("backoffice:orders:detail", args=[order.number]) in page and "Awaiting payment" in page
    assert "Sold, awaiting payment" in page


def test_lot_page_of_a_passed_lot_and_an_extended_end(operator_client, make_auction, user, clock):
    session = make_auction(lots=[{"title": "Nobody"}, {"title": "Late"}])
    nobody, late = session.lots.order_by("id")
    clock.advance(timedelta(minutes=59))  # a minute before the end: soft close
    services.place_bid(user=user, lot_id=late.pk, amount="100", now=clock.now())
    assert "extended" in operator_client.get(_lot_url("lot", late)).content.decode()
    assert "extended" in operator_client.get(_session_url("detail", session)).content.decode()
    clock.advance(timedelta(minutes=2))
    settlement.settle_lot(nobody.pk, now=clock.now())
    page = operator_client.get(_lot_url("lot", nobody)).content.decode()
    assert "Passed: nobody bid." in page and "No bids yet." in page and "No deposits." in page


def test_lot_page_query_count_does_not_grow(operator_client, make_auction, make_user, clock):
    session = make_auction(lots=[{}])
    lot = session.lots.get()
    services.place_bid(user=make_user(), lot_id=lot.pk, amount="100", maximum="1000", now=clock.now())
    with CaptureQueriesContext(connection) as few:
        operator_client.get(_lot_url("lot", lot))
    for n in range(5):
        services.place_bid(user=make_user(), lot_id=lot.pk, amount=str(200 + n * 100), maximum=str(250 + n * 100),
                           now=clock.now())
    with CaptureQueriesContext(connection) as many:
        operator_client.get(_lot_url("lot", lot))
    assert len(many) == len(few)


# --- results CSV ---------------------------------------------------------------------------------
def test_results_csv(operator_client, make_auction, user, other_user, clock):
    session = make_auction(lots=[{"title": "Tea cake"}, {"title": "=HYPERLINK(\"x\")"}, {"title": "Open"}])
    cake, formula, still_open = session.lots.order_by("id")
    services.place_bid(user=user, lot_id=cake.pk, amount="120", now=clock.now())
    services.place_bid(user=other_user, lot_id=cake.pk, amount="150", now=clock.now())
    Lot.objects.filter(pk=still_open.pk).update(ends_at=session.ends_at + timedelta(minutes=5),
                                                hard_ends_at=session.ends_at + timedelta(minutes=30))
    clock.advance(timedelta(hours=1, minutes=1))
    settlement.settle_lot(cake.pk, now=clock.now())
    settlement.settle_lot(formula.pk, now=clock.now())
    response = operator_client.get(_session_url("export", session))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"auction-{session.pk}-results.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    order = cake.__class__.objects.get(pk=cake.pk).result.order
    assert rows[0] == ["catalogue_no", "lot", "status", "winner", "final_price", "order_number", "order_status"]
    assert rows[1] == [cake.catalogue_no, "Tea cake", "sold", "someone-else", "150.00", order.number, "pending"]
    assert rows[2] == [formula.catalogue_no, "'=HYPERLINK(\"x\")", "passed", "", "", "", ""]
    assert rows[3] == [still_open.catalogue_no, "Open", "bidding", "", "", "", ""]
    assert len(rows) == 4
