"""Backoffice auction sessions: the table (state by the clock, lots, turnover, filters), add and
edit with the time order checked field by field, jobs (re)scheduled, lots and session coupons
following a moved end, soft delete; every write audited; the dashboard's live auctions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from shop.auctions import services
from shop.auctions.models import AuctionSession, Deposit, DepositState, Lot
from shop.core.models import AuditLog
from shop.coupons import rules
from shop.coupons.services import claim
from shop.wallet.models import Wallet

from .conftest import HTMX, png

LIST = reverse("backoffice:auctions:list")
NEW = reverse("backoffice:auctions:new")


def _url(name, session):
    return reverse(f"backoffice:auctions:{name}", args=[session.pk])


def _jobs(session):
    return {s.name: s.next_run for s in Schedule.objects.filter(name__startswith=f"auction:{session.pk}:")}


def _at(when, moment) -> bool:
    """A job's run time is domain time moved to real time: the same within a second."""
    return abs(when - moment) < timedelta(seconds=1)


# --- table ---------------------------------------------------------------------------------------
def test_table_shows_each_column(operator_client, make_auction, upcoming):
    live = make_auction(title="Spring teas", lots=[{}, {}, {"title": "Gone"}], turnover=Decimal("12800"))
    Lot.objects.filter(title="Gone").update(is_deleted=True)
    later = upcoming(title="Autumn porcelain")
    page = operator_client.get(LIST).content.decode()
    assert _url("detail", live) in page and _url("detail", later) in page
    assert "¥12,800.00" in page and ">Bidding<" in page and ">Not started<" in page
    assert timezone.localtime(live.starts_at).strftime("%Y-%m-%d %H:%M") in page
    assert _url("delete", later) in page and _url("delete", live) not in page  # only before bidding
    assert _url("edit", live) in page and _url("export", live) in page
    lot_counts = [cell for cell in page.split('<td class="text-end">')[1:]]
    assert any(cell.startswith("2<") for cell in lot_counts)  # the deleted lot does not count


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("?state=bidding", "Live", "Soon"),
    ("?state=preview", "Previewing", "Live"),
    ("?state=not_started", "Soon", "Live"),
    ("?state=ended", "Over", "Live"),
    ("?q=prev", "Previewing", "Soon"),
])
def test_table_filters_by_state_by_the_clock(operator_client, make_auction, clock, query, shown, hidden):
    now = clock.now()
    make_auction(title="Live", status="not_started")  # a stored status lagging behind: the filter reads the clock
    make_auction(title="Previewing", starts_at=now + timedelta(hours=2))
    make_auction(title="Soon", starts_at=now + timedelta(days=3))
    make_auction(title="Over", starts_at=now - timedelta(days=1))
    table = operator_client.get(LIST + query, **HTMX).content.decode()
    assert table.startswith('<div id="table">')
    assert f">{shown}<" in table and f">{hidden}<" not in table


def test_table_hides_deleted_sessions_and_sorts(operator_client, make_auction):
    make_auction(title="Kept", turnover=Decimal("5"))
    make_auction(title="Rich", turnover=Decimal("500"))
    make_auction(title="Deleted", is_deleted=True)
    page = operator_client.get(LIST + "?sort=-turnover").content.decode()
    assert "Deleted" not in page and page.index(">Rich<") < page.index(">Kept<")


def test_table_query_count_does_not_grow(operator_client, make_auction):
    make_auction(lots=[{}, {}])
    with CaptureQueriesContext(connection) as few:
        operator_client.get(LIST)
    for n in range(6):
        make_auction(title=f"S{n}", lots=[{}, {}, {}])
    with CaptureQueriesContext(connection) as many:
        operator_client.get(LIST)
    assert len(many) == len(few)


# --- add -----------------------------------------------------------------------------------------
def test_add_session_schedules_its_jobs_and_audits(operator_client, operator, session_data,
                                                    django_capture_on_commit_callbacks):
    assert "Save session" in operator_client.get(NEW).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(NEW, {**session_data(deposit="500"), "cover": png()}, follow=True)
    session = AuctionSession.objects.get(title="Autumn porcelain")
    assert response.redirect_chain[-1][0] == _url("detail", session)
    assert "Auction session “Autumn porcelain” saved." in response.content.decode()
    assert session.deposit == Decimal("500") and session.cover.name.startswith("auctions/")
    assert session.status == "not_started"
    assert set(_jobs(session)) == {f"auction:{session.pk}:{e}" for e in ("preview", "start", "end")}
    logged = AuditLog.objects.get(action="auction_session.create")
    assert logged.actor == operator and logged.after["title"] == "Autumn porcelain" and logged.before is None


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"preview_ends_at": "2030-01-01T10:00", "preview_starts_at": "2030-01-01T10:00"}, "preview_ends_at",
     "The preview must end after it starts."),
    ({"preview_ends_at": "2030-01-02T10:00", "preview_starts_at": "2030-01-01T10:00",
      "starts_at": "2030-01-02T09:59", "ends_at": "2030-01-03T10:00"}, "starts_at",
     "Bidding can start when the preview ends or later, not before."),
    ({"preview_starts_at": "2030-01-01T10:00", "preview_ends_at": "2030-01-02T10:00",
      "starts_at": "2030-01-02T10:00", "ends_at": "2030-01-02T10:00"}, "ends_at", "Bidding must end after it starts."),
    ({"ends_at": ""}, "ends_at", "This field is required."),
    ({"starts_at": "tomorrow"}, "starts_at", "Enter a valid date/time."),
    ({"ends_at": "2100-01-02T00:00"}, "ends_at", "Enter a date before the year 2100."),
    ({"deposit": "0"}, "deposit", "Enter a deposit greater than zero."),
    ({"deposit": "-5"}, "deposit", "Enter a deposit greater than zero."),
    ({"deposit": "100000000.01"}, "deposit", "Enter a deposit of at most ¥100,000,000.00."),
    ({"deposit": "abc"}, "deposit", "Enter a number."),
    ({"title": " "}, "title", "This field is required."),
])
def test_add_shows_each_time_and_deposit_error_next_to_its_field(operator_client, session_data, overrides, field,
                                                                 message):
    response = operator_client.post(NEW, session_data(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field]), form.errors
    assert message in response.content.decode().replace("&lt;", "<")
    assert not AuctionSession.objects.exists() and not AuditLog.objects.exists()


