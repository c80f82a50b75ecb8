"""A gift draw in the backoffice: what it shows (the seed only once drawn), its participants,
and marking a winner's gift sent (audited, the winner notified, once, refused without an address)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from shop.core.audit import AuditLog
from shop.gifts import services
from shop.gifts.models import Participant
from shop.notifications.models import Notification
from tests.backoffice.test_csrf_forms import untokened_post_forms

from ..auctions.conftest import HTMX


def _url(draw):
    return reverse("backoffice:gifts:detail", args=[draw.pk])


def test_detail_shows_the_draw(operator_client, make_draw, join, give_address):
    draw = make_draw("direct", gifts=2, wish="For my tea friends")
    ann, bob = join(draw, "ann", "bob")
    give_address(ann)
    page = operator_client.get(_url(draw)).content.decode()
    assert 'data-testid="giver">generous<' in page and "For my tea friends" in page and "Oolong tea box" in page
    assert draw.token in page and f"/gifts/{draw.token}/" in page  # the share link
    assert "Direct gift" in page and "a direct gift is handed out in joining order" in page
    assert page.count('data-testid="participant-row"') == 2 and page.count('data-testid="winner"') == 2
    assert "Ann Lee · 13800000000" in page and "1 Tea Road, Hangzhou" in page
    assert page.count('data-testid="mark-sent"') == 1  # bob has not given an address yet
    assert not untokened_post_forms(page)


def test_seed_is_hidden_until_the_draw_then_revealed(operator_client, make_draw, join):
    draw = make_draw("full", gifts=1, needed=2)
    join(draw, "ann")
    page = operator_client.get(_url(draw)).content.decode()
    assert draw.seed_hash in page and draw.seed not in page and "Revealed after the draw." in page
    join(draw, "bob")  # the second of two: drawn at once
    draw.refresh_from_db()
    assert draw.status == "drawn"
    page = operator_client.get(_url(draw)).content.decode()
    assert draw.seed_hash in page and draw.seed in page and "Revealed after the draw." not in page
    assert page.count('data-testid="winner"') == 1


def test_a_due_timed_draw_keeps_its_seed_until_it_is_drawn(operator_client, make_draw, join, clock):
    draw = make_draw("timed", gifts=1, in_minutes=10)
    join(draw, "ann")
    clock.advance(timedelta(minutes=15))
    page = operator_client.get(_url(draw)).content.decode()
    assert 'data-testid="state">Drawing (due)<' in page and draw.seed not in page
    services.draw_now(draw.pk, now=clock.now())
    page = operator_client.get(_url(draw)).content.decode()
    assert 'data-testid="state">Drawn<' in page and draw.seed in page


def test_participants_are_paginated_and_refresh_with_htmx(operator_client, make_draw, join):
    draw = make_draw("full", gifts=1, needed=60)
    join(draw, *[f"p{i}" for i in range(55)])
    page = operator_client.get(_url(draw)).content.decode()
    assert page.count('data-testid="participant-row"') == 50
    response = operator_client.get(_url(draw) + "?page=2", **HTMX)
    content = response.content.decode()
    assert content.startswith('<div id="table">') and content.count('data-testid="participant-row"') == 5


def test_detail_query_count_does_not_grow(operator_client, make_draw, join, give_address,
                                          django_assert_max_num_queries):
    draw = make_draw("direct", gifts=30)
    for entry in join(draw, *[f"w{i}" for i in range(3)]):
        give_address(entry)
    with django_assert_max_num_queries(14) as few:
        operator_client.get(_url(draw))
    for entry in join(draw, *[f"x{i}" for i in range(20)]):
        give_address(entry)
    with django_assert_max_num_queries(len(few.captured_queries)):
        operator_client.get(_url(draw))


def test_unknown_draw_is_404(operator_client, db):
    assert operator_client.get(reverse("backoffice:gifts:detail", args=[987654])).status_code == 404


# --- mark sent -----------------------------------------------------------------------------------
@pytest.fixture
def winner(make_draw, join, give_address):
    draw = make_draw("direct", gifts=2)
    entry = join(draw, "ann")[0]
    give_address(entry)
    return entry


def _sent(client, entry, tracking="SF123456", **data):
    return client.post(_url(entry.draw), {"participant": entry.pk, "tracking": tracking, **data})


def test_mark_sent_audits_and_notifies_the_winner(operator_client, operator, winner, clock):
    response = _sent(operator_client, winner)
    assert response.status_code == 302 and response["Location"] == _url(winner.draw)
    winner.refresh_from_db()
    assert winner.shipped_at == clock.now() and winner.tracking == "SF123456"
    log = AuditLog.objects.get(action="gift.sent")
    assert log.actor == operator and log.target_id == str(winner.draw_id)
    assert log.after == {"sent": "ann", "tracking": "SF123456"}
    note = Notification.objects.filter(user=winner.user).latest("id")
    assert "on its way" in note.shown_title and "SF123456" in note.shown_body
    page = operator_client.get(_url(winner.draw)).content.decode()
    assert 'data-testid="mark-sent"' not in page and "SF123456" in page


def test_mark_sent_twice_changes_nothing_the_second_time(operator_client, winner, clock):
    _sent(operator_client, winner)
    first = Participant.objects.get(pk=winner.pk).shipped_at
    clock.advance(timedelta(hours=1))
    response = _sent(operator_client, winner, tracking="OTHER")
    assert response.status_code == 302
    winner.refresh_from_db()
    assert winner.shipped_at == first and winner.tracking == "SF123456"
    assert AuditLog.objects.filter(action="gift.sent").count() == 1
    assert Notification.objects.filter(user=winner.user, key="gifts.sent").count() == 1


def test_mark_sent_without_tracking(operator_client, winner):
    assert _sent(operator_client, winner, tracking="").status_code == 302
    winner.refresh_from_db()
    assert winner.shipped_at is not None and winner.tracking == ""


def test_mark_sent_is_refused_without_an_address(operator_client, make_draw, join):
    draw = make_draw("direct", gifts=1)
    entry = join(draw, "ann")[0]
    response = _sent(operator_client, entry)
    assert response.status_code == 409
    assert 'data-testid="error">The winner has not given an address yet.<' in response.content.decode()
    entry.refresh_from_db()
    assert entry.shipped_at is None and not AuditLog.objects.filter(action="gift.sent").exists()


def test_mark_sent_is_refused_for_a_participant_who_did_not_win(operator_client, make_draw, join):
    draw = make_draw("full", gifts=1, needed=2)
    entries = join(draw, "ann", "bob")
    loser = next(e for e in entries if not Participant.objects.get(pk=e.pk).won)
    assert _sent(operator_client, loser).status_code == 409
    assert not Participant.objects.filter(shipped_at__isnull=False).exists()


def test_mark_sent_of_another_draws_participant_or_junk(operator_client, winner, make_draw):
    other = make_draw("direct")
    assert operator_client.post(_url(other), {"participant": winner.pk}).status_code == 404
    assert operator_client.post(_url(other), {"participant": "987654"}).status_code == 404
    for junk in ({"participant": "x"}, {"participant": "99999999999999999999"}, {},
                 {"participant": winner.pk, "tracking": "T" * 81}):
        assert operator_client.post(_url(winner.draw), junk).status_code == 400, junk
    winner.refresh_from_db()
    assert winner.shipped_at is None


def test_mark_sent_goes_back_to_the_page_it_came_from(operator_client, winner):
    back = _url(winner.draw) + "?page=1&sort=-joined_at"
    response = _sent(operator_client, winner, next=back)
    assert response["Location"] == back
    response = _sent(operator_client, winner, next="https://evil.example/")
    assert response["Location"] == _url(winner.draw)


def test_mark_sent_needs_the_csrf_token_and_the_area(winner, staff_without_areas, operator):
    from tests.conftest import CsrfClient

    client = CsrfClient()
    client.force_login(operator)
    assert client.post(_url(winner.draw), {"participant": winner.pk}, csrf=False).status_code == 403
    plain = CsrfClient(raise_request_exception=False)
    plain.force_login(staff_without_areas)
    assert plain.post(_url(winner.draw), {"participant": winner.pk}).status_code == 403
    winner.refresh_from_db()
    assert winner.shipped_at is None
