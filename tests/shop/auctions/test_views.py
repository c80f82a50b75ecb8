"""The shopper's auction pages, their htmx partials and the live poll (CSRF enforced on every POST)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from shop.auctions import services
from shop.auctions.models import Bid, Comment, CommentColour, Deposit, Lot

D = Decimal


@pytest.fixture
def client(csrf_client):
    return csrf_client


@pytest.fixture
def visitor(db):
    """An anonymous browser of its own (``client`` becomes the shopper's once logged in)."""
    from tests.conftest import CsrfClient

    return CsrfClient()


@pytest.fixture
def lot(make_auction):
    return make_auction(lots=[{"title": "Old tea cake", "reference_low": D("300"), "reference_high": D("500")}]).lots.get()


def bid(user, lot, amount, maximum=None):
    from shop.core import clock

    return services.place_bid(user=user, lot_id=lot.pk, amount=amount, maximum=maximum, now=clock.now())


def page_of(response) -> str:
    return response.content.decode()


# --- the session list ----------------------------------------------------------------------------
def test_list_has_tabs_live_upcoming_and_ended(client, make_auction, clock):
    now = clock.now()
    make_auction(title="Live teas", deposit=D("200"), lots=[{}, {}])
    make_auction(title="Next week", starts_at=now + timedelta(days=7), status="not_started")
    make_auction(title="Last month", starts_at=now - timedelta(days=30), status="ended")
    page = page_of(client.get("/auctions/"))
    assert "Live teas" in page and "Next week" not in page and "Last month" not in page
    assert "2 lots" in page and "Session deposit ¥200.00" in page and "Bid now" in page
    upcoming = page_of(client.get("/auctions/?tab=upcoming"))
    assert "Next week" in upcoming and "Live teas" not in upcoming and "Preview the lots" in upcoming
    ended = page_of(client.get("/auctions/?tab=ended"))
    assert "Last month" in ended and "See the results" in ended


def test_list_tab_is_a_partial_for_htmx_and_junk_tabs_fall_back(client, make_auction):
    make_auction(title="Live teas")
    partial = page_of(client.get("/auctions/?tab=live", HTTP_HX_REQUEST="true"))
    assert partial.lstrip().startswith('<section id="session-list"') and "<html" not in partial
    assert "Live teas" in page_of(client.get("/auctions/?tab=nonsense&page=abc"))


def test_list_hides_deleted_sessions_and_says_when_empty(client, make_auction):
    session = make_auction(title="Withdrawn")
    session.is_deleted = True
    session.save()
    page = page_of(client.get("/auctions/"))
    assert "Withdrawn" not in page and "No auction is bidding right now." in page
    assert "No auctions are scheduled yet" in page_of(client.get("/auctions/?tab=upcoming"))


def test_list_paginates(client, make_auction, settings):
    for n in range(settings.BAZAAR_PAGE_SIZE + 3):
        make_auction(title=f"Session {n}", lots=[])
    page = page_of(client.get("/auctions/"))
    assert page.count('data-testid="session-card"') == settings.BAZAAR_PAGE_SIZE and "Page 1 of 2" in page
    assert page_of(client.get("/auctions/?tab=live&page=2")).count('data-testid="session-card"') == 3


def test_list_queries_do_not_grow_with_sessions(client, make_auction, django_assert_max_num_queries):
    for n in range(8):
        make_auction(title=f"Session {n}", lots=[{}, {"deposit": D("50")}])
    with django_assert_max_num_queries(6):
        assert client.get("/auctions/").status_code == 200


# --- the session page ----------------------------------------------------------------------------
def test_session_page_shows_times_deposit_countdown_and_lots_by_the_clock(client, make_auction, clock):
    session = make_auction(title="Spring teas", description="First flush only.", deposit=D("500"),
                           lots=[{"title": "Long Jing"}, {"title": "Bi Luo Chun", "deposit": D("80")}])
    first = session.lots.order_by("position").first()
    page = page_of(client.get(f"/auctions/{session.pk}/"))
    assert "First flush only." in page and "Long Jing" in page and "Bi Luo Chun" in page
    assert first.catalogue_no in page and "¥100.00" in page and "Deposit ¥80.00" in page
    assert "Ends in" in page and 'data-countdown' in page and f'data-end="{int(session.ends_at.timestamp())}"' in page
    assert "Log in to pay the deposit" in page and "¥500.00" in page
    from django.utils import timezone

    starts = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
    assert f'<span class="text-nowrap">{starts}</span> – <span class="text-nowrap">' in page  # whole dates on a phone
    clock.advance(timedelta(hours=2))  # past the end; stored statuses still say bidding
    page = page_of(client.get(f"/auctions/{session.pk}/"))
    assert "Closing" in page and "Ended " in page and "This session has ended." in page


def test_unknown_or_deleted_session_is_404(client, make_auction):
    assert client.get("/auctions/999/").status_code == 404
    session = make_auction()
    session.is_deleted = True
    session.save()
    assert client.get(f"/auctions/{session.pk}/").status_code == 404


def test_session_page_queries_do_not_grow_with_lots(shopper_client, make_auction, django_assert_max_num_queries):
    session = make_auction(deposit=D("50"), lots=[{} for _ in range(12)])
    with django_assert_max_num_queries(10):
        assert shopper_client.get(f"/auctions/{session.pk}/").status_code == 200


def test_session_deposit_from_balance_and_a_replay_holds_one(shopper_client, user, fund, make_auction):
    fund(user, balance=1000)
    session = make_auction(deposit=D("300"))
    for _ in range(2):
        response = shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "balance"})
        assert response.status_code == 302 and response["Location"] == f"/auctions/{session.pk}/#session-deposit"
    assert Deposit.objects.filter(user=user).count() == 1
    page = page_of(shopper_client.get(f"/auctions/{session.pk}/"))
    assert 'data-testid="deposit-held"' in page and "You have already paid this deposit." in page


