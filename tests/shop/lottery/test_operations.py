"""Operator services for campaigns: definitions and bounds, prizes, window jobs and the sweeper,
code imports, shipping physical prizes, and replaying draws (SPEC §5, §8, §9)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_q.models import Schedule

from shop.core.errors import DomainError
from shop.core.models import AuditLog
from shop.lottery import operations, services
from shop.lottery.models import (
    MAX_CHANCES,
    MAX_COST,
    Campaign,
    CodePool,
    Draw,
    Prize,
    PrizeOrder,
    PrizeOrderStatus,
    RedeemCode,
)
from shop.lottery.operations import PrizeRow
from shop.lottery.tasks import apply_due, sync_status
from shop.notifications.models import Notification
from shop.scheduling.tasks import sweep


def _campaign(clock, **fields):
    now = clock.now()
    values = {"title": "Spring wheel", "starts_at": now + timedelta(hours=1), "ends_at": now + timedelta(hours=2),
              "draw_cost": Decimal("10"), "free_chances": 1}
    values.update(fields)
    return Campaign(**values)


def _save(campaign, operator, clock, capture, **kwargs):
    with capture(execute=True):
        return operations.campaign_save(campaign=campaign, actor=operator, now=clock.now(), **kwargs)


def _job(campaign, event):
    return Schedule.objects.filter(name=f"campaign:{campaign.pk}:{event}").first()


def _status(campaign):
    campaign.refresh_from_db()
    return campaign.status


# --- campaigns -----------------------------------------------------------------------------------
def test_saving_a_campaign_audits_it_and_schedules_both_edges(operator, clock, django_capture_on_commit_callbacks):
    campaign = _save(_campaign(clock), operator, clock, django_capture_on_commit_callbacks)
    assert campaign.status == "scheduled"
    log = AuditLog.objects.get(action="campaign.create")
    assert log.actor == operator and log.target_id == str(campaign.pk) and log.before is None
    assert log.after["title"] == "Spring wheel" and log.after["draw_cost"] == "10"
    open_job, close_job = _job(campaign, "open"), _job(campaign, "close")
    assert open_job.func == close_job.func == "shop.lottery.tasks.sync_status"
    assert open_job.args == f"({campaign.pk},)" and open_job.schedule_type == Schedule.ONCE
    assert abs((close_job.next_run - open_job.next_run).total_seconds() - 3600) < 2


def test_editing_moves_the_jobs_and_records_before_and_after(operator, clock, django_capture_on_commit_callbacks):
    campaign = _save(_campaign(clock), operator, clock, django_capture_on_commit_callbacks)
    first_open = _job(campaign, "open").next_run
    campaign.starts_at += timedelta(hours=3)
    campaign.ends_at += timedelta(hours=5)
    _save(campaign, operator, clock, django_capture_on_commit_callbacks)
    assert Schedule.objects.filter(name__startswith=f"campaign:{campaign.pk}:").count() == 2
    assert abs((_job(campaign, "open").next_run - first_open).total_seconds() - 3 * 3600) < 2
    log = AuditLog.objects.get(action="campaign.update")
    assert log.before["starts_at"] != log.after["starts_at"]


def test_only_edges_still_ahead_keep_a_job(operator, clock, django_capture_on_commit_callbacks):
    now = clock.now()
    running = _save(_campaign(clock, starts_at=now - timedelta(hours=1), is_paused=True), operator, clock,
                    django_capture_on_commit_callbacks)
    assert _job(running, "open") is None and _job(running, "close") is not None
    assert running.status == "online"  # the stored status ignores the pause; reads use state_at
    assert running.state_at(now) == "paused"
    running.ends_at = now - timedelta(minutes=1)
    running.starts_at = now - timedelta(hours=2)
    _save(running, operator, clock, django_capture_on_commit_callbacks)
    assert _status(running) == "ended" and not Schedule.objects.filter(name__startswith="campaign:").exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"ends_at_delta": -timedelta(hours=2)}, "ends_at"),
    ({"draw_cost": MAX_COST + 1}, "draw_cost"),
    ({"draw_cost": Decimal("-1")}, "draw_cost"),
    ({"free_chances": MAX_CHANCES + 1}, "free_chances"),
    ({"draw_limit": 0}, "draw_limit"),
    ({"draw_limit": MAX_CHANCES + 1}, "draw_limit"),
    ({"title": "  "}, "title"),
])
def test_definitions_out_of_bounds_are_refused(operator, clock, fields, field):
    delta = fields.pop("ends_at_delta", None)
    campaign = _campaign(clock, **fields)
    if delta:
        campaign.ends_at = campaign.starts_at + delta
    with pytest.raises(operations.Invalid) as refused:
        operations.campaign_save(campaign=campaign, actor=operator, now=clock.now())
    assert field in refused.value.errors
    assert not Campaign.objects.exists() and not AuditLog.objects.exists()


def test_the_kind_cannot_change_once_shoppers_took_part(operator, user, make_campaign, clock):
    campaign = make_campaign(free_chances=1, prizes=[{"weight": 0}])  # a draw with no prize still counts
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    campaign.kind = "exchange"
    with pytest.raises(operations.Invalid) as refused:
        operations.campaign_save(campaign=campaign, actor=operator, now=clock.now())
    assert "kind" in refused.value.errors


# --- window jobs and the sweeper -----------------------------------------------------------------
def test_jobs_and_sweeper_follow_the_clock_idempotently(operator, clock, django_capture_on_commit_callbacks):
    campaign = _save(_campaign(clock), operator, clock, django_capture_on_commit_callbacks)
    assert sync_status(campaign.pk) == 0 and _status(campaign) == "scheduled"  # early: nothing to do
    clock.advance(timedelta(hours=1))
    assert sync_status(campaign.pk) == 1 and _status(campaign) == "online"
    assert sync_status(campaign.pk) == 0 and apply_due(clock.now()) == 0  # twice: one effect
    clock.advance(timedelta(hours=1))
    sweep()  # the real sweeper finds the lottery's apply_due
    assert _status(campaign) == "ended"
    assert apply_due(clock.now()) == 0


def test_a_late_sweeper_jumps_straight_to_ended_for_every_campaign(make_campaign, clock):
    now = clock.now()
    first = make_campaign(status="scheduled", starts_at=now + timedelta(minutes=1))
    second = make_campaign(status="online")
    clock.advance(timedelta(days=30))
    assert apply_due(clock.now()) == 2
    assert _status(first) == _status(second) == "ended"


# --- prizes --------------------------------------------------------------------------------------
def _prize(**fields):
    values = {"title": "Mug", "grant": "physical", "weight": 1, "stock_left": 5}
    values.update(fields)
    return Prize(**values)


def test_prizes_are_saved_with_the_campaign_and_audited(operator, clock, make_coupon,
                                                         django_capture_on_commit_callbacks):
    pool = CodePool.objects.create(name="Keys")
    rows = [PrizeRow(_prize(title="Gems", grant="credits", asset="gem", amount=Decimal("50"), coupon=make_coupon()),
                     key=0),
            PrizeRow(_prize(title="Key", grant="code", pool=pool), key=1),
            PrizeRow(_prize(title="Thanks", is_default=True, weight=0), key=2)]
    campaign = _save(_campaign(clock), operator, clock, django_capture_on_commit_callbacks, prizes=rows)
    gems, key, thanks = campaign.prizes.order_by("id")
    assert gems.coupon is None and gems.amount == Decimal("50")  # fields of other grants are dropped
    assert key.pool == pool and thanks.is_default
    assert AuditLog.objects.filter(action="prize.create").count() == 3


@pytest.mark.parametrize(("fields", "field", "kind"), [
    ({"grant": "credits", "asset": "gem"}, "amount", "lottery"),
    ({"grant": "credits", "asset": "", "amount": Decimal("5")}, "asset", "lottery"),
    ({"grant": "coupon"}, "coupon", "lottery"),
    ({"grant": "code"}, "pool", "lottery"),
    ({"weight": 1_000_001}, "weight", "lottery"),
    ({"stock_left": 1_000_001}, "stock_left", "lottery"),
    ({"win_limit": 0}, "win_limit", "lottery"),
    ({"price": Decimal("3")}, "price", "lottery"),
    ({}, "price", "exchange"),
    ({"price": MAX_COST + 1}, "price", "exchange"),
    ({"price": Decimal("3"), "is_default": True}, "is_default", "exchange"),
])
def test_prize_rules(operator, make_campaign, fields, field, kind):
    campaign = make_campaign(kind=kind)
    with pytest.raises(operations.InvalidPrizes) as refused:
        operations.prizes_save(campaign=campaign, rows=[PrizeRow(_prize(**fields), key="row")], actor=operator)
    assert field in refused.value.errors["row"]
    assert not campaign.prizes.exists()


def test_one_consolation_prize_and_it_can_move(operator, make_campaign):
    campaign = make_campaign(prizes=[{"title": "A", "is_default": True}, {"title": "B"}])
    a, b = campaign.prizes.order_by("id")
    with pytest.raises(DomainError) as refused:
        operations.prizes_save(campaign=campaign, rows=[PrizeRow(_prize(title="C", is_default=True))], actor=operator)
    assert refused.value.code == "two_defaults"
    a.is_default, b.is_default = False, True
    operations.prizes_save(campaign=campaign, rows=[PrizeRow(b, stock_seen=10), PrizeRow(a, stock_seen=10)],
                           actor=operator)
    assert list(campaign.prizes.filter(is_default=True)) == [b]


def test_the_stock_is_set_only_if_draws_did_not_move_it(operator, user, make_campaign, clock):
    campaign = make_campaign(free_chances=2, prizes=[{"stock_left": 10}])
    prize = campaign.prizes.get()
    prize.stock_left = 20
    operations.prizes_save(campaign=campaign, rows=[PrizeRow(prize, stock_seen=10)], actor=operator)
    assert Prize.objects.get().stock_left == 20
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())  # 19 left now
    prize.stock_left = 30
    with pytest.raises(DomainError) as refused:
        operations.prizes_save(campaign=campaign, rows=[PrizeRow(prize, stock_seen=20)], actor=operator)
    assert refused.value.code == "stock_moved" and "19" in refused.value.message
    prize = Prize.objects.get()
    assert (prize.stock_left, prize.stock_used) == (19, 1)
    log = AuditLog.objects.get(action="prize.update")
    assert (log.before["stock_left"], log.after["stock_left"]) == (10, 20)


def test_a_prize_already_drawn_is_not_removed(operator, user, make_campaign, clock):
    campaign = make_campaign(free_chances=1, prizes=[{"title": "Won"}, {"title": "Never", "weight": 0}])
    services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    won, never = campaign.prizes.order_by("id")
    with pytest.raises(DomainError) as refused:
        operations.prizes_save(campaign=campaign, rows=[PrizeRow(won, remove=True)], actor=operator)
    assert refused.value.code == "prize_used"
    operations.prizes_save(campaign=campaign, rows=[PrizeRow(never, remove=True)], actor=operator)
    assert list(campaign.prizes.all()) == [won]
    assert AuditLog.objects.filter(action="prize.delete", target_id=str(never.pk)).exists()


def test_another_campaigns_prize_is_refused(operator, make_campaign):
    mine, other = make_campaign(), make_campaign(prizes=[{}])
    with pytest.raises(DomainError) as refused:
        operations.prizes_save(campaign=mine, rows=[PrizeRow(other.prizes.get(), stock_seen=10)], actor=operator)
    assert refused.value.code == "unknown_prize"


# --- code imports --------------------------------------------------------------------------------
def test_import_counts_added_duplicates_existing_and_blanks(operator):
    pool = CodePool.objects.create(name="Keys")
    RedeemCode.objects.create(pool=pool, code="OLD-1")
    result = operations.import_codes(pool=pool, text="A-1\n\nA-2\r\nA-1\n  \nOLD-1\n" + "X" * 65 + "\nA-3",
                                     actor=operator)
    assert (result.added, result.duplicates, result.existing, result.blanks, len(result.too_long)) == (3, 1, 1, 2, 1)
    assert set(pool.codes.values_list("code", flat=True)) == {"OLD-1", "A-1", "A-2", "A-3"}
    log = AuditLog.objects.get(action="codepool.import")
    assert log.after == {"codes": 4, "added": 3, "duplicates": 1, "existing": 1, "blanks": 2, "too_long": 1}
    again = operations.import_codes(pool=pool, text="A-1\nA-2", actor=operator)
    assert (again.added, again.existing) == (0, 2)


def test_import_reads_the_first_column_of_a_csv(operator):
    pool = CodePool.objects.create(name="Keys")
    result = operations.import_codes(pool=pool, text='code,note\n"K,1",first\nK2,second\n,blank\n', actor=operator,
                                     first_column=True)
    assert set(pool.codes.values_list("code", flat=True)) == {"code", "K,1", "K2"}
    assert (result.added, result.blanks) == (3, 1)


def test_pools_are_audited(operator):
    pool = operations.pool_save(pool=CodePool(name="Keys"), actor=operator)
    pool.name = "Game keys"
    operations.pool_save(pool=pool, actor=operator)
    assert AuditLog.objects.get(action="codepool.update").before == {"name": "Keys", "description": "",
                                                                     "members_gift": False}
    with pytest.raises(operations.Invalid):
        operations.pool_save(pool=CodePool(name=" "), actor=operator)


# --- shipping ------------------------------------------------------------------------------------
def valid_id_card(first17: str = "11010519491231002") -> str:
    total = sum(int(d) * w for d, w in zip(first17, services.ID_CARD_WEIGHTS, strict=True))
    return first17 + services.ID_CARD_CHECK[total % 11]


@pytest.fixture
def won(user, make_campaign, clock):
    """A physical prize order of ``user``, still to claim."""
    campaign = make_campaign(free_chances=1, prizes=[{"title": "Mug"}])
    return services.draw(user=user, campaign_id=campaign.pk, now=clock.now()).order


def _claim(order, clock):
    return services.submit_details(user=order.user, number=order.number, recipient="Ada", id_card=valid_id_card(),
                                   phone="13800000000", address="1 Main St", now=clock.now())


def _ship(order, operator, clock, **kwargs):
    values = {"carrier": "SF Express", "tracking_no": "SF123"}
    values.update(kwargs)
    return operations.mark_shipped(order_number=order.number, actor=operator, now=clock.now(), **values)


def test_mark_shipped_moves_claimed_orders_and_tells_the_shopper(won, operator, clock):
    assert won.status == PrizeOrderStatus.TO_CLAIM
    with pytest.raises(DomainError) as refused:
        _ship(won, operator, clock)
    assert refused.value.code == "not_claimed"
    _claim(won, clock)
    shipped = _ship(won, operator, clock)
    assert (shipped.status, shipped.carrier, shipped.tracking_no, shipped.shipped_at) == (
        "shipped", "SF Express", "SF123", clock.now())
    note = Notification.objects.filter(user=won.user, key="lottery.shipped").get()
    assert note.params == {"prize": "Mug", "carrier": "SF Express", "tracking": "SF123"}
    assert note.url == reverse("lottery:my_prizes")
    log = AuditLog.objects.get(action="prizeorder.ship")
    assert log.after["status"] == "shipped" and log.actor == operator
    with pytest.raises(DomainError) as replayed:
        _ship(won, operator, clock, tracking_no="OTHER")
    assert replayed.value.code == "already_shipped"
    assert PrizeOrder.objects.get().tracking_no == "SF123"
    assert Notification.objects.filter(key="lottery.shipped").count() == 1


def test_mark_shipped_refuses_virtual_missing_and_empty(operator, user, make_campaign, clock, won):
    campaign = make_campaign(free_chances=1, prizes=[{"grant": "credits", "asset": "gem", "amount": Decimal("5")}])
    virtual = services.draw(user=user, campaign_id=campaign.pk, now=clock.now()).order
    with pytest.raises(DomainError) as refused:
        _ship(virtual, operator, clock)
    assert refused.value.code == "not_physical"
    with pytest.raises(DomainError) as missing:
        operations.mark_shipped(order_number="PNOPE", carrier="x", tracking_no="y", actor=operator, now=clock.now())
    assert missing.value.code == "missing"
    _claim(won, clock)
    with pytest.raises(operations.Invalid) as empty:
        _ship(won, operator, clock, carrier=" ", tracking_no="")
    assert set(empty.value.errors) == {"carrier", "tracking_no"}
    assert PrizeOrder.objects.get(pk=won.pk).status == "claimed"


# --- replay --------------------------------------------------------------------------------------
def test_a_recorded_draw_replays_to_its_pick(user, make_campaign, clock):
    campaign = make_campaign(free_chances=5, prizes=[{"weight": 3}, {"weight": 1}, {"weight": 0}])
    for _ in range(5):
        draw = services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
        result = services.replay(draw)
        assert result.matches and result.picked_id == draw.picked_id and not result.fell_back
    tampered = Draw.objects.first()
    other = next(pk for pk, _w in tampered.candidates if pk != tampered.picked_id)
    tampered.picked_id = other
    assert not services.replay(tampered).matches


def test_a_refused_save_leaves_nothing_behind(operator, clock):
    rows = [PrizeRow(_prize(title="Fine"), key=0), PrizeRow(_prize(title="A", is_default=True), key=1),
            PrizeRow(_prize(title="B", is_default=True), key=2)]
    campaign = _campaign(clock)
    with pytest.raises(DomainError):
        operations.campaign_save(campaign=campaign, actor=operator, now=clock.now(), prizes=rows)
    assert not Campaign.objects.exists() and not Prize.objects.exists() and not AuditLog.objects.exists()
    assert campaign.pk is None and all(row.prize.pk is None for row in rows)