def test_equal_preview_end_and_bidding_start_is_accepted(operator_client, session_data):
    data = session_data(preview_starts_at="2030-01-01T10:00", preview_ends_at="2030-01-02T10:00",
                        starts_at="2030-01-02T10:00", ends_at="2030-01-02T10:01")
    assert operator_client.post(NEW, data).status_code == 302


def test_a_session_ending_in_the_past_is_refused(operator_client, session_data, clock, local):
    now = clock.now()
    response = operator_client.post(NEW, session_data(
        preview_starts_at=local(now - timedelta(days=3)), preview_ends_at=local(now - timedelta(days=2)),
        starts_at=local(now - timedelta(days=2)), ends_at=local(now - timedelta(days=1))))
    assert response.status_code == 400
    assert response.context["form"].errors["ends_at"] == ["Bidding must end in the future."]


# --- edit ----------------------------------------------------------------------------------------
def test_moving_the_times_moves_jobs_and_the_lots_without_bids(operator_client, operator, upcoming, session_data,
                                                               local, clock, django_capture_on_commit_callbacks):
    session = upcoming(title="Old title", lots=[{}, {}])
    first, second = session.lots.order_by("id")
    new_end = (clock.now() + timedelta(days=4)).replace(second=0, microsecond=0)
    form = operator_client.get(_url("edit", session)).content.decode()
    assert 'value="Old title"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(_url("edit", session), session_data(title="New title", ends_at=local(new_end)))
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.ends_at) == ("New title", new_end)
    for lot in (first, second):
        lot.refresh_from_db()
        assert (lot.ends_at, lot.hard_ends_at) == (new_end, new_end + services.hard_end())
    jobs = _jobs(session)
    assert _at(jobs[f"auction:{session.pk}:end"], new_end)
    assert _at(Schedule.objects.get(name=f"lot:{first.pk}:settle").next_run, new_end)
    logged = AuditLog.objects.get(action="auction_session.update")
    assert logged.before["title"] == "Old title" and logged.after["title"] == "New title"
    assert logged.after["lots_moved"] == 2