def test_session_deposit_htmx_answers_the_box_and_refusals_with_409(shopper_client, user, fund, make_auction):
    session = make_auction(deposit=D("300"))
    response = shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "balance"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and 'id="session-deposit"' in page_of(response)
    assert not Deposit.objects.filter(status="held").exists()
    fund(user, balance=300)
    response = shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "balance"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "is held" in page_of(response)


def test_session_deposit_online_goes_to_the_order(shopper_client, user, make_auction):
    session = make_auction(deposit=D("300"))
    response = shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "online"})
    deposit = Deposit.objects.get(user=user)
    assert deposit.status == "pending" and response["Location"] == deposit.order.get_absolute_url()
    again = shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "online"}, HTTP_HX_REQUEST="true")
    assert again["HX-Redirect"] == deposit.order.get_absolute_url()
    assert Deposit.objects.filter(user=user).count() == 1
    order_page = page_of(shopper_client.get(deposit.order.get_absolute_url()))
    assert "Pay" in order_page and f"/orders/{deposit.order.number}/pay/" in order_page


def test_session_deposit_needs_log_in_csrf_and_a_method(visitor, shopper_client, make_auction):
    session = make_auction(deposit=D("300"))
    response = visitor.post(f"/auctions/{session.pk}/deposit/", {"method": "balance"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "balance"}, csrf=False).status_code == 403
    response = shopper_client.post(f"/auctions/{session.pk}/deposit/", {"method": "cash"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and not Deposit.objects.exists()
    assert shopper_client.get(f"/auctions/{session.pk}/deposit/").status_code == 405


# --- the lot page --------------------------------------------------------------------------------
def test_lot_page_for_a_visitor(client, lot):
    page = page_of(client.get(f"/auctions/lots/{lot.pk}/"))
    assert lot.catalogue_no in page and "Old tea cake" in page
    assert 'data-testid="current-price"' in page and "¥100.00" in page and "¥10.00" in page
    assert "¥300.00 – ¥500.00" in page and "None needed" in page
    assert "Log in to bid" in page and "Log in to comment" in page and "No bids yet" in page
    assert f'hx-get="/auctions/lots/{lot.pk}/live/?v={lot.version}&amp;s=bidding"' in page
    assert 'hx-trigger="every 500ms"' in page and 'hx-sync="this:drop"' in page


def test_lot_page_bid_form_is_prefilled_with_the_next_minimum(shopper_client, user, other_user, lot):
    bid(other_user, lot, "150")
    page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert '<label class="form-label" for="id_amount">Your bid</label>' in page
    assert 'name="amount" id="id_amount"' in page and 'value="160.00"' in page
    assert "Automatic bidding maximum" in page and "Place bid" in page
    assert 'data-testid="current-price" aria-live="polite" aria-atomic="true">¥150.00<' in page
    assert 's**e' in page  # the leader "someone-else", masked


def test_lot_page_explains_a_needed_deposit(shopper_client, user, fund, make_auction):
    lot = make_auction(deposit=D("500"), lots=[{"deposit": D("50")}]).lots.get()
    page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert 'data-testid="deposit-needed"' in page and 'data-testid="bid-needs-deposit"' in page
    assert "Pay deposit" in page and "Pay online" in page and "id_amount" not in page
    assert "¥50.00 for this lot, or ¥500.00 for the whole session" in page


def test_lot_page_before_the_start_and_after_the_end(shopper_client, make_auction, clock):
    later = make_auction(starts_at=clock.now() + timedelta(days=1), status="preview",
                         preview_starts_at=clock.now() - timedelta(hours=1)).lots.get()
    page = page_of(shopper_client.get(f"/auctions/lots/{later.pk}/"))
    assert "Bidding starts in" in page and 'data-testid="bid-not-started"' in page and "Preview" in page
    lot = make_auction().lots.get()
    clock.advance(timedelta(hours=2))
    page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert "Bidding on this lot has ended." in page and "id_amount" not in page
    assert "Comments are open while the lot is bidding." in page


def test_a_settled_lot_stops_polling_and_shows_the_result(shopper_client, user, lot, clock):
    from shop.auctions import settlement

    bid(user, lot, "200")
    clock.advance(timedelta(hours=2))
    settlement.settle_lot(lot.pk, now=clock.now())
    page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert "You won this lot." in page and "Final price" in page and 'hx-trigger="every 500ms"' not in page


def test_unknown_or_deleted_lot_is_404(client, lot):
    assert client.get("/auctions/lots/999999/").status_code == 404
    assert client.get("/auctions/lots/999999/live/?v=1").status_code == 404
    Lot.objects.filter(pk=lot.pk).update(is_deleted=True)
    assert client.get(f"/auctions/lots/{lot.pk}/").status_code == 404
    assert client.get(f"/auctions/lots/{lot.pk}/live/?v=1").status_code == 404


def test_lot_page_queries_do_not_grow_with_bids_and_comments(shopper_client, user, make_user, lot, clock,
                                                             django_assert_max_num_queries):
    for n in range(30):
        bidder = make_user()
        bid(bidder, lot, str(100 + 10 * n))
        Comment.objects.create(lot=lot, user=bidder, text=f"comment {n}", posted_at=clock.now())
    CommentColour.objects.create(name="Red", css="#d63384", price=D("5"))
    with django_assert_max_num_queries(14):
        page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert page.count('data-testid="bid-row"') == 20 and page.count('data-testid="comment"') == 30


# --- the live poll -------------------------------------------------------------------------------
def test_live_same_version_is_204_from_one_query(client, lot, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(f"/auctions/lots/{lot.pk}/live/?v={lot.version}")
    assert response.status_code == 204 and response.content == b""
    assert "Set-Cookie" not in response.headers or "sessionid" not in response.headers["Set-Cookie"]


def test_live_same_version_is_204_for_a_logged_in_watcher_too(shopper_client, lot, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = shopper_client.get(f"/auctions/lots/{lot.pk}/live/?v={lot.version}", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and not response.cookies


def test_live_after_a_bid_renders_the_new_price_and_version(client, other_user, lot):
    old = lot.version
    bid(other_user, lot, "130")
    lot.refresh_from_db()
    response = client.get(f"/auctions/lots/{lot.pk}/live/?v={old}&s=bidding", HTTP_HX_REQUEST="true")
    page = page_of(response)
    assert response.status_code == 200 and lot.version > old
    assert page.lstrip().startswith('<section id="lot-live"')
    assert 'data-testid="current-price" aria-live="polite" aria-atomic="true">¥130.00<' in page
    assert f"?v={lot.version}&amp;s=bidding" in page
    assert 'id="lot-history" class="card h-100" aria-labelledby="lot-history-title" hx-swap-oob="true"' in page
    assert 'id="lot-comments"' in page and "s**e" in page
    assert 'id="bid-box"' not in page  # the state did not change: the shopper's form stays as it is
    assert client.get(f"/auctions/lots/{lot.pk}/live/?v={lot.version}").status_code == 204


def test_live_without_a_version_or_with_junk_renders(client, lot):
    assert client.get(f"/auctions/lots/{lot.pk}/live/").status_code == 200
    assert client.get(f"/auctions/lots/{lot.pk}/live/?v=abc").status_code == 200
    assert client.get(f"/auctions/lots/{lot.pk}/live/?v=%00").status_code == 400


def test_live_fragment_says_you_lead_or_you_were_outbid(client, make_user, lot):
    anna, bert = make_user("anna"), make_user("bert")
    bid(anna, lot, "100")
    client.force_login(anna)
    page = page_of(client.get(f"/auctions/lots/{lot.pk}/live/"))
    assert "You lead" in page and 'data-testid="leader">You<' in page
    bid(bert, lot, "150")
    page = page_of(client.get(f"/auctions/lots/{lot.pk}/live/"))
    assert "You were outbid" in page and 'data-testid="leader">b**t<' in page
    assert "You" in page  # anna's own bid in the history reads "You"


def test_live_fragment_is_rendered_once_per_version_and_viewer(client, visitor, make_user, lot, clock,
                                                                 django_assert_max_num_queries):
    """A bid sends every watcher to the changed fragment: the process renders it once per version,
    state, language and viewer, and each answer still carries its own server time."""
    anna, bert = make_user("anna"), make_user("bert")
    bid(anna, lot, "100")
    url = f"/auctions/lots/{lot.pk}/live/?v=0&s=bidding"
    client.force_login(anna)
    first = page_of(client.get(url))
    assert "You lead" in first
    clock.advance(timedelta(seconds=7))
    with django_assert_max_num_queries(3):  # the version, the session and the user: no render queries
        again = page_of(client.get(url))
    server_now = re.compile(r'data-server-now="(\d+)"')
    assert int(server_now.search(again).group(1)) - int(server_now.search(first).group(1)) == 7
    assert server_now.sub("", again) == server_now.sub("", first)
    visitor.force_login(bert)  # another viewer of the same version gets their own render
    theirs = page_of(visitor.get(url))
    assert "You lead" not in theirs and 'data-testid="leader">a**a<' in theirs
    bid(bert, lot, "150")  # a new version: a new render
    assert "You were outbid" in page_of(client.get(url))


def test_live_sends_the_boxes_when_the_state_by_the_clock_moved(client, lot, clock):
    clock.advance(timedelta(hours=2))
    page = page_of(client.get(f"/auctions/lots/{lot.pk}/live/?s=bidding"))
    assert 'id="bid-box" class="card shadow-sm mb-3" aria-labelledby="bid-box-title" hx-swap-oob="true"' in page
    assert "Bidding on this lot has ended." in page and 'id="comment-box"' in page


def test_live_fragment_queries_are_bounded(shopper_client, user, make_user, lot, clock,
                                           django_assert_max_num_queries):
    for n in range(25):
        bidder = make_user()
        bid(bidder, lot, str(100 + 10 * n))
        Comment.objects.create(lot=lot, user=bidder, text=f"comment {n}", posted_at=clock.now())
    with django_assert_max_num_queries(7):
        response = shopper_client.get(f"/auctions/lots/{lot.pk}/live/?v=1", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and page_of(response).count('data-testid="bid-row"') == 20


# --- bids ----------------------------------------------------------------------------------------
def test_htmx_bid_answers_the_box_with_the_live_part(shopper_client, user, lot):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "120", "key": "k1"},
                                   HTTP_HX_REQUEST="true")
    page = page_of(response)
    assert response.status_code == 200 and page.lstrip().startswith('<section id="bid-box"')
    assert "You are the highest bidder at ¥120.00." in page
    assert '<section id="lot-live" class="card shadow-sm mb-3" aria-labelledby="lot-live-title" hx-swap-oob="true"' \
        in page
    assert "¥120.00" in page and 'value="130.00"' in page and "You lead" in page
    assert Bid.objects.filter(lot=lot, user=user).count() == 1


def test_bid_without_js_redirects_back_with_a_message(shopper_client, user, lot):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "120", "key": "k1"})
    assert response.status_code == 302 and response["Location"] == f"/auctions/lots/{lot.pk}/#bid-box"
    page = page_of(shopper_client.get(response["Location"]))
    assert "You are the highest bidder at ¥120.00." in page and "<noscript>" in page


def test_a_replayed_bid_form_places_one_bid(shopper_client, user, other_user, lot):
    form = {"amount": "200", "maximum": "400", "key": "same-form"}
    first = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", form, HTTP_HX_REQUEST="true")
    bid(other_user, lot, "250")  # user's automatic bidding answers
    lot.refresh_from_db()
    price = lot.current_price
    for _ in range(3):
        again = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", form, HTTP_HX_REQUEST="true")
        assert again.status_code == 200 and "This bid was already sent." in page_of(again)
    assert shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", form).status_code == 302
    lot.refresh_from_db()
    assert first.status_code == 200 and lot.current_price == price
    assert Bid.objects.filter(lot=lot, user=user, is_auto=False).count() == 1


def test_a_refused_bid_frees_its_key_and_says_why_with_409(shopper_client, user, lot):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "90", "key": "k"},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "Bid at least ¥100.00." in page_of(response)
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "100", "key": "k"},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and Bid.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1e12", "12.345", "", "NaN", "Infinity", "9" * 40])
def test_junk_bids_are_4xx_not_500(shopper_client, user, lot, amount):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": amount, "maximum": "x" * 5},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code in (409, 422) and 'id="bid-box"' in page_of(response)
    plain = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": amount})
    assert plain.status_code == 302
    assert not Bid.objects.exists()


