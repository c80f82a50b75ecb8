"""The gift-draw pages (SPEC §6, §11): creating, the share link's routing, joining, the winner's
address, closing, the QR code and "My gift draws" — CSRF enforced on every POST."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shop.accounts.models import Address
from shop.gifts import services
from shop.gifts.models import DrawStatus, GiftDraw, GiftHolding, Participant


@pytest.fixture
def client(csrf_client):
    return csrf_client


@pytest.fixture
def package(make_gift_package):
    return make_gift_package("Tea gift box", units=3)


@pytest.fixture
def giver(make_user, give_gifts, package):
    alice = make_user("alice")
    give_gifts(alice, package, 5)
    return alice


def make_draw(giver, package, clock, **terms):
    terms = {"gifts": 1, "method": "full", "needed": 2, "wish": "Enjoy!", **terms}
    return services.create_draw(user=giver, product_id=package.pk, now=clock.now(), **terms)


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


# --- creating ------------------------------------------------------------------------------------
def test_new_page_needs_log_in(client, db):
    response = client.get("/gifts/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_new_page_without_gifts_offers_packages(client, make_user, package):
    as_user(client, make_user("bob"))
    page = text(client.get("/gifts/new/"))
    assert "You have no gifts to hand out yet" in page and "Tea gift box" in page and "<form" not in page.split(
        "</nav>")[-1].split("<footer")[0]


def test_create_full_draw_reserves_units_and_shows_share_link(client, giver, package, clock):
    as_user(client, giver)
    page = text(client.get("/gifts/new/"))
    assert "Tea gift box — 5 available" in page
    response = client.post("/gifts/new/", {"package": package.pk, "gifts": 2, "wish": "For my friends",
                                           "method": "full", "needed": 4, "key": "k1"})
    draw = GiftDraw.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gifts/{draw.token}/"
    assert len(draw.token) >= 20 and draw.seed_hash and draw.needed == 4
    holding = GiftHolding.objects.get(user=giver)
    assert (holding.available, holding.in_draws) == (3, 2)
    page = text(client.get(response["Location"]))
    assert 'data-page="giver"' in page and f"/gifts/{draw.token}/" in page and "Copy" in page
    assert f'src="/gifts/{draw.token}/qr.svg"' in page and draw.seed_hash in page
    assert "Draws when 4 have joined" in page and "For my friends" in page


def test_replayed_create_form_makes_one_draw(client, giver, package):
    as_user(client, giver)
    data = {"package": package.pk, "gifts": 1, "wish": "Hi", "method": "direct", "key": "same-key"}
    first, second = client.post("/gifts/new/", data), client.post("/gifts/new/", data)
    assert first["Location"] == second["Location"]
    assert GiftDraw.objects.count() == 1 and GiftHolding.objects.get(user=giver).available == 4


@pytest.mark.parametrize("data, message", [
    ({"gifts": 9}, "You have 5 gifts of this package left."),
    ({"gifts": 0}, "Ensure this value is greater than or equal to 1."),
    ({"method": "full", "needed": ""}, "Say how many participants the draw waits for."),
    ({"method": "full", "needed": 1}, "Ensure this value is greater than or equal to 2."),
    ({"method": "full", "gifts": 3, "needed": 2}, "A full draw waits for 3 to 500 participants"),
    ({"method": "timed", "draws_at": ""}, "Pick when the draw happens."),
    ({"method": "timed", "draws_at": "2000-01-01T10:00"}, "Pick a draw time at least 5 minutes from now."),
    ({"wish": ""}, "This field is required."),
    ({"method": "bogus"}, "Select a valid choice."),
])
def test_create_refuses_bad_terms_with_a_message(client, giver, package, data, message):
    as_user(client, giver)
    response = client.post("/gifts/new/", {"package": package.pk, "gifts": 1, "wish": "Hi", "method": "direct",
                                           **data})
    assert response.status_code == 422 and message in text(response)
    assert not GiftDraw.objects.exists() and GiftHolding.objects.get(user=giver).available == 5


def test_create_timed_draw_in_local_time(client, giver, package, clock, local):
    as_user(client, giver)
    when = clock.now() + timedelta(hours=3)
    client.post("/gifts/new/", {"package": package.pk, "gifts": 2, "wish": "At dinner", "method": "timed",
                                "draws_at": local(when)})
    draw = GiftDraw.objects.get()
    assert abs((draw.draws_at - when).total_seconds()) < 60
    page = text(client.get(draw.get_absolute_url()))
    assert "Draws at" in page and "data-countdown" in page


def test_a_package_of_someone_else_cannot_be_used(client, make_user, giver, package):
    bob = make_user("bob")
    as_user(client, bob)
    response = client.post("/gifts/new/", {"package": package.pk, "gifts": 1, "wish": "Hi", "method": "direct"})
    assert response.status_code == 200 and "You have no gifts to hand out yet" in text(response)
    assert not GiftDraw.objects.exists()


# --- the share link's routing --------------------------------------------------------------------
def test_visitor_sees_giver_method_wish_and_join(client, giver, package, clock):
    draw = make_draw(giver, package, clock, needed=10, wish="Happy new year")
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="join"' in page and "alice is giving gifts away" in page
    assert "Draws when 10 have joined" in page and "Happy new year" in page and ">Join<" in page.replace(
        '<i class="bi bi-balloon-heart me-1" aria-hidden="true"></i>', "")
    assert "0 of 10 joined" in page


def test_unknown_or_absurd_token_is_404(client, db):
    assert client.get("/gifts/nope/").status_code == 404
    assert client.get("/gifts/" + "x" * 40 + "/").status_code == 404
    assert client.post("/gifts/nope/join/").status_code == 404


def test_joining_logged_out_goes_to_log_in_and_back(client, giver, package, clock):
    draw = make_draw(giver, package, clock)
    response = client.post(f"/gifts/{draw.token}/join/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=") and draw.token in response["Location"]
    assert not Participant.objects.exists()


def test_join_then_waiting_page(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, needed=3)
    as_user(client, make_user("bob"))
    response = client.post(f"/gifts/{draw.token}/join/")
    assert response.status_code == 302 and response["Location"] == draw.get_absolute_url()
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="waiting"' in page and "You are participant number 1." in page
    assert "You&#x27;re in! You are participant number 1." in page or "participant number 1" in page


def test_the_giver_cannot_join(client, giver, package, clock):
    draw = make_draw(giver, package, clock)
    as_user(client, giver)
    client.post(f"/gifts/{draw.token}/join/")
    assert not Participant.objects.exists()
    assert "You can&#x27;t join your own gift draw." in text(client.get(draw.get_absolute_url()))


def test_full_draw_draws_at_the_nth_join_and_shows_results(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, gifts=1, needed=2)
    bob, carol, dave = make_user("bob"), make_user("carol"), make_user("dave")
    services.join(draw_id=draw.pk, user=bob, now=clock.now())
    as_user(client, carol)
    client.post(f"/gifts/{draw.token}/join/")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    winner = Participant.objects.get(won=True)
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="result"' in page and draw.seed in page and 'data-testid="winner"' in page
    assert ("You won a gift!" in page) == (winner.user == carol)
    # someone who did not join sees the results, not a Join button
    as_user(client, dave)
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="result"' in page and "The winners are listed below." in page


def test_full_draw_that_is_full_is_closed_to_others(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, gifts=1, needed=2)
    GiftDraw.objects.filter(pk=draw.pk).update(participant_count=2)  # full, the draw not yet recorded
    as_user(client, make_user("erin"))
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="closed"' in page and "Enough people have joined already." in page
    client.post(f"/gifts/{draw.token}/join/")
    assert "This draw is full." in text(client.get(draw.get_absolute_url()))


def test_timed_draw_past_its_time_draws_on_first_read(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="timed", needed=None, gifts=2,
                     draws_at=clock.now() + timedelta(hours=1))
    bob = make_user("bob")
    services.join(draw_id=draw.pk, user=bob, now=clock.now())
    clock.advance(timedelta(hours=1))
    page = text(as_user(client, bob).get(draw.get_absolute_url()))  # neither the job nor the sweeper ran
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and 'data-page="result"' in page and "You won a gift!" in page
    assert GiftHolding.objects.get(user=giver).available == 3 + 1  # one of the two gifts came back


def test_timed_draw_refuses_joins_at_its_time(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="timed", needed=None, draws_at=clock.now() + timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    as_user(client, make_user("bob"))
    client.post(f"/gifts/{draw.token}/join/")
    assert not Participant.objects.exists()


def test_direct_gift_is_received_on_join_then_gone(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="direct", needed=None, gifts=1)
    page = text(client.get(draw.get_absolute_url()))
    assert "Direct gift" in page and "1 gift left" in page and "Fair by design" not in page
    as_user(client, make_user("bob"))
    client.post(f"/gifts/{draw.token}/join/")
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="won"' in page and "You won a gift!" in page and "Add an address" in page
    as_user(client, make_user("carol"))
    page = text(client.get(draw.get_absolute_url()))
    assert 'data-page="closed"' in page and "All the gifts have been handed out." in page


def test_an_open_draw_page_polls_its_state_and_refreshes_on_a_change(client, make_user, giver, package, clock,
                                                                     django_assert_num_queries):
    draw = make_draw(giver, package, clock, needed=3)
    page = text(client.get(draw.get_absolute_url()))
    assert f'hx-get="/gifts/{draw.token}/state/?v=open-0" hx-trigger="every 5s" hx-swap="none"' in page
    with django_assert_num_queries(1):
        unchanged = client.get(f"/gifts/{draw.token}/state/?v=open-0", headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and "HX-Refresh" not in unchanged
    services.join(draw_id=draw.pk, user=make_user("bob"), now=clock.now())
    changed = client.get(f"/gifts/{draw.token}/state/?v=open-0", headers={"HX-Request": "true"})
    assert changed.status_code == 200 and changed["HX-Refresh"] == "true"
    assert client.get("/gifts/nope/state/?v=open-0").status_code == 404
    for name in ("carol", "dave"):  # the third join draws it: a drawn page polls no more
        services.join(draw_id=draw.pk, user=make_user(name), now=clock.now())
    assert "state-poll" not in text(client.get(draw.get_absolute_url()))


def test_a_due_timed_draw_is_drawn_by_its_poll(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="timed", needed=None, draws_at=clock.now() + timedelta(hours=1))
    services.join(draw_id=draw.pk, user=make_user("bob"), now=clock.now())
    clock.advance(timedelta(hours=1))
    response = client.get(f"/gifts/{draw.token}/state/?v=open-1")
    draw.refresh_from_db()
    assert response["HX-Refresh"] == "true" and draw.status == DrawStatus.DRAWN


# --- the winner's address ------------------------------------------------------------------------
def test_winner_gives_an_address_from_the_address_book(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="direct", needed=None, gifts=2)
    bob = make_user("bob")
    home = Address.objects.create(user=bob, name="Bob", phone="13800000000", address="1 Tea Road", is_default=True)
    services.join(draw_id=draw.pk, user=bob, now=clock.now())
    as_user(client, bob)
    assert "1 Tea Road" in text(client.get(draw.get_absolute_url()))
    client.post(f"/gifts/{draw.token}/address/", {"address": home.pk})
    entry = Participant.objects.get(user=bob)
    assert entry.shipping == {"name": "Bob", "phone": "13800000000", "address": "1 Tea Road"}
    assert "We'll send it to Bob, 1 Tea Road." in text(client.get(draw.get_absolute_url()))


def test_address_of_someone_else_or_from_a_loser_is_refused(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="direct", needed=None, gifts=1)
    bob, carol = make_user("bob"), make_user("carol")
    carols = Address.objects.create(user=carol, name="Carol", phone="1", address="Elsewhere")
    services.join(draw_id=draw.pk, user=bob, now=clock.now())
    as_user(client, bob)
    client.post(f"/gifts/{draw.token}/address/", {"address": carols.pk})
    assert Participant.objects.get(user=bob).shipping is None
    assert client.post(f"/gifts/{draw.token}/address/", {"address": "x"}).status_code == 302
    as_user(client, carol)
    assert client.post(f"/gifts/{draw.token}/address/", {"address": carols.pk}).status_code == 404


def test_address_link_comes_back_to_the_draw(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="direct", needed=None, gifts=1)
    bob = make_user("bob")
    services.join(draw_id=draw.pk, user=bob, now=clock.now())
    as_user(client, bob)
    response = client.post(f"/me/addresses/new/?next={draw.get_absolute_url()}",
                           {"name": "Bob", "phone": "13800000000", "address": "1 Tea Road",
                            "next": draw.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == draw.get_absolute_url()
    evil = client.post("/me/addresses/new/", {"name": "B", "phone": "13800000001", "address": "x",
                                                 "next": "https://evil.example/"})
    assert evil["Location"] == "/me/addresses/"


# --- closing, QR, my gift draws ------------------------------------------------------------------
def test_giver_closes_a_direct_gift_and_gets_the_rest_back(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="direct", needed=None, gifts=3)
    services.join(draw_id=draw.pk, user=make_user("bob"), now=clock.now())
    as_user(client, make_user("mallory"))
    assert client.post(f"/gifts/{draw.token}/close/").status_code == 404
    as_user(client, giver)
    page = text(client.get(draw.get_absolute_url()))
    assert "Close and take back the rest" in page and "onclick" not in page  # the CSP allows no inline handlers
    assert "data-confirm=\"Close this draw and take back the gifts nobody has received?\"" in page
    client.post(f"/gifts/{draw.token}/close/")
    draw.refresh_from_db()
    holding = GiftHolding.objects.get(user=giver)
    assert draw.status == DrawStatus.CLOSED and (holding.available, holding.in_draws, holding.given) == (4, 0, 1)
    assert "You closed this draw; 2 gifts came back to your gifts." in text(client.get(draw.get_absolute_url()))


def test_giver_sees_the_outcome_of_a_drawn_draw(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="timed", needed=None, gifts=3,
                     draws_at=clock.now() + timedelta(hours=1))
    services.join(draw_id=draw.pk, user=make_user("bob"), now=clock.now())
    clock.advance(timedelta(hours=1))
    page = text(as_user(client, giver).get(draw.get_absolute_url()))
    assert "Done: 1 gift has found its winner. 2 came back to your gifts." in page


def test_qr_code_is_an_svg_of_the_share_link(client, giver, package, clock):
    draw = make_draw(giver, package, clock)
    response = client.get(f"/gifts/{draw.token}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"<path" in response.content


def test_my_gift_draws_tabs(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, needed=3)
    bob = make_user("bob")
    services.join(draw_id=draw.pk, user=bob, now=clock.now())
    as_user(client, giver)
    page = text(client.get("/me/gifts/"))
    assert 'data-testid="my-holdings"' in page and "Tea gift box" in page
    assert 'data-testid="given-draw"' in text(client.get("/me/gifts/?tab=given"))
    partial = client.get("/me/gifts/?tab=joined", headers={"HX-Request": "true"})
    assert "<html" not in text(partial) and "You have not joined a gift draw yet." in text(partial)
    as_user(client, bob)
    page = text(client.get("/me/gifts/?tab=joined"))
    assert 'data-testid="joined-draw"' in page and "Waiting for the draw" in page
    assert client.get("/me/gifts/?tab=bogus").status_code == 200


def test_hub_lists_packages(client, package, giver):
    page = text(client.get("/gifts/"))
    assert "Gift draws" in page and "Tea gift box" in page and "3 gifts in the package" in page
    as_user(client, giver)
    assert "You have 5 gifts to hand out." in text(client.get("/gifts/"))


def test_draw_page_query_count_is_bounded(client, make_user, giver, package, clock, django_assert_max_num_queries):
    draw = make_draw(giver, package, clock, gifts=1, needed=40)
    for i in range(30):
        services.join(draw_id=draw.pk, user=make_user(f"p{i}"), now=clock.now())
    with django_assert_max_num_queries(12):
        client.get(draw.get_absolute_url())


def test_a_big_draw_names_the_first_200_and_reveals_every_number(client, make_user, giver, package, clock):
    draw = make_draw(giver, package, clock, method="timed", needed=None, gifts=2,
                     draws_at=clock.now() + timedelta(hours=1))
    users = [make_user(f"crowd{i}") for i in range(205)]
    for user in users:
        services.join(draw_id=draw.pk, user=user, now=clock.now())
    clock.advance(timedelta(hours=1))
    page = text(client.get(draw.get_absolute_url()))
    assert page.count('<span class="text-secondary font-monospace me-2">#') == 200 and "and 5 more" in page
    assert 'id="numbers">' + ",".join(str(n) for n in range(1, 206)) + "<" in page


# --- verification ------------------------------------------------------------------------------
def test_verify_command_recomputes_and_catches_tampering(make_user, giver, package, clock, capsys):
    draw = make_draw(giver, package, clock, gifts=2, needed=5)
    for name in "bcdef":
        services.join(draw_id=draw.pk, user=make_user(name * 3), now=clock.now())
    call_command("verify_gift_draw", draw.token)
    assert "OK:" in capsys.readouterr().out
    loser = Participant.objects.filter(draw=draw, won=False).first()
    winner = Participant.objects.filter(draw=draw, won=True).first()
    Participant.objects.filter(pk=winner.pk).update(won=False)
    Participant.objects.filter(pk=loser.pk).update(won=True)
    with pytest.raises(CommandError, match="FAILED"):
        call_command("verify_gift_draw", draw.token)
    with pytest.raises(CommandError, match="No gift draw"):
        call_command("verify_gift_draw", "missing")
