"""Backoffice gift draws: the list (status by the clock, filters, bounded queries), who may see
the area, the sidebar and the dashboard's "gifts to send"."""

from datetime import timedelta

import pytest
from django.urls import reverse

from shop.gifts import services
from tests.conftest import CsrfClient

from ..auctions.conftest import HTMX

LIST = reverse("backoffice:gifts:list")


def _rows(response) -> int:
    return response.content.decode().count('data-testid="draw-row"')


def test_table_shows_each_column(operator_client, make_draw, join, give_address, giver):
    full = make_draw("full", gifts=1, needed=2)
    timed = make_draw("timed", gifts=3, in_minutes=60)
    direct = make_draw("direct", gifts=2)
    give_address(join(direct, "ann")[0])
    join(full, "bob")
    page = operator_client.get(LIST).content.decode()
    assert _rows(operator_client.get(LIST)) == 3
    assert "Draw when 2 joined" in page and "Draw at " in page and "Direct gift" in page
    assert "generous" in page and "Oolong tea box" in page
    assert "1 / 2" in page  # a full draw's participants out of those it waits for
    assert page.count('data-testid="to-send"') == 1 and "1 to send" in page
    for draw in (full, timed, direct):
        assert reverse("backoffice:gifts:detail", args=[draw.pk]) in page


def test_a_timed_draw_past_its_time_shows_as_drawing_until_drawn(operator_client, make_draw, join, clock):
    timed = make_draw("timed", gifts=1, in_minutes=10)
    join(timed, "ann")
    assert 'data-testid="state">Open<' in operator_client.get(LIST).content.decode()
    clock.advance(timedelta(minutes=11))  # the job has not run: still "open" in the database
    timed.refresh_from_db()
    assert timed.status == "open"
    page = operator_client.get(LIST).content.decode()
    assert 'data-testid="state">Drawing (due)<' in page
    assert _rows(operator_client.get(LIST + "?status=due")) == 1
    assert _rows(operator_client.get(LIST + "?status=open")) == 0
    services.draw_now(timed.pk, now=clock.now())
    assert 'data-testid="state">Drawn<' in operator_client.get(LIST).content.decode()
    assert _rows(operator_client.get(LIST + "?status=drawn")) == 1


@pytest.mark.parametrize("query, shown", [
    ("q=generous", {"full", "timed", "direct", "closed"}),
    ("q=oolong", {"full", "timed", "direct", "closed"}),
    ("q=nobody", set()),
    ("method=full", {"full"}),
    ("method=timed", {"timed"}),
    ("status=open", {"full", "timed"}),
    ("status=drawn", {"direct"}),
    ("status=closed", {"closed"}),
    ("to_send=true", {"direct"}),
    ("to_send=false", {"full", "timed", "closed"}),
])
def test_filters(operator_client, make_draw, join, give_address, clock, giver, query, shown):
    draws = {"full": make_draw("full", gifts=2, needed=3), "timed": make_draw("timed", gifts=1, in_minutes=60),
             "direct": make_draw("direct", gifts=1), "closed": make_draw("direct", gifts=1, wish="Never mind")}
    services.close(draw_id=draws["closed"].pk, user=giver, now=clock.now())
    give_address(join(draws["direct"], "ann")[0])  # the direct draw's only gift: drawn, one to send
    page = operator_client.get(f"{LIST}?{query}").content.decode()
    found = {name for name, draw in draws.items()
             if reverse("backoffice:gifts:detail", args=[draw.pk]) in page}
    assert found == shown


def test_search_finds_a_draw_by_its_token(operator_client, make_draw):
    draw, other = make_draw("direct"), make_draw("direct")
    page = operator_client.get(LIST, {"q": draw.token}).content.decode()
    assert reverse("backoffice:gifts:detail", args=[draw.pk]) in page
    assert reverse("backoffice:gifts:detail", args=[other.pk]) not in page


def test_htmx_gets_just_the_table(operator_client, make_draw):
    make_draw("direct")
    response = operator_client.get(LIST + "?method=direct", **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.startswith('<div id="table">') and "<nav" not in content


def test_table_query_count_does_not_grow(operator_client, make_draw, join, give_address, clock,
                                         django_assert_max_num_queries):
    def more(n):
        for _ in range(n):
            draw = make_draw("direct", gifts=1)
            give_address(join(draw, f"winner{draw.pk}")[0])
            make_draw("timed", gifts=1, in_minutes=30)

    more(2)
    with django_assert_max_num_queries(12) as few:
        assert operator_client.get(LIST).status_code == 200
    more(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = operator_client.get(LIST)
    assert _rows(response) == 20


@pytest.mark.parametrize("who, code", [("shopper", 403), ("staff without the area", 403), ("anonymous", 302)])
def test_outsiders_are_refused(make_draw, make_user, staff_without_areas, who, code):
    draw = make_draw("direct")
    client = CsrfClient(raise_request_exception=False)
    if who == "shopper":
        client.force_login(make_user("prober"))
    elif who != "anonymous":
        client.force_login(staff_without_areas)
    for url in (LIST, reverse("backoffice:gifts:detail", args=[draw.pk]), reverse("backoffice:gifts:export")):
        response = client.get(url)
        assert response.status_code == code, url
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]


def test_staff_with_just_this_area_get_in(make_user, make_draw):
    from django.contrib.auth.models import Permission

    staff = make_user("giftdesk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_giftdraw", content_type__app_label="gifts"))
    client = CsrfClient()
    client.force_login(staff)
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("backoffice:auctions:list"), follow=False).status_code == 403


def test_the_sidebar_leads_here_and_the_dashboard_counts_gifts_to_send(operator_client, make_draw, join,
                                                                       give_address):
    draw = make_draw("direct", gifts=3)
    ann, bob, _cy = join(draw, "ann", "bob", "cy")
    give_address(ann)
    give_address(bob)
    page = operator_client.get(reverse("backoffice:dashboard")).content.decode()
    assert f'href="{LIST}"' in page  # no longer "soon"
    assert f'href="{LIST}?to_send=true" data-testid="gifts-to-send">2 gifts to send<' in page
    page = operator_client.get(LIST).content.decode()
    assert 'aria-current="page"' in page and 'data-testid="to-send-count">2<' in page