def test_a_bad_bid_keeps_what_was_typed(shopper_client, lot):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "12.345", "key": "k"},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and 'value="12.345"' in page_of(response)


def test_bids_refused_by_the_rules_are_explained(shopper_client, user, make_auction, clock):
    lot = make_auction(deposit=D("100")).lots.get()
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "100"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "Pay the deposit before you bid." in page_of(response)
    clock.advance(timedelta(hours=2))
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "100"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "Bidding on this lot has ended." in page_of(response)


def test_bid_needs_log_in_and_csrf(visitor, shopper_client, lot):
    response = visitor.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "100"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = visitor.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "100"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "100"}, csrf=False).status_code == 403
    assert shopper_client.post("/auctions/lots/999999/bid/", {"amount": "100"}).status_code == 404
    assert shopper_client.post(f"/auctions/lots/{lot.pk}/bid/", {"amount": "10\x000"}).status_code == 400
    assert shopper_client.get(f"/auctions/lots/{lot.pk}/bid/").status_code == 405
    assert not Bid.objects.exists()


# --- deposits on the lot page --------------------------------------------------------------------
def test_lot_deposit_from_balance_opens_the_bid_form(shopper_client, user, fund, make_auction):
    fund(user, balance=100)
    lot = make_auction(lots=[{"deposit": D("50")}]).lots.get()
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/deposit/", {"scope": "lot", "method": "balance"},
                                   HTTP_HX_REQUEST="true")
    page = page_of(response)
    assert response.status_code == 200 and "Your deposit of ¥50.00 is held. You can bid now." in page
    assert 'id="id_amount"' in page and Deposit.objects.get(user=user).status == "held"
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/deposit/", {"scope": "lot", "method": "balance"},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "You have already paid this deposit." in page_of(response)


