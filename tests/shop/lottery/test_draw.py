"""Draw rules of SPEC §5, through the real service."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from shop.lottery import services
from shop.lottery.models import RANDOM_BITS, Draw, Entry, Outcome, Prize, PrizeOrder, PrizeOrderStatus
from shop.wallet.models import LedgerEntry


def _draw(user, campaign, clock):
    return services.draw(user=user, campaign_id=campaign.pk, now=clock.now())


def _gems(user):
    user.wallet.refresh_from_db()
    return user.wallet.gem


def test_free_chances_first_then_the_draw_cost(user, fund, make_campaign, clock):
    fund(user, gem=25)
    campaign = make_campaign(free_chances=2, draw_cost=Decimal("10"), prizes=[{"stock_left": 100}])
    first, second, third = (_draw(user, campaign, clock) for _ in range(3))
    assert (first.free, second.free, third.free) == (True, True, False)
    assert third.cost == Decimal("10.00") and third.asset == "gem"
    assert _gems(user) == Decimal("15.00")
    entry = Entry.objects.get(campaign=campaign, user=user)
    assert (entry.draws, entry.free_used) == (3, 2)
    assert LedgerEntry.objects.filter(wallet__user=user, asset="gem", amount=Decimal("-10.00")).count() == 1


def test_not_enough_credits_refuses_and_changes_nothing(user, fund, make_campaign, clock):
    fund(user, gem=5)
    campaign = make_campaign(draw_cost=Decimal("10"), prizes=[{}])
    with pytest.raises(services.DomainError) as refused:
        _draw(user, campaign, clock)
    assert refused.value.code == "insufficient"
    assert not Draw.objects.exists() and not Entry.objects.filter(draws__gt=0).exists()
    assert Prize.objects.get().stock_left == 10


@pytest.mark.parametrize(("fields", "moment", "code"), [
    ({}, -timedelta(days=2), "not_started"),
    ({}, timedelta(days=8), "ended"),
    ({"is_paused": True}, timedelta(0), "paused"),
    ({"members_only": True}, timedelta(0), "members_only"),
    ({"verified_only": True}, timedelta(0), "verified_only"),
    ({"phone_required": True}, timedelta(0), "phone_required"),
])
def test_window_pause_and_eligibility_refuse_by_the_clock(user, make_campaign, clock, fields, moment, code):
    campaign = make_campaign(free_chances=1, prizes=[{}], **fields)
    clock.advance(moment)
    with pytest.raises(services.Refused) as refused:
        _draw(user, campaign, clock)
    assert refused.value.code == code and not Draw.objects.exists()


def test_eligible_shopper_passes_every_rule(make_user, make_campaign, clock):
    shopper = make_user(is_member=True, is_verified=True, phone="+86 138 0000 0009")
    campaign = make_campaign(free_chances=1, members_only=True, verified_only=True, phone_required=True,
                             prizes=[{}])
    assert _draw(shopper, campaign, clock).outcome == Outcome.WON


def test_draw_limit_per_shopper(user, make_campaign, clock):
    campaign = make_campaign(free_chances=5, draw_limit=2, prizes=[{"stock_left": 100}])
    _draw(user, campaign, clock)
    _draw(user, campaign, clock)
    with pytest.raises(services.Refused) as refused:
        _draw(user, campaign, clock)
    assert refused.value.code == "draw_limit"


def test_win_limit_excludes_the_prize_for_that_shopper(user, make_campaign, clock):
    campaign = make_campaign(free_chances=10, prizes=[
        {"title": "Phone", "weight": 1000, "win_limit": 1}, {"title": "Sticker", "weight": 1, "stock_left": 50}])
    outcomes = [_draw(user, campaign, clock).prize.title for _ in range(4)]
    assert outcomes.count("Phone") == 1 and outcomes[0] == "Phone"


def test_prize_without_stock_is_never_a_candidate(user, make_campaign, clock):
    campaign = make_campaign(free_chances=30, prizes=[
        {"title": "Gone", "weight": 1000, "stock_left": 0}, {"title": "Left", "weight": 1, "stock_left": 30}])
    assert {_draw(user, campaign, clock).prize.title for _ in range(30)} == {"Left"}
    with pytest.raises(services.Refused) as refused:
        _draw(user, campaign, clock)
    assert refused.value.code == "sold_out"
    assert Prize.objects.get(title="Left").stock_left == 0


def test_picked_prize_that_cannot_be_granted_falls_back_to_the_consolation_prize(user, make_campaign, clock,
                                                                                  monkeypatch):
    campaign = make_campaign(free_chances=2, prizes=[
        {"title": "Phone", "weight": 1, "stock_left": 1},
        {"title": "Thanks", "weight": 0, "stock_left": 5, "is_default": True, "grant": "credits",
         "asset": "gold", "amount": Decimal("1")}])
    phone = Prize.objects.get(title="Phone")
    real_take = services._take_stock

    def stock_gone_meanwhile(prize_id):  # another shopper took the last one after we read it
        if prize_id == phone.pk:
            Prize.objects.filter(pk=prize_id).update(stock_left=0)
        return real_take(prize_id)

    monkeypatch.setattr(services, "_take_stock", stock_gone_meanwhile)
    draw = _draw(user, campaign, clock)
    assert draw.picked_id == phone.pk and draw.prize.title == "Thanks" and draw.outcome == Outcome.CONSOLATION
    assert services.replay(draw) == services.Replay(picked_id=phone.pk, matches=True, fell_back=True)
    assert _gold(user) == Decimal("1.00")


def _gold(user):
    user.wallet.refresh_from_db()
    return user.wallet.gold


def test_no_prize_this_time_without_a_consolation_prize(user, make_campaign, clock):
    campaign = make_campaign(free_chances=2, prizes=[{"weight": 0, "stock_left": 3}])
    draw = _draw(user, campaign, clock)
    assert draw.outcome == Outcome.NOTHING and draw.prize is None and draw.candidates == []
    assert not PrizeOrder.objects.exists()


def test_virtual_prizes_are_granted_at_once(user, make_campaign, make_coupon, clock):
    from shop.lottery.models import CodePool, RedeemCode

    pool = CodePool.objects.create(name="Streaming")
    RedeemCode.objects.create(pool=pool, code="ABC-123")
    coupon = make_coupon(quantity=5, claim_opens_at=clock.now() + timedelta(days=3),
                         claim_closes_at=clock.now() + timedelta(days=4))
    campaign = make_campaign(free_chances=3, prizes=[
        {"title": "Gems", "grant": "credits", "asset": "gem", "amount": Decimal("50"), "stock_left": 1,
         "weight": 1000},
        {"title": "Coupon", "grant": "coupon", "coupon": coupon, "stock_left": 1, "weight": 10},
        {"title": "Code", "grant": "code", "pool": pool, "stock_left": 1, "weight": 1}])
    orders = [_draw(user, campaign, clock).order for _ in range(3)]
    assert {o.status for o in orders} == {PrizeOrderStatus.FULFILLED}
    assert _gems(user) == Decimal("50.00")
    assert {o.prize.title for o in orders} == {"Gems", "Coupon", "Code"}
    by_title = {o.prize.title: o for o in orders}
    assert by_title["Code"].code.code == "ABC-123" and by_title["Code"].code.user == user
    assert by_title["Coupon"].claimed_coupon.user == user  # outside the claim window: a prize, not a claim
    coupon.refresh_from_db()
    assert coupon.claimed == 1


def test_code_prize_with_an_empty_pool_is_not_granted(user, make_campaign, clock):
    from shop.lottery.models import CodePool

    pool = CodePool.objects.create(name="Empty")
    campaign = make_campaign(free_chances=1, prizes=[
        {"title": "Code", "grant": "code", "pool": pool, "stock_left": 5, "weight": 1}])
    draw = _draw(user, campaign, clock)
    assert draw.outcome == Outcome.NOTHING
    assert Prize.objects.get().stock_left == 5  # the savepoint gave the stock back


def test_physical_prize_waits_for_details_then_notifies(user, make_campaign, clock):
    from shop.notifications.models import Notification

    campaign = make_campaign(free_chances=1, prizes=[{"title": "Bike"}])
    order = _draw(user, campaign, clock).order
    assert order.status == PrizeOrderStatus.TO_CLAIM
    with pytest.raises(services.Refused):
        services.submit_details(user=user, number=order.number, recipient="Ann", id_card="110101199003070000",
                                phone="13800000000", address="1 Road", now=clock.now())
    services.submit_details(user=user, number=order.number, recipient="Ann", id_card="11010119900307803x",
                            phone="13800000000", address="1 Road", now=clock.now())
    order.refresh_from_db()
    assert order.status == PrizeOrderStatus.CLAIMED and order.id_card == "110***********803X"
    with pytest.raises(services.Refused) as again:
        services.submit_details(user=user, number=order.number, recipient="Ann", id_card="11010119900307803X",
                                phone="13800000000", address="1 Road", now=clock.now())
    assert again.value.code == "already_claimed"
    titles = list(Notification.objects.filter(user=user).values_list("title", flat=True))
    assert titles == ["We have your details for Bike", "You won: Bike"]


def test_someone_elses_prize_order_is_missing(user, other_user, make_campaign, clock):
    campaign = make_campaign(free_chances=1, prizes=[{}])
    order = _draw(user, campaign, clock).order
    with pytest.raises(services.Refused) as refused:
        services.submit_details(user=other_user, number=order.number, recipient="x", id_card="11010119900307803X",
                                phone="13800000000", address="y", now=clock.now())
    assert refused.value.code == "missing"


def test_pick_follows_weights_exactly_in_integer_arithmetic():
    candidates = [[1, 1], [2, 3]]
    top = 2 ** 53
    assert services.pick(candidates, 0) == 1
    assert services.pick(candidates, top // 4 - 1) == 1
    assert services.pick(candidates, top // 4) == 2
    assert services.pick(candidates, top - 1) == 2
    assert services.pick([], 5) is None


def test_published_odds_use_prizes_with_stock():
    prizes = [Prize(pk=1, weight=1, stock_left=1), Prize(pk=2, weight=3, stock_left=1),
              Prize(pk=3, weight=100, stock_left=0)]
    assert services.published_odds(prizes) == {1: Decimal("25.00"), 2: Decimal("75.00")}


def test_replay_of_many_draws_matches(user, make_campaign, clock):
    campaign = make_campaign(free_chances=20, prizes=[{"weight": w, "stock_left": 20} for w in (1, 2, 5)])
    draws = [_draw(user, campaign, clock) for _ in range(20)]
    assert all(services.replay(d).matches and not services.replay(d).fell_back for d in draws)
    assert Counter(d.outcome for d in draws) == {Outcome.WON: 20}
    # Each draw takes its own value from the system's generator, across the whole range.
    values = [d.random_value for d in draws]
    assert len(set(values)) == 20 and all(0 <= v < 2 ** RANDOM_BITS for v in values)
    assert max(values) >= 2 ** (RANDOM_BITS - 8)


def test_exchange_takes_credits_and_stock_together(user, fund, make_campaign, clock):
    fund(user, gold=30)
    make_campaign(kind="exchange", draw_asset="gold", prizes=[
        {"title": "Mug", "price": Decimal("20"), "stock_left": 1}, {"title": "Pen", "price": Decimal("5"),
                                                                  "stock_left": 5, "win_limit": 1}])
    mug, pen = Prize.objects.order_by("position")
    order = services.exchange(user=user, prize_id=mug.pk, now=clock.now())
    assert order.cost == Decimal("20.00") and order.status == PrizeOrderStatus.TO_CLAIM
    with pytest.raises(services.Refused) as sold_out:
        services.exchange(user=user, prize_id=mug.pk, now=clock.now())
    assert sold_out.value.code == "sold_out"
    services.exchange(user=user, prize_id=pen.pk, now=clock.now())
    with pytest.raises(services.Refused) as limit:
        services.exchange(user=user, prize_id=pen.pk, now=clock.now())
    assert limit.value.code == "win_limit"
    assert _gold(user) == Decimal("5.00")


def test_gift_codes_one_per_member_and_a_replay_gives_the_same_code(make_user, clock):
    from shop.lottery.models import CodePool, RedeemCode

    pool = CodePool.objects.create(name="Gift", members_gift=True)
    RedeemCode.objects.bulk_create([RedeemCode(pool=pool, code=f"C{i}") for i in range(2)])
    member, other, stranger = make_user(is_member=True), make_user(is_member=True), make_user()
    first = services.take_gift_code(user=member, pool_id=pool.pk, now=clock.now())
    assert services.take_gift_code(user=member, pool_id=pool.pk, now=clock.now()) == first
    assert services.take_gift_code(user=other, pool_id=pool.pk, now=clock.now()) != first
    with pytest.raises(services.Refused) as refused:
        services.take_gift_code(user=stranger, pool_id=pool.pk, now=clock.now())
    assert refused.value.code == "members_only"
    third = make_user(is_member=True)
    with pytest.raises(services.Refused) as empty:
        services.take_gift_code(user=third, pool_id=pool.pk, now=clock.now())
    assert empty.value.code == "no_code"


@pytest.mark.parametrize(("value", "ok"), [("11010119900307803X", True), ("11010119900307803x", True),
                                           ("110101199003078030", False), ("1101011990030780", False),
                                           ("A1010119900307803X", False)])
def test_id_card_checksum(value, ok):
    assert services.id_card_is_valid(value) is ok


def test_exchange_without_enough_credits_takes_nothing(user, fund, make_campaign, clock):
    fund(user, gem=5)
    make_campaign(kind="exchange", prizes=[{"title": "Mug", "price": Decimal("20"), "stock_left": 3}])
    with pytest.raises(services.DomainError) as refused:
        services.exchange(user=user, prize_id=Prize.objects.get().pk, now=clock.now())
    assert refused.value.code == "insufficient"
    assert Prize.objects.get().stock_left == 3 and not PrizeOrder.objects.exists() and _gems(user) == Decimal("5")