def test_moving_the_end_moves_the_session_coupons(operator_client, upcoming, session_data, local, clock, user,
                                                  make_coupon):
    session = upcoming()
    until = session.ends_at + rules.SESSION_GRACE
    coupon = make_coupon(scope="session", auction_session=session, valid_days=None, valid_from=clock.now(),
                         valid_until=until)
    held = claim(user=user, coupon_id=coupon.pk, now=clock.now())
    assert held.valid_until == until
    new_end = (clock.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    assert operator_client.post(_url("edit", session), session_data(ends_at=local(new_end))).status_code == 302
    coupon.refresh_from_db()
    held.refresh_from_db()
    assert coupon.valid_until == held.valid_until == new_end + timedelta(hours=24)


def test_times_cannot_change_once_bidding_started(operator_client, make_auction, session_data, local, clock):
    session = make_auction(title="Live")
    form = operator_client.get(_url("edit", session))
    page = form.content.decode()
    assert "Bidding has started: only the title, description and cover can still change." in page
    assert form.context["form"].fields["ends_at"].disabled
    ends = session.ends_at
    response = operator_client.post(_url("edit", session), session_data(
        title="Live", ends_at=local(ends + timedelta(days=1)), deposit="50"))
    assert response.status_code == 400
    assert "the times and the deposit of this session can no longer change" in response.content.decode()
    session.refresh_from_db()
    assert session.ends_at == ends and session.deposit is None


def test_texts_and_cover_can_change_once_bidding_started(operator_client, make_auction):
    session = make_auction(title="Live")
    # the browser sends no disabled field: only the texts (and a new cover)
    response = operator_client.post(_url("edit", session), {"title": "Live now", "description": "Hurry",
                                                            "cover": png()})
    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert (session.title, session.description) == ("Live now", "Hurry") and session.cover
    assert AuditLog.objects.get(action="auction_session.update").after["title"] == "Live now"


def test_a_form_opened_before_bidding_posting_the_same_times_after_it_started_is_saved(
        operator_client, upcoming, clock, local):
    session = upcoming(title="Edge")
    stored = {name: local(getattr(session, name)) for name in
              ("preview_starts_at", "preview_ends_at", "starts_at", "ends_at")}
    clock.advance(timedelta(days=2, minutes=1))  # bidding has started meanwhile
    response = operator_client.post(_url("edit", session), {"title": "Edge 2", "deposit": "", **stored})
    assert response.status_code == 302
    assert AuctionSession.objects.get(pk=session.pk).title == "Edge 2"


def test_edit_of_a_deleted_or_unknown_session_is_404(operator_client, make_auction):
    gone = make_auction(is_deleted=True)
    assert operator_client.get(_url("edit", gone)).status_code == 404
    assert operator_client.post(reverse("backoffice:auctions:edit", args=[987654])).status_code == 404


# --- delete --------------------------------------------------------------------------------------
def test_soft_delete_confirms_first_cancels_jobs_and_refunds_deposits(
        operator_client, upcoming, user, fund, clock, django_capture_on_commit_callbacks):
    session = upcoming(title="Bye", deposit=Decimal("50"))
    lot = session.lots.get()
    from shop.coupons.models import Coupon

    coupon = Coupon.objects.create(name="Bye ¥5", kind="flat", value=Decimal("5"), scope="session",
                                   auction_session=session, quantity=5, claim_opens_at=clock.now(),
                                   claim_closes_at=session.ends_at, valid_from=clock.now(),
                                   valid_until=session.ends_at + timedelta(days=1), status="claiming")
    from shop.auctions import jobs

    jobs.schedule_session(session)
    assert Schedule.objects.filter(name__startswith=f"auction:{session.pk}:").count() == 3
    fund(user, balance="80")
    deposit = services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    confirm = operator_client.get(_url("delete", session)).content.decode()
    assert "Delete “Bye”?" in confirm and not AuctionSession.objects.get(pk=session.pk).is_deleted
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(_url("delete", session), follow=True)
    assert response.redirect_chain == [(LIST, 302)] and "Auction session “Bye” deleted." in response.content.decode()
    session.refresh_from_db()
    assert session.is_deleted and session.deleted_at == clock.now()
    assert not Schedule.objects.filter(name__startswith=f"auction:{session.pk}:").exists()
    assert not Schedule.objects.filter(name=f"lot:{lot.pk}:settle").exists()
    deposit.refresh_from_db()
    assert deposit.status == DepositState.REFUNDED
    assert Wallet.objects.get(user=user).balance == Decimal("80")
    logged = AuditLog.objects.get(action="auction_session.delete")
    assert logged.before == {"is_deleted": False} and logged.after["deposits_refunded"] == 1
    coupon.refresh_from_db()
    assert coupon.is_deleted and logged.after["coupons_withdrawn"] == 1  # no longer in the coupon centre
    assert operator_client.post(_url("delete", session)).status_code == 404
    assert "Deleted" in operator_client.get(_url("detail", session)).content.decode()


def test_delete_is_refused_once_bidding_started(operator_client, make_auction, upcoming, clock):
    live = make_auction(title="Live")
    page = operator_client.get(_url("delete", live)).content.decode()
    assert "this session can no longer be deleted" in page and "Delete session</button>" not in page
    response = operator_client.post(_url("delete", live))
    assert response.status_code == 409
    assert "Bidding has started: this session can no longer be deleted." in response.content.decode()
    assert not AuctionSession.objects.get(pk=live.pk).is_deleted
    soon = upcoming(title="Soon")
    operator_client.get(_url("delete", soon))
    clock.advance(timedelta(days=3))  # bidding started while the page was open
    assert operator_client.post(_url("delete", soon)).status_code == 409
    assert not AuctionSession.objects.get(pk=soon.pk).is_deleted and not AuditLog.objects.exists()


def test_delete_waits_for_a_deposit_being_paid_online(operator_client, upcoming, user, clock):
    session = upcoming(deposit=Decimal("50"))
    services.pay_deposit(user=user, session=session, online=True, now=clock.now())
    response = operator_client.post(_url("delete", session))
    assert response.status_code == 409 and "paying a deposit" in response.content.decode()
    assert not AuctionSession.objects.get(pk=session.pk).is_deleted
    assert Deposit.objects.get().status == DepositState.PENDING


# --- dashboard -----------------------------------------------------------------------------------
def test_dashboard_counts_live_auctions_by_the_clock(operator_client, make_auction, clock):
    make_auction(title="Live one", status="not_started")  # the stored status lags: the clock decides
    make_auction(title="Upcoming", starts_at=clock.now() + timedelta(days=1))
    make_auction(title="Deleted", is_deleted=True)
    page = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert 'data-testid="live-auctions">1<' in page and "Live one" in page and "Upcoming" not in page
    assert f'{LIST}?state=bidding' in page
