"""Backoffice auctions area: every page, who may see it, CSRF, bad ids and junk input."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from shop.auctions import services
from shop.auctions.models import AuctionSession, BannedWord, CommentColour, Lot
from tests.backoffice.test_csrf_forms import untokened_post_forms
from tests.conftest import CsrfClient

from .conftest import HTMX

UNKNOWN = 987654


@pytest.fixture
def area(make_auction, user, fund, clock):
    """One of everything the area's URLs name: a session in preview with a lot (editable), a
    live session whose lot has a deposit and a bid, a colour and a banned word."""
    upcoming = make_auction(title="Autumn", starts_at=clock.now() + timedelta(hours=3), status="preview",
                            lots=[{"title": "Vase", "status": "preview"}])
    live = make_auction(title="Spring", deposit=Decimal("10"), lots=[{"title": "Tea cake"}])
    fund(user, balance="100")
    services.pay_deposit(user=user, session=live, online=False, now=clock.now())
    services.place_bid(user=user, lot_id=live.lots.get().pk, amount="100", maximum="150", now=clock.now())
    return {"session": upcoming, "lot": upcoming.lots.get(), "live": live, "live_lot": live.lots.get(),
            "colour": CommentColour.objects.create(name="Rose", css="#d63384", price=Decimal("5")),
            "word": BannedWord.objects.create(word="spam")}


def urls(area, *, unknown=False, live=False):
    """Every URL of the area, with ids of real objects (or of none)."""
    session = UNKNOWN if unknown else (area["live"] if live else area["session"]).pk
    lot = UNKNOWN if unknown else (area["live_lot"] if live else area["lot"]).pk
    colour, word = (UNKNOWN, UNKNOWN) if unknown else (area["colour"].pk, area["word"].pk)
    name = "backoffice:auctions:"
    return {
        "list": reverse(name + "list"), "new": reverse(name + "new"),
        "detail": reverse(name + "detail", args=[session]), "edit": reverse(name + "edit", args=[session]),
        "delete": reverse(name + "delete", args=[session]), "export": reverse(name + "export", args=[session]),
        "lot_new": reverse(name + "lot_new", args=[session]), "lot": reverse(name + "lot", args=[lot]),
        "lot_edit": reverse(name + "lot_edit", args=[lot]), "lot_delete": reverse(name + "lot_delete", args=[lot]),
        "colours": reverse(name + "colours"), "colour_new": reverse(name + "colour_new"),
        "colour_edit": reverse(name + "colour_edit", args=[colour]), "words": reverse(name + "words"),
        "word_delete": reverse(name + "word_delete", args=[word]),
    }


WITH_IDS = ["detail", "edit", "delete", "export", "lot_new", "lot", "lot_edit", "lot_delete", "colour_edit",
            "word_delete"]
POSTS = ["new", "edit", "delete", "lot_new", "lot_edit", "lot_delete", "colour_new", "colour_edit", "words",
         "word_delete"]


def test_the_url_list_covers_the_area(area):
    from tests.backoffice.test_access import BACKOFFICE_URLS

    names = {name.split(":")[-1] for name, _ in BACKOFFICE_URLS if name.startswith("backoffice:auctions:")}
    assert names == set(urls(area))


def test_every_page_answers_the_operator(operator_client, area):
    for name, url in urls(area).items():
        for extra in ({}, HTMX):
            response = operator_client.get(url, **extra)
            assert response.status_code == 200, f"{name} {extra}: {response.status_code}"


def test_pages_of_a_live_session_answer_too(operator_client, area):
    for name, url in urls(area, live=True).items():
        code = operator_client.get(url).status_code
        assert code == (302 if name in ("lot_new", "lot_edit") else 200), f"{name}: {code}"


def test_every_page_posts_with_a_token(operator_client, area):
    problems = {}
    for live in (False, True):
        for name, url in urls(area, live=live).items():
            if name == "export":
                continue
            for extra in ({}, HTMX):
                response = operator_client.get(url, **extra)
                if response.status_code != 200:
                    continue
                if bad := untokened_post_forms(response.content.decode(), partial=bool(extra)):
                    problems[f"{name} {live} {extra}"] = bad
    assert not problems


def test_the_sidebar_and_tabs_lead_here(operator_client, area):
    page = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert f'href="{urls(area)["list"]}"' in page  # no longer "soon"
    page = operator_client.get(urls(area)["list"]).content.decode()
    for name in ("list", "colours", "words"):
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
    assert not AuctionSession.objects.filter(is_deleted=True).exists() and BannedWord.objects.count() == 1


def test_htmx_requests_of_anonymous_visitors_are_sent_to_log_in(area):
    response = CsrfClient().get(urls(area)["list"], **HTMX)
    assert "/accounts/login/" in response["HX-Redirect"]


def test_unknown_ids_are_404_for_the_operator(operator_client, area):
    for name, url in urls(area, unknown=True).items():
        if name in WITH_IDS:
            assert operator_client.get(url).status_code == 404, name
            assert operator_client.post(url).status_code == 404, name


def test_deleted_objects_are_404_for_writes(operator_client, area):
    Lot.objects.filter(pk=area["lot"].pk).update(is_deleted=True)
    for name in ("lot_edit", "lot_delete"):
        assert operator_client.post(urls(area)[name]).status_code == 404, name
    assert operator_client.get(urls(area)["lot"]).status_code == 200  # still readable
    AuctionSession.objects.filter(pk=area["session"].pk).update(is_deleted=True)
    for name in ("edit", "delete", "export", "lot_new"):
        assert operator_client.post(urls(area)[name]).status_code == 404, name


def test_posts_without_the_csrf_token_are_refused(operator, area):
    client = CsrfClient()
    client.force_login(operator)
    for name in POSTS:
        assert client.post(urls(area)[name], {"title": "x", "words": "x"}, csrf=False).status_code == 403, name
    assert not Lot.objects.filter(is_deleted=True).exists() and BannedWord.objects.count() == 1


JUNK = [
    {"page": "99999999999999999999", "sort": "nonexistent", "per_page": "99999999999"},
    {"page": "-1", "sort": "-", "q": "x" * 5000, "state": "??", "asset": "'", "is_active": "maybe"},
    {"state": "[]", "q": "%_\\'\"", "sort": "-turnover"},
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
    {},
    {"title": "A" * 500, "preview_starts_at": "x", "ends_at": "9999-99-99T99:99", "deposit": "1e999"},
    {"title": "T", "preview_starts_at": "0001-01-01T00:00", "preview_ends_at": "0001-01-01T00:01",
     "starts_at": "9999-12-31T23:59", "ends_at": "9999-12-31T23:59", "deposit": "-0"},
    {"start_price": "99999999999999999999", "increment": "Infinity", "reference_low": "1",
     "reference_high": "x", "cover": "not a file"},
    {"css": "<script>", "price": "1" * 40, "asset": "gem", "words": "\x00\n" * 3},
])
def test_junk_posts_are_answered_without_a_server_error(operator, area, data):
    client = CsrfClient(raise_request_exception=False)
    client.force_login(operator)
    for name in POSTS:
        if name in ("delete", "lot_delete", "word_delete"):
            continue
        code = client.post(urls(area)[name], data, **HTMX).status_code
        assert code < 500, name
        assert code in (400, 409), f"{name}: {code}"