def test_lot_deposit_of_the_session_scope_and_online(shopper_client, user, make_auction):
    lot = make_auction(deposit=D("300")).lots.get()
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/deposit/", {"scope": "session", "method": "online"})
    deposit = Deposit.objects.get(user=user)
    assert deposit.lot is None and response["Location"] == deposit.order.get_absolute_url()
    page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert "Finish paying online" in page and deposit.order.get_absolute_url() in page


def test_lot_deposit_refusals_are_4xx(shopper_client, user, lot):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/deposit/", {"scope": "lot", "method": "balance"},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "This lot has no deposit of its own." in page_of(response)
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/deposit/", {"scope": "everything", "method": "balance"},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/deposit/", {"scope": "lot", "method": "balance"})
    assert response.status_code == 302 and not Deposit.objects.exists()


# --- comments ------------------------------------------------------------------------------------
def test_comment_appears_for_everyone_and_a_replay_posts_once(shopper_client, visitor, user, lot):
    for _ in range(2):
        response = shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "Lovely cake", "key": "c1"},
                                       HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    page = page_of(response)
    assert page.lstrip().startswith('<div id="comment-box"') and "Lovely cake" in page
    assert 'id="lot-comments"' in page and 'id="lot-live"' in page
    assert Comment.objects.filter(user=user).count() == 1
    assert "Lovely cake" in page_of(visitor.get(f"/auctions/lots/{lot.pk}/live/"))


