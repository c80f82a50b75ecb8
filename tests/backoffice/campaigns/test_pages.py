"""Backoffice campaigns area: every page, who may see it, CSRF, bad ids and junk input."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from shop.lottery import services
from shop.lottery.models import CodePool, RedeemCode
from tests.backoffice.test_csrf_forms import untokened_post_forms
from tests.conftest import CsrfClient
from tests.shop.lottery.test_operations import valid_id_card

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def area(user, make_campaign, clock):
    """One of everything the area's URLs name: a campaign with a physical and a credits prize, a
    code pool, a draw and the claimed prize order it made."""
    campaign = make_campaign(title="Spring wheel", free_chances=3, prizes=[
        {"title": "Mug", "weight": 1}, {"title": "Gems", "grant": "credits", "asset": "gem", "amount": Decimal("5"),
                                        "weight": 0}])
    pool = CodePool.objects.create(name="Game keys")
    RedeemCode.objects.bulk_create([RedeemCode(pool=pool, code=f"K{i}") for i in range(3)])
    draw = services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    order = services.submit_details(user=user, number=draw.order.number, recipient="Ada Lovelace",
                                    id_card=valid_id_card(), phone="13800000000", address="1 Main St",
                                    now=clock.now())
    return {"campaign": campaign, "pool": pool, "draw": draw, "order": order}


def urls(area, *, unknown=False):
    """Every URL of the area, with ids of real objects (or of none)."""
    pk = 987654 if unknown else area["campaign"].pk
    pool_id = 987654 if unknown else area["pool"].pk
    draw_id = 987654 if unknown else area["draw"].pk
    number = "PNOPE" if unknown else area["order"].number
    return {
        "list": reverse("backoffice:campaigns:list"), "new": reverse("backoffice:campaigns:new"),
        "odds": reverse("backoffice:campaigns:odds"), "prize_row": reverse("backoffice:campaigns:prize_row"),
        "detail": reverse("backoffice:campaigns:detail", args=[pk]),
        "edit": reverse("backoffice:campaigns:edit", args=[pk]),
        "pools": reverse("backoffice:campaigns:pools"), "pool_new": reverse("backoffice:campaigns:pool_new"),
        "pool": reverse("backoffice:campaigns:pool", args=[pool_id]),
        "pool_edit": reverse("backoffice:campaigns:pool_edit", args=[pool_id]),
        "orders": reverse("backoffice:campaigns:orders"),
        "orders_export": reverse("backoffice:campaigns:orders_export"),
        "ship": reverse("backoffice:campaigns:ship", args=[number]),
        "draws": reverse("backoffice:campaigns:draws"),
        "replay": reverse("backoffice:campaigns:replay", args=[draw_id]),
    }


WITH_IDS = ["detail", "edit", "pool", "pool_edit", "ship", "replay"]


def test_the_url_list_covers_the_area(area):
    from tests.backoffice.test_access import BACKOFFICE_URLS

    names = {name.split(":")[-1] for name, _ in BACKOFFICE_URLS if name.startswith("backoffice:campaigns:")}
    assert names == set(urls(area))


def test_every_page_answers_the_operator(operator_client, area):
    for name, url in urls(area).items():
        for extra in ({}, HTMX):
            response = operator_client.get(url, **extra)
            assert response.status_code == 200, f"{name} {extra}: {response.status_code}"


def test_every_page_posts_with_a_token(operator_client, area):
    problems = {}
    for name, url in urls(area).items():
        if name == "orders_export":
            continue
        for extra in ({}, HTMX):
            if bad := untokened_post_forms(operator_client.get(url, **extra).content.decode(), partial=bool(extra)):
                problems[f"{name} {extra}"] = bad
    assert not problems


def test_the_sidebar_and_tabs_lead_here(operator_client, area):
    page = operator_client.get(reverse("backoffice:campaigns:list")).content.decode()
    for name in ("list", "pools", "orders", "draws"):
        assert f'href="{urls(area)[name]}"' in page
    assert 'aria-current="page"' in page


@pytest.mark.parametrize("who", ["anonymous", "shopper", "staff without the area"])
def test_outsiders_get_the_same_answer_for_known_and_unknown_ids(area, make_user, staff_without_areas, who):
    client = CsrfClient(raise_request_exception=False)
    if who == "shopper":
        client.force_login(make_user("prober"))
    elif who != "anonymous":
        client.force_login(staff_without_areas)
    known, unknown = urls(area), urls(area, unknown=True)
    for name in known:
        for method in ("get", "post"):
            codes = [getattr(client, method)(u[name]).status_code for u in (known, unknown)]
            assert codes[0] == codes[1], f"{who} {method} {name}: {codes}"
            assert codes[0] in ((302,) if who == "anonymous" else (403,)), f"{who} {method} {name}: {codes}"
    if who == "anonymous":
        assert "/accounts/login/" in client.get(known["detail"])["Location"]


def test_unknown_ids_are_404_for_the_operator(operator_client, area):
    for name, url in urls(area, unknown=True).items():
        if name in WITH_IDS:
            assert operator_client.get(url).status_code == 404, name
            assert operator_client.post(url).status_code == 404, name


def test_posts_without_the_csrf_token_are_refused(operator, area):
    client = CsrfClient()
    client.force_login(operator)
    for name in ("new", "edit", "odds", "pool_new", "pool", "ship"):
        assert client.post(urls(area)[name], {"carrier": "x"}, csrf=False).status_code == 403, name


JUNK = [
    {"page": "99999999999999999999", "sort": "nonexistent", "per_page": "99999999999"},
    {"page": "-1", "sort": "-", "q": "x" * 5000, "campaign": "abc", "user": "%_\\'\""},
    {"kind": "nope", "state": "??", "status": "[]", "outcome": "1e9", "source": "'", "members_gift": "maybe"},
    {"status": "to_ship", "campaign": "99999999999999999999999"},
]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_params_are_never_a_server_error(operator, area, junk):
    client = CsrfClient(raise_request_exception=False)
    client.force_login(operator)
    failures = []
    for name, url in urls(area).items():
        for extra in ({}, HTMX):
            code = client.get(url + "?" + urlencode(junk), **extra).status_code
            if code >= 500:
                failures.append((name, code))
    assert not failures


@pytest.mark.parametrize("data", [
    {"prizes-TOTAL_FORMS": "x", "kind": "lottery"},
    {"prizes-TOTAL_FORMS": "99999999999", "prizes-0-title": "A", "prizes-0-weight": "-3"},
    {"prizes-TOTAL_FORMS": "2", "prizes-0-title": "A" * 500, "prizes-0-weight": "1e9", "prizes-0-stock_left": "x"},
])
def test_junk_posts_are_answered_without_a_server_error(operator, area, data):
    client = CsrfClient(raise_request_exception=False)
    client.force_login(operator)
    for name in ("new", "edit", "odds", "pool_new", "pool", "ship"):
        assert client.post(urls(area)[name], data, **HTMX).status_code < 500, name
