"""The demo's gift draws (issue 11): alice owns a gift package and has a full-3 draw open; bob
joined it. Seeding twice changes nothing; --reset recreates it."""

from django.core.management import call_command

from shop.gifts.models import DrawStatus, GiftDraw, GiftHolding, Participant
from shop.orders.models import Order, OrderStatus


def test_demo_gift_draw(db):
    call_command("seed_demo")
    draw = GiftDraw.objects.get(giver__username="alice")
    assert (draw.method, draw.needed, draw.status, draw.participant_count) == ("full", 3, DrawStatus.OPEN, 1)
    assert Participant.objects.get(draw=draw).user.username == "bob"
    holding = GiftHolding.objects.get(user__username="alice")
    assert (holding.bought, holding.available, holding.in_draws) == (5, 3, 2)
    assert Order.objects.filter(user__username="alice", lines__units=5, status=OrderStatus.PAID).count() == 1
    call_command("seed_demo")
    assert GiftDraw.objects.count() == 1 and Participant.objects.count() == 1
    call_command("seed_demo", "--reset")
    assert GiftDraw.objects.count() == 1 and GiftHolding.objects.get(user__username="alice").bought == 5