def test_coloured_comment_costs_credits_and_bad_ones_are_4xx(shopper_client, user, fund, lot, settings):
    red = CommentColour.objects.create(name="Red", css="#d63384", price=D("5"))
    CommentColour.objects.create(name="Gone", css="#000000", price=D("5"), is_active=False)
    page = page_of(shopper_client.get(f"/auctions/lots/{lot.pk}/"))
    assert "Red · 5 gems" in page and "Gone" not in page
    fund(user, gem=10)
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "Look at me", "colour": red.pk},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "--comment-colour: #d63384" in page_of(response)
    for data in ({"text": ""}, {"text": "x" * 500}, {"text": "hi", "colour": "red"}, {"text": "hi", "colour": "999"}):
        response = shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", data, HTTP_HX_REQUEST="true")
        assert response.status_code == 422, data
    settings.BAZAAR_AUCTION_COMMENT_SECONDS = 60
    shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "one"}, HTTP_HX_REQUEST="true")
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "two"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "too fast" in page_of(response) and 'value="two"' in page_of(response)


def test_comment_without_js_and_without_log_in(visitor, shopper_client, lot):
    response = shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "Hello"})
    assert response.status_code == 302 and response["Location"] == f"/auctions/lots/{lot.pk}/#lot-comments"
    response = visitor.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "Hello"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert shopper_client.post(f"/auctions/lots/{lot.pk}/comments/", {"text": "x"}, csrf=False).status_code == 403


