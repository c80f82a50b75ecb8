"""Backoffice campaigns: redeem-code pools and their import, prize orders (to ship, mark shipped,
CSV export) and the draw log with replay."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.core.models import AuditLog
from shop.lottery import services
from shop.lottery.models import CodePool, PrizeOrder, RedeemCode
from shop.notifications.models import Notification
from tests.shop.lottery.test_operations import valid_id_card

POOLS = reverse("backoffice:campaigns:pools")
ORDERS = reverse("backoffice:campaigns:orders")
EXPORT = reverse("backoffice:campaigns:orders_export")
DRAWS = reverse("backoffice:campaigns:draws")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _pool_url(pool):
    return reverse("backoffice:campaigns:pool", args=[pool.pk])


def _ship_url(order):
    return reverse("backoffice:campaigns:ship", args=[order.number])


# --- code pools ----------------------------------------------------------------------------------
def test_add_and_edit_a_pool(operator_client, operator):
    response = operator_client.post(reverse("backoffice:campaigns:pool_new"), {"name": "Game keys",
                                                                               "members_gift": "on"})
    pool = CodePool.objects.get()
    assert response.status_code == 302 and response["Location"] == _pool_url(pool) and pool.members_gift
    response = operator_client.post(reverse("backoffice:campaigns:pool_edit", args=[pool.pk]), {"name": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    operator_client.post(reverse("backoffice:campaigns:pool_edit", args=[pool.pk]), {"name": "Keys"})
    assert [a.action for a in AuditLog.objects.order_by("id")] == ["codepool.create", "codepool.update"]


def test_import_by_paste_reports_every_count(operator_client):
    pool = CodePool.objects.create(name="Keys")
    RedeemCode.objects.create(pool=pool, code="OLD")
    response = operator_client.post(_pool_url(pool), {"text": "A1\nA2\n\nA1\nOLD\n   \nA3"})
    page = response.content.decode()
    assert response.status_code == 200
    for shown in ("3 codes added", "1 duplicate in what you imported", "1 already in this pool",
                  "2 blank lines", 'data-testid="codes-total">4<', 'data-testid="codes-left">4<'):
        assert shown in page, shown
    assert pool.codes.count() == 4 and AuditLog.objects.filter(action="codepool.import").exists()


def test_import_by_csv_upload_takes_the_first_column(operator_client):
    pool = CodePool.objects.create(name="Keys")
    upload = SimpleUploadedFile("codes.csv", "\ufeffK1,note\nK2,other\nK1,again\n".encode(), content_type="text/csv")
    page = operator_client.post(_pool_url(pool), {"file": upload}).content.decode()
    assert "2 codes added" in page and "1 duplicate" in page
    assert set(pool.codes.values_list("code", flat=True)) == {"K1", "K2"}


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Upload a CSV file or paste some codes."),
    ({"text": "A", "file": SimpleUploadedFile("c.csv", b"B")}, "not both"),
    ({"file": SimpleUploadedFile("c.csv", b"\xff\xfe\x00bad")}, "must be UTF-8 text"),
])
def test_import_errors_are_shown(operator_client, data, message):
    pool = CodePool.objects.create(name="Keys")
    response = operator_client.post(_pool_url(pool), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not pool.codes.exists()


def test_pools_table_shows_issued_and_left(operator_client, user, clock):
    pool = CodePool.objects.create(name="Gift keys", members_gift=True)
    RedeemCode.objects.bulk_create([RedeemCode(pool=pool, code=f"G{i}") for i in range(3)])
    user.is_member = True
    services.take_gift_code(user=user, pool_id=pool.pk, now=clock.now())
    table = operator_client.get(POOLS, **HTMX).content.decode()
    assert '<td class="text-end">3</td>' in table and '<td class="text-end">1</td>' in table
    assert '<td class="fw-semibold text-end">2</td>' in table


# --- prize orders --------------------------------------------------------------------------------
@pytest.fixture
def orders(user, other_user, make_campaign, clock):
    """A claimed physical prize (to ship), one still to claim, and a virtual one."""
    campaign = make_campaign(title="Wheel", free_chances=5, prizes=[{"title": "Mug"}])
    claimed = services.draw(user=user, campaign_id=campaign.pk, now=clock.now()).order
    services.submit_details(user=user, number=claimed.number, recipient="=HYPERLINK(\"http://x\")",
                            id_card=valid_id_card(), phone="+8613800000000", address="@home", now=clock.now())
    to_claim = services.draw(user=other_user, campaign_id=campaign.pk, now=clock.now()).order
    gems = make_campaign(title="Gem rain", free_chances=1,
                         prizes=[{"title": "Gems", "grant": "credits", "asset": "gem", "amount": Decimal("5")}])
    virtual = services.draw(user=user, campaign_id=gems.pk, now=clock.now()).order
    return {"claimed": PrizeOrder.objects.get(pk=claimed.pk), "to_claim": to_claim, "virtual": virtual,
            "campaign": campaign, "gems": gems}


def test_to_ship_lists_the_claimed_orders_with_the_masked_id_card(operator_client, orders):
    table = operator_client.get(ORDERS + "?status=to_ship", **HTMX).content.decode()
    assert orders["claimed"].number in table and orders["to_claim"].number not in table
    assert orders["virtual"].number not in table
    assert orders["claimed"].id_card in table and valid_id_card() not in table
    assert _ship_url(orders["claimed"]) in table
    page = operator_client.get(ORDERS).content.decode()
    assert 'data-testid="to-ship-count">1<' in page and f'href="{EXPORT}?"' in page


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("?status=to_claim", "to_claim", "claimed"),
    ("?status=fulfilled", "virtual", "claimed"),
    ("?campaign={gems}", "virtual", "to_claim"),
    ("?q=someone-else", "to_claim", "virtual"),
])
def test_orders_filters(operator_client, orders, query, shown, hidden):
    table = operator_client.get(ORDERS + query.format(gems=orders["gems"].pk), **HTMX).content.decode()
    assert orders[shown].number in table and orders[hidden].number not in table


def test_mark_shipped_through_the_form(operator_client, operator, orders, clock):
    order = orders["claimed"]
    page = operator_client.get(_ship_url(order)).content.decode()
    assert "Carrier" in page and "Tracking number" in page and order.id_card in page
    empty = operator_client.post(_ship_url(order), {"carrier": "", "tracking_no": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    response = operator_client.post(_ship_url(order), {"carrier": "SF Express", "tracking_no": "SF1"})
    assert response.status_code == 302 and response["Location"] == ORDERS + "?status=to_ship"
    order.refresh_from_db()
    assert (order.status, order.tracking_no) == ("shipped", "SF1")
    assert Notification.objects.filter(user=order.user, key="lottery.shipped").count() == 1
    assert AuditLog.objects.filter(actor=operator, action="prizeorder.ship").count() == 1
    replayed = operator_client.post(_ship_url(order), {"carrier": "SF Express", "tracking_no": "SF2"})
    assert replayed.status_code == 200 and "has already been shipped" in replayed.content.decode()
    order.refresh_from_db()
    assert order.tracking_no == "SF1"


def test_ship_refuses_orders_that_are_not_waiting(operator_client, orders):
    response = operator_client.post(_ship_url(orders["to_claim"]), {"carrier": "SF", "tracking_no": "1"})
    assert response.status_code == 200 and "has not sent their name and address" in response.content.decode()
    page = operator_client.get(_ship_url(orders["virtual"])).content.decode()
    assert "nothing to ship" in page


def test_ship_goes_back_to_a_safe_next_only(operator_client, orders):
    order = orders["claimed"]
    response = operator_client.post(_ship_url(order), {"carrier": "SF", "tracking_no": "1",
                                                       "next": "https://evil.example/"})
    assert response["Location"] == ORDERS + "?status=to_ship"


def _csv(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_respects_the_filter_and_defuses_formulas(operator_client, orders):
    rows = _csv(operator_client.get(EXPORT + "?status=to_ship"))
    header, *data = rows
    assert header[:3] == ["number", "created_at", "user"] and len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["number"] == orders["claimed"].number and row["status"] == "claimed"
    assert row["recipient"] == "'=HYPERLINK(\"http://x\")"
    assert row["phone"] == "'+8613800000000" and row["address"] == "'@home"
    assert row["id_card_masked"] == orders["claimed"].id_card and "*" in row["id_card_masked"]
    everything = _csv(operator_client.get(EXPORT))
    assert len(everything) == 4
    by_campaign = _csv(operator_client.get(EXPORT + f"?campaign={orders['gems'].pk}"))
    assert [r[0] for r in by_campaign[1:]] == [orders["virtual"].number]


def test_export_with_a_filter_it_cannot_read_exports_nothing(operator_client, orders):
    response = operator_client.get(EXPORT + "?campaign=987654&status=nope")
    assert response.status_code == 400 and "Check the filters" in response.content.decode()


def test_orders_query_count_does_not_grow(operator_client, orders, user, make_campaign, clock):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert operator_client.get(ORDERS).status_code == 200
        return len(ctx)

    few = count()
    campaign = make_campaign(title="More", free_chances=5, prizes=[{"title": "Pen"}])
    for _ in range(5):
        services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    assert count() == few


# --- draw log and replay -------------------------------------------------------------------------
def test_draw_log_filters_by_campaign_and_shopper(operator_client, orders):
    claimed, virtual = orders["claimed"], orders["virtual"]
    table = operator_client.get(DRAWS + f"?campaign={orders['gems'].pk}", **HTMX).content.decode()
    assert reverse("backoffice:campaigns:replay", args=[virtual.draw_id]) in table
    assert reverse("backoffice:campaigns:replay", args=[claimed.draw_id]) not in table
    table = operator_client.get(DRAWS + "?user=someone-else", **HTMX).content.decode()
    assert reverse("backoffice:campaigns:replay", args=[orders["to_claim"].draw_id]) in table
    assert reverse("backoffice:campaigns:replay", args=[claimed.draw_id]) not in table


def test_replay_shows_the_record_and_that_it_matches(operator_client, user, make_campaign, clock):
    campaign = make_campaign(free_chances=1, prizes=[{"title": "Mug", "weight": 3}, {"title": "Pen", "weight": 1},
                                                     {"title": "Never", "weight": 0}])
    draw = services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    page = operator_client.get(reverse("backoffice:campaigns:replay", args=[draw.pk])).content.decode()
    assert f'data-testid="random-value">{draw.random_value}<' in page
    assert "Matches the record" in page and page.count('data-testid="candidate"') == 2
    assert "[0, 3)" in page and "[3, 4)" in page and "Never" not in page
    assert f'data-testid="replay-picked">{draw.picked.title}<' in page


def test_draw_log_query_count_does_not_grow(operator_client, user, make_campaign, clock):
    campaign = make_campaign(free_chances=10, prizes=[{"title": "Mug"}])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert operator_client.get(DRAWS).status_code == 200
        return len(ctx)

    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    few = count()
    for _ in range(5):
        services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    assert count() == few
