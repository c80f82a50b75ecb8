"""Backoffice campaigns: the table and its filters, add and edit with inline prizes, the live
published-odds preview, the detail page; every write audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from shop.core.models import AuditLog
from shop.lottery import services
from shop.lottery.models import Campaign, Prize

LIST = reverse("backoffice:campaigns:list")
NEW = reverse("backoffice:campaigns:new")
ODDS = reverse("backoffice:campaigns:odds")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _edit(campaign):
    return reverse("backoffice:campaigns:edit", args=[campaign.pk])


def _detail(campaign):
    return reverse("backoffice:campaigns:detail", args=[campaign.pk])


def prize_rows(*rows, initial=0):
    data = {"prizes-TOTAL_FORMS": str(len(rows)), "prizes-INITIAL_FORMS": str(initial),
            "prizes-MIN_NUM_FORMS": "0", "prizes-MAX_NUM_FORMS": "50"}
    for index, row in enumerate(rows):
        values = {"title": "", "grant": "physical", "weight": "1", "stock_left": "10", "position": str(index)}
        values.update(row)
        data.update({f"prizes-{index}-{k}": v for k, v in values.items() if v is not None})
    return data


@pytest.fixture
def campaign_data(clock, local):
    def data(*rows, **overrides):
        now = clock.now()
        values = {"title": "Spring wheel", "kind": "lottery", "starts_at": local(now + timedelta(hours=1)),
                  "ends_at": local(now + timedelta(days=1)), "draw_asset": "gem", "draw_cost": "10",
                  "free_chances": "1", "draw_limit": ""}
        values.update(overrides)
        values.update(prize_rows(*rows))
        return values

    return data


# --- list ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("?state=online", "Running", "Later"),
    ("?state=scheduled", "Later", "Running"),
    ("?state=paused", "Resting", "Running"),
    ("?state=ended", "Over", "Running"),
    ("?kind=exchange", "Shop", "Running"),
    ("?q=lat", "Later", "Over"),
])
def test_table_filters_by_kind_and_state_by_the_clock(operator_client, make_campaign, clock, query, shown, hidden):
    now = clock.now()
    make_campaign(title="Running")
    make_campaign(title="Resting", is_paused=True)
    make_campaign(title="Later", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2),
                  status="online")  # a stored status lagging behind: the filter reads the clock
    make_campaign(title="Over", starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))
    make_campaign(title="Shop", kind="exchange")
    table = operator_client.get(LIST + query, **HTMX).content.decode()
    assert table.startswith('<div id="table">')
    assert f">{shown}<" in table and f">{hidden}<" not in table


def test_table_shows_counts_and_links(operator_client, user, make_campaign, clock):
    campaign = make_campaign(title="Wheel", free_chances=2, prizes=[{}, {}])
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    page = operator_client.get(LIST).content.decode()
    assert _detail(campaign) in page and _edit(campaign) in page and "Online" in page
    assert '<td class="text-end">2</td>' in page and '<td class="text-end">1</td>' in page


def test_table_query_count_does_not_grow(operator_client, make_campaign):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert operator_client.get(LIST).status_code == 200
        return len(ctx)

    make_campaign(prizes=[{}])
    few = count()
    for i in range(5):
        make_campaign(title=f"c{i}", prizes=[{}, {}])
    assert count() == few


# --- add and edit --------------------------------------------------------------------------------
def test_add_a_campaign_with_prizes(operator_client, operator, campaign_data, make_coupon,
                                    django_capture_on_commit_callbacks):
    coupon = make_coupon(name="Ten off")
    data = campaign_data({"title": "Mug", "weight": "3", "stock_left": "5"},
                         {"title": "Gems", "grant": "credits", "asset": "gem", "amount": "50", "weight": "1",
                          "win_limit": "2", "coupon": str(coupon.pk)},  # a coupon left over from another grant
                         {"title": "Thanks", "is_default": "on", "weight": "0", "stock_left": "1000"})
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(NEW, data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(campaign)
    mug, gems, thanks = campaign.prizes.order_by("position")
    assert (mug.weight, mug.stock_left, gems.amount, gems.win_limit, gems.coupon) == (3, 5, Decimal("50"), 2, None)
    assert thanks.is_default and campaign.status == "scheduled"
    assert AuditLog.objects.filter(actor=operator, action="campaign.create").exists()
    assert AuditLog.objects.filter(action="prize.create").count() == 3
    assert Schedule.objects.filter(name__startswith=f"campaign:{campaign.pk}:").count() == 2
    page = operator_client.get(response["Location"]).content.decode()
    assert "75.00 %" in page and "25.00 %" in page and "Consolation" in page


@pytest.mark.parametrize(("overrides", "rows", "message"), [
    ({"ends_at": "2020-01-01T00:00"}, [], "The end must be after the start."),
    ({"draw_cost": "1000001"}, [], "1,000,000"),
    ({"free_chances": "-1"}, [], "greater than or equal to 0"),
    ({"draw_limit": "0"}, [], "Enter from 1 to 1,000 draws"),
    ({}, [{"title": "Gems", "grant": "credits", "asset": "gem"}], "Enter an amount above 0"),
    ({}, [{"title": "Coupon", "grant": "coupon"}], "Choose the coupon this prize gives."),
    ({}, [{"title": "Key", "grant": "code"}], "Choose the code pool"),
    ({}, [{"title": "Heavy", "weight": "1000001"}], "1000000"),
    ({}, [{"title": "A", "is_default": "on"}, {"title": "B", "is_default": "on"}], "Only one prize can be the"),
    ({"kind": "exchange"}, [{"title": "Item"}], "Exchange items need a price"),
    ({}, [{"title": "Priced", "price": "5"}], "Only exchange items have a price"),
])
def test_invalid_definitions_are_shown_and_nothing_is_saved(operator_client, campaign_data, overrides, rows,
                                                             message):
    response = operator_client.post(NEW, campaign_data(*rows, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists() and not AuditLog.objects.exists()


def test_edit_changes_prizes_and_keeps_draws_stock(operator_client, user, make_campaign, clock):
    campaign = make_campaign(free_chances=1, prizes=[{"title": "Mug", "stock_left": 10}])
    prize = campaign.prizes.get()
    page = operator_client.get(_edit(campaign)).content.decode()
    assert 'name="prizes-0-stock_seen" value="10"' in page
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())  # meanwhile: 9 left
    data = {"title": "Renamed", "kind": "lottery", "starts_at": "", "ends_at": "", "draw_asset": "gem",
            "draw_cost": "10", "free_chances": "1", "draw_limit": ""}
    from django.utils import timezone

    data["starts_at"] = timezone.localtime(campaign.starts_at).strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = timezone.localtime(campaign.ends_at).strftime("%Y-%m-%dT%H:%M")
    data.update(prize_rows({"id": str(prize.pk), "title": "Big mug", "stock_left": "20", "stock_seen": "10"},
                           initial=1))
    response = operator_client.post(_edit(campaign), data)
    assert response.status_code == 200 and "changed while you were editing (9 left now)" in response.content.decode()
    assert Prize.objects.get().stock_left == 9 and Campaign.objects.get().title != "Renamed"
    data["prizes-0-stock_seen"] = "9"
    response = operator_client.post(_edit(campaign), data)
    assert response.status_code == 302
    prize.refresh_from_db()
    assert (prize.title, prize.stock_left, prize.stock_used) == ("Big mug", 20, 1)
    assert AuditLog.objects.filter(action="campaign.update").exists()


def test_a_prize_already_drawn_cannot_be_removed(operator_client, user, make_campaign, clock, local):
    campaign = make_campaign(free_chances=1, prizes=[{"title": "Mug"}])
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    prize = campaign.prizes.get()
    data = {"title": campaign.title, "kind": "lottery", "starts_at": local(campaign.starts_at),
            "ends_at": local(campaign.ends_at), "draw_asset": "gem", "draw_cost": "10", "free_chances": "1"}
    data.update(prize_rows({"id": str(prize.pk), "title": "Mug", "stock_left": "9", "DELETE": "on"}, initial=1))
    response = operator_client.post(_edit(campaign), data)
    assert response.status_code == 200 and "set its weight or stock to 0 instead" in response.content.decode()
    assert Prize.objects.filter(pk=prize.pk).exists()


def test_another_campaigns_prize_cannot_be_edited_through_this_one(operator_client, make_campaign, local):
    mine, other = make_campaign(title="Mine"), make_campaign(title="Other", prizes=[{"title": "Theirs"}])
    theirs = other.prizes.get()
    data = {"title": "Mine", "kind": "lottery", "starts_at": local(mine.starts_at), "ends_at": local(mine.ends_at),
            "draw_asset": "gem", "draw_cost": "10", "free_chances": "1"}
    data.update(prize_rows({"id": str(theirs.pk), "title": "Hijacked"}, initial=1))
    response = operator_client.post(_edit(mine), data)
    assert response.status_code in (200, 302)  # an id not of this campaign is taken as a new prize
    theirs.refresh_from_db()
    assert (theirs.title, theirs.campaign) == ("Theirs", other)
    assert list(other.prizes.all()) == [theirs]


# --- published odds, live ------------------------------------------------------------------------
def test_the_odds_preview_is_a_partial_of_the_posted_rows(operator_client):
    data = {"kind": "lottery", **prize_rows({"title": "Mug", "weight": "1"}, {"title": "Pen", "weight": "3"},
                                            {"title": "Gone", "weight": "5", "stock_left": "0"},
                                            {"title": "Removed", "weight": "9", "DELETE": "on"}, {"title": ""})}
    partial = operator_client.post(ODDS, data, **HTMX).content.decode()
    assert partial.strip().startswith('<div id="odds"') and "<html" not in partial
    assert "25.00 %" in partial and "75.00 %" in partial and "Gone" in partial and "Removed" not in partial
    broken = operator_client.post(ODDS, {"kind": "lottery", **prize_rows({"title": "Bad", "weight": "x"})}, **HTMX)
    assert "Row 1" in broken.content.decode()
    exchange = operator_client.post(ODDS, {"kind": "exchange", **prize_rows({"title": "Item"})}, **HTMX)
    assert "a price, not odds" in exchange.content.decode()


def test_the_editor_posts_its_prizes_to_the_preview(operator_client, make_campaign):
    campaign = make_campaign(prizes=[{"title": "Mug", "weight": 1}, {"title": "Pen", "weight": 1}])
    page = operator_client.get(_edit(campaign)).content.decode()
    assert f'hx-post="{ODDS}"' in page and "50.00 %" in page


# --- detail --------------------------------------------------------------------------------------
def test_detail_shows_stock_odds_entries_and_draws(operator_client, user, make_campaign, clock):
    campaign = make_campaign(free_chances=3, prizes=[{"title": "Mug", "weight": 1, "stock_left": 2},
                                                     {"title": "Pen", "weight": 1, "stock_left": 0}])
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    page = operator_client.get(_detail(campaign)).content.decode()
    assert 'data-testid="draws-count">1<' in page and "1 shopper took part" in page
    assert "100.00 %" in page  # the only prize with stock
    assert page.count('data-testid="prize"') == 2


def test_add_a_prize_row_with_htmx(operator_client):
    row = operator_client.get(reverse("backoffice:campaigns:prize_row") + "?index=3", **HTMX).content.decode()
    assert 'name="prizes-3-title"' in row and 'data-testid="prize-row"' in row
    assert 'id="id_prizes-TOTAL_FORMS" hx-swap-oob="true"' in row and 'value="4"' in row
    assert "index=4" in row and 'id="add-prize"' in row
    last = operator_client.get(reverse("backoffice:campaigns:prize_row") + "?index=49", **HTMX).content.decode()
    assert "disabled" in last
    for junk in ("50", "-1", "x", "1e9"):
        assert operator_client.get(reverse("backoffice:campaigns:prize_row") + f"?index={junk}").status_code == 404
