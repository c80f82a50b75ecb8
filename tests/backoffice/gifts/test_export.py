"""The winners CSV: one row per winner with where to send the gift, filtered by draw and by
where the gift is; formula-looking cells quoted; junk filters refused."""

import csv
import io

from django.urls import reverse

from shop.gifts import services

EXPORT = reverse("backoffice:gifts:export")


def _rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_winners_csv(operator_client, make_draw, join, give_address, operator, clock):
    draw = make_draw("direct", gifts=3)
    ann, bob, cy = join(draw, "ann", "bob", "cy")
    give_address(ann, name="=HYPERLINK(\"x\")", address="2 Leaf Lane")
    give_address(bob, name="Bob Wu")
    services.mark_sent(participant_id=bob.pk, operator=operator, tracking="YT1", now=clock.now())
    other = make_draw("full", gifts=1, needed=2)
    join(other, "dee", "eve")  # drawn: one winner, no address yet
    header, *rows = _rows(operator_client.get(EXPORT))
    assert header == ["draw", "token", "package", "winner", "name", "phone", "address", "address_given_at",
                      "sent_at", "tracking"]
    assert [r[3] for r in rows] == ["ann", "bob", "cy", rows[3][3]] and rows[3][3] in ("dee", "eve")
    by_winner = {r[3]: r for r in rows}
    assert by_winner["ann"][:3] == [str(draw.pk), draw.token, "Oolong tea box"]
    assert by_winner["ann"][4] == "'=HYPERLINK(\"x\")" and by_winner["ann"][6] == "2 Leaf Lane"
    assert by_winner["bob"][8] and by_winner["bob"][9] == "YT1"
    assert by_winner["cy"][4:10] == ["", "", "", "", "", ""]

    assert [r[3] for r in _rows(operator_client.get(EXPORT, {"status": "to_send"}))[1:]] == ["ann"]
    assert [r[3] for r in _rows(operator_client.get(EXPORT, {"status": "sent"}))[1:]] == ["bob"]
    no_address = [r[3] for r in _rows(operator_client.get(EXPORT, {"status": "no_address"}))[1:]]
    assert no_address[0] == "cy" and len(no_address) == 2
    assert [r[3] for r in _rows(operator_client.get(EXPORT, {"draw": other.pk}))[1:]] == [rows[3][3]]


def test_the_list_and_the_draw_link_to_their_csv(operator_client, make_draw):
    draw = make_draw("direct")
    assert f'href="{EXPORT}?status=to_send"' in operator_client.get(reverse("backoffice:gifts:list")).content.decode()
    page = operator_client.get(reverse("backoffice:gifts:detail", args=[draw.pk])).content.decode()
    assert f'href="{EXPORT}?draw={draw.pk}"' in page


def test_junk_filters_are_refused_not_everything(operator_client, make_draw):
    make_draw("direct")
    for junk in ({"draw": "abc"}, {"draw": "99999999999999999999"}, {"draw": "1.5"}, {"status": "lost"}):
        response = operator_client.get(EXPORT, junk)
        assert response.status_code == 400, junk