# --- my auctions ---------------------------------------------------------------------------------
def test_my_auctions_needs_log_in(client):
    response = client.get("/me/auctions/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_my_auctions_tabs(shopper_client, user, make_user, fund, make_auction, clock):
    from shop.auctions import settlement

    fund(user, balance=1000)
    session = make_auction(deposit=D("100"), lots=[{"title": "Won cake"}, {"title": "Lost cake"}, {"title": "Live"}])
    won, lost, live = session.lots.order_by("position")
    services.pay_deposit(user=user, session=session, online=False, now=clock.now())
    rival = make_user("rival")
    fund(rival, balance=1000)
    services.pay_deposit(user=rival, session=session, online=False, now=clock.now())
    bid(user, won, "300")
    bid(user, lost, "100")
    bid(rival, lost, "200")
    Lot.objects.filter(pk=live.pk).update(ends_at=session.ends_at + timedelta(minutes=10),
                                          hard_ends_at=session.ends_at + timedelta(minutes=30))
    bid(user, live, "100")
    clock.advance(timedelta(hours=1, minutes=1))
    settlement.settle_lot(won.pk, now=clock.now())
    settlement.settle_lot(lost.pk, now=clock.now())
    page = page_of(shopper_client.get("/me/auctions/"))  # something to pay: that tab first
    assert 'data-testid="order-to-pay"' in page and "Won cake" in page and "¥200.00" in page
    order = won.result.order
    assert f"/me/auctions/orders/{order.number}/pay/" in page and "Pay before" in page
    bids = page_of(shopper_client.get("/me/auctions/?tab=bids", HTTP_HX_REQUEST="true"))
    assert bids.lstrip().startswith('<section id="my-auctions"')
    assert bids.count('data-testid="my-bid"') == 3 and "Won" in bids and "Not won" in bids and "Leading" in bids
    assert "Won cake" in page_of(shopper_client.get("/me/auctions/?tab=won"))
    deposits = page_of(shopper_client.get("/me/auctions/?tab=deposits"))
    assert "Held" in deposits and "(whole session)" in deposits
    assert "Nothing to pay" not in page and shopper_client.get("/me/auctions/?tab=junk").status_code == 200


def test_my_auctions_empty_states(shopper_client):
    assert "You have not bid yet." in page_of(shopper_client.get("/me/auctions/"))
    assert "Nothing to pay." in page_of(shopper_client.get("/me/auctions/?tab=pay"))
    assert "No deposits." in page_of(shopper_client.get("/me/auctions/?tab=deposits"))


def test_account_menu_links_my_auctions(shopper_client):
    page = page_of(shopper_client.get("/me/auctions/"))
    assert 'href="/me/auctions/" aria-current="page"' in page and 'href="/auctions/"' in page
