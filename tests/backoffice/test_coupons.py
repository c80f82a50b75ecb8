"""Backoffice coupons: table with filters, add, edit (only before claiming), soft delete,
detail with the claimed coupons; every write audited; area permission checked in the view;
coupons of an auction session, valid until 24 hours after it ends."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from shop.core.models import AuditLog
from shop.coupons import rules
from shop.coupons.models import Coupon
from shop.coupons.services import InvalidCoupon, claim, coupon_save

LIST = reverse("backoffice:coupons:list")
NEW = reverse("backoffice:coupons:new")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, coupon):
    return reverse(f"backoffice:coupons:{name}", args=[coupon.pk])


# --- list ----------------------------------------------------------------------------------------
def test_table_shows_each_column(operator_client, user, make_coupon, make_product, give_coupon, clock):
    course = make_product("Go course")
    now = clock.now()
    claiming = make_coupon(name="Course deal", kind="threshold", value="30", min_spend="199", scope="product",
                           product=course, quantity=40)
    give_coupon(user, claiming)
    later = make_coupon(name="Later deal", claim_opens_at=now + timedelta(days=1),
                        claim_closes_at=now + timedelta(days=2), status="not_started")
    page = operator_client.get(LIST).content.decode()
    assert "Course deal" in page and _url("detail", claiming) in page and "Go course" in page
    assert "¥30 off orders over ¥199" in page and "39/40" in page
    assert timezone.localtime(claiming.claim_opens_at).strftime("%Y-%m-%d %H:%M") in page
    assert "Claiming" in page and "Not started" in page
    assert _url("edit", later) in page and _url("edit", claiming) not in page
    assert _url("delete", claiming) in page and "bi-ticket-perforated" in page


@pytest.mark.parametrize("query, shown, hidden", [
    ("?status=not_started", "Later", "Now"),
    ("?status=claiming", "Now", "Later"),
    ("?status=ended", "Over", "Now"),
    ("?scope=product", "Course", "Now"),
    ("?q=rust", "Course", "Later"),
    ("?q=over", "Over", "Now"),
])
def test_table_filters(operator_client, make_coupon, make_product, clock, query, shown, hidden):
    now = clock.now()
    make_coupon(name="Now")
    make_coupon(name="Later", claim_opens_at=now + timedelta(days=1), claim_closes_at=now + timedelta(days=2))
    make_coupon(name="Over", claim_opens_at=now - timedelta(days=2), claim_closes_at=now - timedelta(days=1))
    make_coupon(name="Course", scope="product", product=make_product("Rust in practice"))
    table = operator_client.get(LIST + query, **HTMX).content.decode()
    assert table.startswith('<div id="table">')
    assert f">{shown}<" in table and f">{hidden}<" not in table


def test_table_sorts_by_remaining_and_hides_deleted(operator_client, operator, make_coupon, clock):
    from shop.coupons.services import coupon_delete

    make_coupon(name="Many", quantity=100)
    make_coupon(name="Few", quantity=3)
    coupon_delete(coupon_id=make_coupon(name="Deleted one").pk, actor=operator, now=clock.now())
    table = operator_client.get(LIST + "?sort=remaining", **HTMX).content.decode()
    assert table.index(">Few<") < table.index(">Many<") and "Deleted one" not in table


def test_table_query_count_does_not_grow(operator_client, make_coupon, make_product):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert operator_client.get(LIST).status_code == 200
        return len(ctx)

    for i in range(2):
        make_coupon(name=f"g{i}")
    few = count()
    for i in range(10):
        make_coupon(name=f"p{i}", scope="product", product=make_product())
    assert count() == few


# --- add / edit ----------------------------------------------------------------------------------
def test_add_coupon_schedules_and_audits(operator_client, operator, form_data, django_capture_on_commit_callbacks):
    assert "Save coupon" in operator_client.get(NEW).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(NEW, form_data(), follow=True)
    coupon = Coupon.objects.get(name="Spring")
    assert response.redirect_chain[-1][0] == _url("detail", coupon)
    assert "Coupon “Spring” saved." in response.content.decode()
    assert Schedule.objects.filter(name__startswith=f"coupon:{coupon.pk}:").count() == 2
    assert AuditLog.objects.get(action="coupon.create").actor == operator


def test_add_shows_errors_next_to_the_fields(operator_client, form_data):
    response = operator_client.post(NEW, form_data(kind="threshold", value="30", min_spend="20", scope="session"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The minimum spend must be greater than the value." in page
    assert "Choose the auction session this coupon is for." in page
    assert not Coupon.objects.exists()


def test_edit_before_claiming_starts(operator_client, form_data, clock, make_coupon):
    now = clock.now()
    coupon = make_coupon(name="Soon", claim_opens_at=now + timedelta(hours=2), claim_closes_at=now + timedelta(days=1),
                         status="not_started")
    form = operator_client.get(_url("edit", coupon)).content.decode()
    assert 'value="Soon"' in form
    response = operator_client.post(_url("edit", coupon), form_data(name="Soon 2", quantity="9"))
    assert response.status_code == 302
    coupon.refresh_from_db()
    assert (coupon.name, coupon.quantity) == ("Soon 2", 9)
    assert AuditLog.objects.get(action="coupon.update").before["name"] == "Soon"


def test_edit_after_claiming_started_is_refused(operator_client, form_data, make_coupon):
    coupon = make_coupon(name="Live")
    refused = operator_client.get(_url("edit", coupon), follow=True)
    assert refused.redirect_chain == [(_url("detail", coupon), 302)]
    assert "Claiming has started: this coupon can no longer be edited." in refused.content.decode()
    operator_client.post(_url("edit", coupon), form_data(name="Hacked"))
    coupon.refresh_from_db()
    assert coupon.name == "Live"


def test_edit_refused_when_claiming_starts_while_the_form_is_open(operator_client, form_data, make_coupon, clock):
    now = clock.now()
    coupon = make_coupon(name="Edge", claim_opens_at=now + timedelta(minutes=5), status="not_started")
    operator_client.get(_url("edit", coupon))
    clock.advance(timedelta(minutes=10))
    response = operator_client.post(_url("edit", coupon), form_data(name="Too late"))
    assert response.status_code == 302 and Coupon.objects.get(pk=coupon.pk).name == "Edge"


# --- delete / detail -----------------------------------------------------------------------------
def test_soft_delete_confirms_first(operator_client, make_coupon, django_capture_on_commit_callbacks):
    coupon = make_coupon(name="Bye")
    confirm = operator_client.get(_url("delete", coupon)).content.decode()
    assert "Delete “Bye”?" in confirm and Coupon.objects.get(pk=coupon.pk).is_deleted is False
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(_url("delete", coupon), follow=True)
    assert response.redirect_chain == [(LIST, 302)] and "Coupon “Bye” deleted." in response.content.decode()
    coupon.refresh_from_db()
    assert coupon.is_deleted and AuditLog.objects.filter(action="coupon.delete").count() == 1
    assert operator_client.post(_url("delete", coupon)).status_code == 404
    assert "Deleted" in operator_client.get(_url("detail", coupon)).content.decode()


def test_detail_lists_claimed_coupons(operator_client, user, other_user, make_coupon, give_coupon):
    coupon = make_coupon(name="Popular")
    mine, theirs = give_coupon(user, coupon), give_coupon(other_user, coupon)
    page = operator_client.get(_url("detail", coupon)).content.decode()
    assert mine.code in page and theirs.code in page and "shopper" in page and "98/100" in page
    table = operator_client.get(_url("detail", coupon) + "?sort=user", **HTMX).content.decode()
    assert table.startswith('<div id="table">') and mine.code in table
    assert operator_client.get(reverse("backoffice:coupons:detail", args=[999_999])).status_code == 404


# --- access --------------------------------------------------------------------------------------
def test_every_page_needs_the_coupons_area(client, shopper_client, make_coupon, staff_without_areas):
    coupon = make_coupon()
    urls = [LIST, NEW, _url("detail", coupon), _url("edit", coupon), _url("delete", coupon)]
    for url in urls:
        assert shopper_client.get(url).status_code == 403
    client.force_login(staff_without_areas)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(_url("delete", coupon)).status_code == 403
    client.logout()
    assert client.get(LIST).status_code == 302
    coupon.refresh_from_db()
    assert not coupon.is_deleted


# --- auction session coupons ---------------------------------------------------------------------
@pytest.fixture
def sessions(make_auction, clock):
    """Sessions an operator may or may not bind a coupon to."""
    now = clock.now()
    return {"live": make_auction(title="Spring teas"),
            "upcoming": make_auction(title="Autumn porcelain", starts_at=now + timedelta(days=2)),
            "ended": make_auction(title="Winter ink", starts_at=now - timedelta(days=3)),
            "deleted": make_auction(title="Withdrawn", starts_at=now + timedelta(days=1), is_deleted=True)}


def test_session_select_offers_sessions_still_to_end(operator_client, sessions):
    page = operator_client.get(NEW).content.decode()
    assert "Auction session" in page and "24 hours after the session ends" in page
    select = page.split('name="auction_session"')[1].split("</select>")[0]
    assert "Spring teas" in select and "Autumn porcelain" in select
    assert "Winter ink" not in select and "Withdrawn" not in select


def test_session_coupon_is_valid_until_a_day_after_its_session(operator_client, operator, form_data, sessions, clock,
                                                               user, django_capture_on_commit_callbacks):
    session = sessions["upcoming"]
    with django_capture_on_commit_callbacks(execute=True):  # whatever validity was typed, the session's is kept
        response = operator_client.post(NEW, form_data(scope="session", auction_session=str(session.pk),
                                                       validity="days", valid_days="3"))
    assert response.status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.scope, coupon.auction_session, coupon.valid_days) == ("session", session, None)
    assert coupon.valid_from == clock.now() and coupon.valid_until == session.ends_at + timedelta(hours=24)
    assert AuditLog.objects.get(action="coupon.create").after["valid_until"] == str(coupon.valid_until)
    page = operator_client.get(LIST).content.decode()
    assert "Autumn porcelain" in page
    assert ">Spring<" in operator_client.get(LIST + "?q=autumn", **HTMX).content.decode()
    clock.advance(timedelta(hours=2))  # claiming opens
    held = claim(user=user, coupon_id=coupon.pk, now=clock.now())
    assert held.valid_until == session.ends_at + timedelta(hours=24)


def test_editing_a_session_coupon_keeps_it_valid_from_its_creation(operator_client, form_data, sessions, clock):
    first, second = sessions["upcoming"], sessions["live"]
    operator_client.post(NEW, form_data(scope="session", auction_session=str(first.pk), validity="days"))
    coupon = Coupon.objects.get()
    created = coupon.created_at
    clock.advance(timedelta(minutes=10))
    response = operator_client.post(_url("edit", coupon), form_data(
        scope="session", auction_session=str(second.pk), claim_closes_at=form_data()["claim_opens_at"]))
    assert response.status_code == 302
    coupon.refresh_from_db()
    assert coupon.auction_session == second
    assert (coupon.valid_from, coupon.valid_until) == (created, second.ends_at + timedelta(hours=24))


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"scope": "session"}, "auction_session", "Choose the auction session this coupon is for."),
    ({"scope": "session", "auction_session": "ended"}, "auction_session", "Select a valid choice."),
    ({"scope": "session", "auction_session": "deleted"}, "auction_session", "Select a valid choice."),
    ({"scope": "session", "auction_session": "987654"}, "auction_session", "Select a valid choice."),
    ({"scope": "session", "auction_session": "live", "claim_closes_at": "2099-01-01T00:00"}, "claim_closes_at",
     "Claiming must close before the coupons expire, 24 hours after the session ends."),
])
def test_session_coupon_errors_next_to_their_fields(operator_client, form_data, sessions, overrides, field, message):
    if overrides.get("auction_session") in sessions:
        overrides["auction_session"] = str(sessions[overrides["auction_session"]].pk)
    response = operator_client.post(NEW, form_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field]), response.context["form"].errors
    assert not Coupon.objects.exists()


def test_other_scopes_drop_a_posted_session(operator_client, form_data, sessions):
    response = operator_client.post(NEW, form_data(scope="global", auction_session=str(sessions["live"].pk)))
    assert response.status_code == 302
    assert Coupon.objects.get().auction_session is None


def test_the_rules_refuse_a_session_coupon_built_in_code_that_breaks_them(operator, sessions, clock):
    now, session = clock.now(), sessions["upcoming"]
    base = {"name": "Code", "kind": "flat", "value": 10, "quantity": 5, "claim_opens_at": now,
            "claim_closes_at": now + timedelta(days=1)}
    for fields, field in (({"scope": "session", "valid_days": 3, "auction_session": session}, "validity"),
                          ({"scope": "session", "auction_session": session, "valid_from": now,
                            "valid_until": session.ends_at}, "valid_until"),
                          ({"scope": "global", "auction_session": session, "valid_days": 3}, "auction_session")):
        with pytest.raises(InvalidCoupon) as refused:
            coupon_save(coupon=Coupon(**base, **fields), actor=operator, now=now)
        assert field in refused.value.errors, refused.value.errors
    valid_from, valid_until = rules.session_validity(created_at=now, session_ends_at=session.ends_at)
    saved = coupon_save(coupon=Coupon(**base, scope="session", auction_session=session, valid_from=valid_from,
                                      valid_until=valid_until), actor=operator, now=now)
    assert saved.pk and not Coupon.objects.exclude(pk=saved.pk).exists()
