"""Scale-out, proven: two real qcluster processes share one Redis queue and one PostgreSQL database.

Due work (orders past their payment deadline with balance used, coupons whose claim window
opens or closes now) is reached both by its one-off schedule (``schedule_once``) and by the
sweeper, and jobs (those, and a refund payout through the gateway) are delivered twice, by two
``async_task`` calls and as the very same package. Whatever runs where, each effect happens exactly
once. Run by ``make test-scaleout``.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from shop.checkout.services import Choices, place_order, settle
from shop.coupons.models import ClaimStatus, Coupon
from shop.coupons.services import schedule_jobs
from shop.lottery.models import Campaign, CampaignState
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.payments.models import GatewayRefund
from shop.scheduling.services import SWEEPER_NAME, ensure_sweeper, job_name, unschedule
from shop.wallet.models import EntryKind, LedgerEntry, Wallet

from .conftest import wait_for

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="scale-out needs REDIS_URL (make test-scaleout)"),
]

TIME_OUT = "shop.orders.tasks.time_out"
SYNC_COUPON = "shop.coupons.tasks.sync_status"
SYNC_CAMPAIGN = "shop.lottery.tasks.sync_status"
SWEEP = "shop.scheduling.tasks.sweep"
PAY_OUT_REFUND = "shop.payments.tasks.execute_refund"
FUNDS = Decimal("200.00")
BALANCE_USED = Decimal("40.00")
# The django-q2 scheduler wakes every ~30 s (not configurable), so a due one-off schedule runs
# 30–35 s after the clusters start; the rest of a test takes a few seconds.
SCHEDULED_WORK_TIMEOUT = 90
TASKS_TIMEOUT = 30


# --- making due work -----------------------------------------------------------------------------
def due_orders(shoppers, make_product, cart_with, *, per_shopper: int) -> list[Order]:
    """Pending orders placed through checkout one payment window (+5 s) ago: each used
    ``BALANCE_USED`` of the shopper's balance and is due to time out now. Placing scheduled their
    time-out job through ``schedule_once``."""
    now = timezone.now()
    placed_at = now - timedelta(minutes=settings.BAZAAR_ORDER_PAYMENT_MINUTES, seconds=5)
    orders = []
    for shopper in shoppers:
        for _ in range(per_shopper):
            line = cart_with(shopper, make_product(prices=["150.00"]))[0]
            choices = Choices(balance=BALANCE_USED)
            payable = settle(shopper, [line.pk], choices, now=placed_at).quote.payable
            order = place_order(shopper, [line.pk], choices, shown_payable=payable, now=placed_at)
            assert order.status == OrderStatus.PENDING and order.expires_at < now
            assert order.balance_used == BALANCE_USED
            orders.append(order)
    return orders


def refund_owed(shopper, make_product, cart_with) -> GatewayRefund:
    """A course paid in full (from balance) and a refund of part of it owed through the sandbox
    gateway, due now (as when its first payout failed or its worker died)."""
    now = timezone.now()
    line = cart_with(shopper, make_product(prices=["150.00"]))[0]
    order = place_order(shopper, [line.pk], Choices(balance=Decimal("150.00")), shown_payable=Decimal("0.00"), now=now)
    assert order.status == OrderStatus.PAID
    return GatewayRefund.objects.create(order=order, gateway="sandbox", amount=Decimal("10.00"),
                                        reason="scale-out test", created_at=now, next_attempt_at=now)


def timeout_job(order: Order) -> str:
    return job_name("order", order.number, "timeout")


def make_shoppers(make_user, fund, n: int, prefix: str):
    shoppers = [make_user(f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(n)]
    for shopper in shoppers:
        fund(shopper, balance=FUNDS)
    return shoppers


def due_sweeper() -> None:
    ensure_sweeper()
    Schedule.objects.filter(name=SWEEPER_NAME).update(next_run=timezone.now() - timedelta(seconds=1))


class TwiceBroker:
    """Hands every package to the real broker twice, as an at-least-once broker may deliver it."""

    def __init__(self, broker):
        self.broker, self.list_key = broker, broker.list_key

    def enqueue(self, package):
        self.broker.enqueue(package)
        return self.broker.enqueue(package)


def enqueue(func: str, *args, twice: bool = False, **options) -> str:
    """Queue a job for the clusters (the test settings run ``async_task`` inline otherwise)."""
    broker = TwiceBroker(get_broker()) if twice else get_broker()
    return async_task(func, *args, sync=False, broker=broker, **options)


def finished(task_ids) -> dict[str, Task]:
    return {t.id: t for t in Task.objects.filter(id__in=list(task_ids))}


def wait_for_tasks(task_ids, clusters) -> dict[str, Task]:
    task_ids = list(task_ids)
    return wait_for(lambda: (done := finished(task_ids)) and len(done) == len(task_ids) and done,
                    what=f"results of {len(task_ids)} tasks", clusters=clusters, timeout=TASKS_TIMEOUT)


def results_of(func: str, since) -> list:
    """Results of the ``func`` tasks that finished after ``since`` — those that started before it
    included: a scheduled sweep already running can still reach what became due after ``since``."""
    return [t.result for t in Task.objects.filter(func=func, stopped__gte=since)]


# --- what must hold ------------------------------------------------------------------------------
def assert_timed_out_once(orders: list[Order], clusters) -> None:
    for order in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.TIMED_OUT, order.number
        assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.TIMED_OUT).count() == 1, order.number
        refunds = LedgerEntry.objects.filter(ref=order.ref, kind=EntryKind.REFUND)
        assert [e.amount for e in refunds] == [BALANCE_USED], order.number
        assert Notification.objects.filter(user=order.user, title__contains=order.number).count() == 1
        # Its e-mail was sent once, by one of the two clusters (console backend → their logs).
        subjects = sum(len(re.findall(rf"^Subject: .*{order.number}", c.output(), re.M)) for c in clusters)
        assert subjects == 1, f"{order.number} e-mailed {subjects} times"
    for shopper in {order.user for order in orders}:
        wallet = Wallet.objects.get(user=shopper)
        ledger = LedgerEntry.objects.filter(wallet=wallet, asset="balance").aggregate(total=Sum("amount"))["total"]
        assert wallet.balance == ledger == FUNDS, shopper.username


def assert_no_failed_tasks() -> None:
    failed = [(t.func, t.result) for t in Task.objects.filter(success=False)]
    assert not failed, failed


def assert_both_clusters_worked(clusters) -> None:
    counts = {c.name: len(re.findall(r"Processed '", c.output())) for c in clusters}
    assert all(counts.values()), f"one cluster did no work: {counts}"


def state() -> dict:
    """Everything a repeated job could change."""
    return {
        "orders": sorted(Order.objects.values_list("number", "status", "closed_at")),
        "events": OrderEvent.objects.count(),
        "ledger": sorted(LedgerEntry.objects.values_list("ref", "kind", "amount", "balance_after")),
        "wallets": sorted(Wallet.objects.values_list("user_id", "balance")),
        "coupons": sorted(Coupon.objects.values_list("pk", "status")),
        "campaigns": sorted(Campaign.objects.values_list("pk", "status")),
        "notifications": sorted(Notification.objects.values_list("pk", "emailed_at")),
        "refunds": sorted(GatewayRefund.objects.values_list("pk", "attempts", "done_at", "refund_id")),
    }


# --- the tests -----------------------------------------------------------------------------------
def test_due_time_outs_and_coupon_edges_apply_once_with_two_clusters(
    qclusters, make_user, fund, make_product, cart_with, make_coupon
):
    started = timezone.now()
    shoppers = make_shoppers(make_user, fund, 3, "due")
    orders = due_orders(shoppers, make_product, cart_with, per_shopper=2)
    scheduled, lost = orders[::2], orders[1::2]
    for order in scheduled:  # placing scheduled the time-out at the deadline, already past
        assert Schedule.objects.get(name=timeout_job(order)).next_run < timezone.now()
    for order in lost:  # a lost job: only the sweeper can find these
        assert unschedule(timeout_job(order)) == 1

    now = timezone.now()
    soon, day, minute = now + timedelta(seconds=2), timedelta(days=1), timedelta(minutes=1)
    opening = [make_coupon(status=ClaimStatus.NOT_STARTED, claim_opens_at=soon, claim_closes_at=now + day)
               for _ in range(2)]
    closing = [make_coupon(status=ClaimStatus.CLAIMING, claim_opens_at=now - day, claim_closes_at=soon)
               for _ in range(2)]
    for coupon in opening + closing:  # one-off jobs at the edges, through schedule_once
        schedule_jobs(coupon, now=now)
    jobs = [timeout_job(o) for o in scheduled] + [s.name for s in Schedule.objects.filter(
        name__startswith="coupon:", next_run__lt=soon + timedelta(seconds=1))]
    assert set(jobs[len(scheduled):]) == {*(job_name("coupon", c.pk, "open") for c in opening),
                                          *(job_name("coupon", c.pk, "close") for c in closing)}
    # Edges that passed with no job (lost, or the status was stale when saved): sweeper only.
    opened_unseen = [make_coupon(status=ClaimStatus.NOT_STARTED, claim_opens_at=now - minute,
                                 claim_closes_at=now + day) for _ in range(2)]
    closed_unseen = [make_coupon(status=ClaimStatus.CLAIMING, claim_opens_at=now - day,
                                 claim_closes_at=now - minute) for _ in range(2)]
    due_sweeper()

    def applied():
        return (
            not Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.PENDING).exists()
            and not Coupon.objects.filter(pk__in=[c.pk for c in opening + opened_unseen]).exclude(
                status=ClaimStatus.CLAIMING).exists()
            and not Coupon.objects.filter(pk__in=[c.pk for c in closing + closed_unseen]).exclude(
                status=ClaimStatus.ENDED).exists()
            and Task.objects.filter(group__in=jobs).values("group").distinct().count() == len(jobs)
            and Task.objects.filter(func=SWEEP, started__gte=started).exists()
            and not Notification.objects.filter(email=True, emailed_at__isnull=True).exists()
            and get_broker().queue_size() == 0
        )

    wait_for(applied, what="time-outs, coupon edges, schedules and sweep applied", clusters=qclusters,
             timeout=SCHEDULED_WORK_TIMEOUT)
    time.sleep(1)  # anything still running on a worker finishes (and would show below)

    assert not Schedule.objects.filter(name__in=jobs).exists()  # one-off schedules are used up
    assert_no_failed_tasks()
    assert_timed_out_once(orders, qclusters)
    # Each coupon's status moved once: the counts the jobs and sweeps report add up to one each.
    sweeps = results_of(SWEEP, started)
    coupon_moves = sum(results_of(SYNC_COUPON, started)) + sum(r["coupons"] for r in sweeps)
    assert coupon_moves == len(opening + closing + opened_unseen + closed_unseen), "a coupon status moved twice"
    order_moves = sum(map(bool, results_of(TIME_OUT, started))) + sum(r["orders"] for r in sweeps)
    assert order_moves == len(orders), "an order timed out twice"
    assert_both_clusters_worked(qclusters)


def test_a_job_delivered_twice_changes_nothing(qclusters, make_user, fund, make_product, cart_with, make_coupon,
                                               make_campaign):
    started = timezone.now()
    shoppers = make_shoppers(make_user, fund, 2, "twice")
    orders = due_orders(shoppers, make_product, cart_with, per_shopper=3)
    for order in orders:
        unschedule(timeout_job(order))  # only the deliveries below reach them
    now = timezone.now()
    opened = [make_coupon(status=ClaimStatus.NOT_STARTED, claim_opens_at=now - timedelta(minutes=1)) for _ in range(3)]
    went_online = [make_campaign(status=CampaignState.SCHEDULED, starts_at=now - timedelta(minutes=1)) for _ in range(2)]
    refund = refund_owed(make_shoppers(make_user, fund, 1, "refunded")[0], make_product, cart_with)

    # Each job twice at once: two async_task calls (two tasks), or one package delivered twice.
    pairs = {order.pk: [enqueue(TIME_OUT, order.pk), enqueue(TIME_OUT, order.pk)] for order in orders[::2]}
    doubled = {order.pk: enqueue(TIME_OUT, order.pk, twice=True, task_name=f"twice-{order.number}")
               for order in orders[1::2]}
    coupon_pairs = {c.pk: [enqueue(SYNC_COUPON, c.pk), enqueue(SYNC_COUPON, c.pk)] for c in opened}
    coupon_pairs.update({-c.pk: [enqueue(SYNC_CAMPAIGN, c.pk), enqueue(SYNC_CAMPAIGN, c.pk)] for c in went_online})
    # A refund payout: twice as one package, twice as two tasks, and the sweeper's retry at once.
    payouts = [enqueue(PAY_OUT_REFUND, refund.pk, twice=True, task_name=f"twice-{refund.order.number}"),
               enqueue(PAY_OUT_REFUND, refund.pk), enqueue(PAY_OUT_REFUND, refund.pk), enqueue(SWEEP)]
    tasks = wait_for_tasks([i for ids in [*pairs.values(), *coupon_pairs.values()] for i in ids]
                           + list(doubled.values()) + payouts, qclusters)
    wait_for(lambda: all(sum(c.processed(f"twice-{number}") for c in qclusters) == 2
                         for number in [o.number for o in orders[1::2]] + [refund.order.number]),
             what="second deliveries", clusters=qclusters, timeout=TASKS_TIMEOUT)
    wait_for(lambda: not Notification.objects.filter(email=True, emailed_at__isnull=True).exists(),
             what="time-out e-mails sent", clusters=qclusters, timeout=TASKS_TIMEOUT)

    assert_no_failed_tasks()
    # One delivery of a pair moved its object and the other found nothing to do — unless a sweep
    # (the one queued above, or the clusters' schedule) reached it first: then neither did.
    swept = Counter()
    for result in results_of(SWEEP, started):
        swept.update({app: result[app] for app in ("orders", "coupons", "lottery")})
    order_results = [sorted(tasks[i].result for i in ids) for ids in pairs.values()]
    assert all(result in ([False, True], [False, False]) for result in order_results), order_results
    assert order_results.count([False, False]) <= swept["orders"]
    for app, kind in (("coupons", 1), ("lottery", -1)):
        results = [sorted(tasks[i].result for i in ids) for pk, ids in coupon_pairs.items() if pk * kind > 0]
        assert all(result in ([0, 1], [0, 0]) for result in results), results
        assert results.count([0, 0]) <= swept[app]
    assert_timed_out_once(orders, qclusters)
    assert Coupon.objects.filter(pk__in=[c.pk for c in opened], status=ClaimStatus.CLAIMING).count() == len(opened)
    assert Campaign.objects.filter(pk__in=[c.pk for c in went_online], status=CampaignState.ONLINE).count() == 2
    refund.refresh_from_db()
    assert refund.done_at is not None and refund.refund_id and refund.attempts == 1
    paid_out = sum(len(re.findall(rf"event=sandbox_refund order={refund.order.number}\b", c.output())) for c in qclusters)
    assert paid_out == 1, f"the gateway was asked {paid_out} times"

    # Every job delivered again, the sweeper twice: nothing changes.
    before = state()
    again = [enqueue(TIME_OUT, o.pk) for o in orders for _ in range(2)]
    again += [enqueue(SYNC_COUPON, c.pk) for c in opened for _ in range(2)]
    again += [enqueue(SYNC_CAMPAIGN, c.pk) for c in went_online for _ in range(2)]
    again += [enqueue(PAY_OUT_REFUND, refund.pk), enqueue(PAY_OUT_REFUND, refund.pk)]
    again += [enqueue(SWEEP), enqueue(SWEEP)]
    tasks = wait_for_tasks(again, qclusters)
    time.sleep(1)
    assert_no_failed_tasks()
    assert Counter(type(t.result).__name__ + ":" + str(t.result) for t in tasks.values() if t.func != SWEEP) == {
        "bool:False": 2 * len(orders), "int:0": 2 * len(opened + went_online), "bool:True": 2}  # refund: "is done"
    assert all(not any(t.result.values()) for t in tasks.values() if t.func == SWEEP)
    assert state() == before
    assert_both_clusters_worked(qclusters)
    assert Task.objects.filter(started__gte=started).count() >= len(again)

    # Django's cache is the same Redis for the test process and both clusters.
    cache.set("scaleout:from-test", "hello")
    [get] = wait_for_tasks([enqueue("django.core.cache.cache.get", "scaleout:from-test")], qclusters).values()
    assert get.result == "hello"
    wait_for_tasks([enqueue("django.core.cache.cache.set", "scaleout:from-cluster", "hi", 60)], qclusters)
    assert cache.get("scaleout:from-cluster") == "hi"


SETTLE_LOT = "shop.auctions.tasks.settle_lot"


def test_lot_settlement_delivered_twice_and_raced_by_the_sweeper_settles_once(qclusters, make_user, fund,
                                                                             make_auction):
    from shop.auctions import services as auction_services
    from shop.auctions.models import Deposit, Lot, LotResult

    session = make_auction(deposit=Decimal("50"), lots=[{}, {}, {}, {}])
    lots = list(session.lots.order_by("position"))
    bidders = make_shoppers(make_user, fund, 3, "bidder")
    now = timezone.now()
    for bidder in bidders:
        auction_services.pay_deposit(user=bidder, session=session, online=False, now=now)
    for lot, bidder in zip(lots[:3], bidders, strict=True):
        auction_services.place_bid(user=bidder, lot_id=lot.pk, amount="100", now=now)
    auction_services.place_bid(user=bidders[1], lot_id=lots[0].pk, amount="110", now=now)
    ended = timezone.now() - timedelta(seconds=1)
    type(session).objects.filter(pk=session.pk).update(ends_at=ended)
    Lot.objects.filter(session=session).update(ends_at=ended)

    # Each lot's job twice as two tasks and twice as one package, plus two sweeps, at once.
    ids = [enqueue(SETTLE_LOT, lot.pk) for lot in lots for _ in range(2)]
    ids += [enqueue(SETTLE_LOT, lot.pk, twice=True, task_name=f"twice-lot-{lot.pk}") for lot in lots]
    ids += [enqueue(SWEEP), enqueue(SWEEP)]
    wait_for_tasks(ids, qclusters)
    wait_for(lambda: all(sum(c.processed(f"twice-lot-{lot.pk}") for c in qclusters) == 2 for lot in lots),
             what="second deliveries", clusters=qclusters, timeout=TASKS_TIMEOUT)
    time.sleep(1)

    assert_no_failed_tasks()
    assert LotResult.objects.filter(lot__session=session).count() == 4
    assert Order.objects.filter(kind="auction").count() == 3  # lot 1 → bidder 1, lot 2 → bidder 1, lot 3 → bidder 2
    assert sorted(Lot.objects.filter(session=session).values_list("status", flat=True)) == [
        "passed", "sold", "sold", "sold"]
    # bidder 0 won nothing: refunded once; the winners' deposits count towards their orders
    assert Deposit.objects.get(user=bidders[0]).status == "refunded"
    assert LedgerEntry.objects.filter(wallet__user=bidders[0], kind=EntryKind.REFUND, asset="balance").count() == 1
    for bidder in bidders:
        wallet = Wallet.objects.get(user=bidder)
        for asset in ("balance", "deposit"):
            ledger = LedgerEntry.objects.filter(wallet=wallet, asset=asset).aggregate(total=Sum("amount"))["total"]
            assert ledger == getattr(wallet, asset)
    assert_both_clusters_worked(qclusters)


DRAW_GIFT = "shop.gifts.tasks.draw"


def test_timed_gift_draw_delivered_twice_and_raced_by_the_sweeper_draws_once(qclusters, make_user, fund,
                                                                            make_gift_package, cart_with):
    from shop.gifts import services as gift_services
    from shop.gifts.models import DrawStatus, GiftDraw, GiftHolding, Participant

    giver = make_shoppers(make_user, fund, 1, "giftgiver")[0]
    package = make_gift_package("Scale-out tea box", units=6, price="60.00")
    line = cart_with(giver, package)[0]
    now = timezone.now()
    order = place_order(giver, [line.pk], Choices(balance=Decimal("60.00")), shown_payable=Decimal("0.00"), now=now)
    assert order.status == OrderStatus.PAID  # paid from the balance: the units are credited
    joiners = make_shoppers(make_user, fund, 5, "giftjoiner")
    draws = [gift_services.create_draw(user=giver, product_id=package.pk, gifts=2, method="timed", wish="Enjoy",
                                       now=now, draws_at=now + timedelta(minutes=10)) for _ in range(3)]
    crowded, lonely, empty = draws  # 4 participants, 1 participant, none
    for joiner in joiners[:4]:
        gift_services.join(draw_id=crowded.pk, user=joiner, now=now)
    gift_services.join(draw_id=lonely.pk, user=joiners[4], now=now)
    for draw in draws:  # only the deliveries below reach them
        assert unschedule(job_name("gift", draw.pk, "draw")) == 1
    GiftDraw.objects.filter(pk__in=[d.pk for d in draws]).update(draws_at=timezone.now() - timedelta(seconds=1))

    # Each draw's job twice as two tasks and twice as one package, plus two sweeps, at once.
    ids = [enqueue(DRAW_GIFT, draw.pk) for draw in draws for _ in range(2)]
    ids += [enqueue(DRAW_GIFT, draw.pk, twice=True, task_name=f"twice-gift-{draw.pk}") for draw in draws]
    ids += [enqueue(SWEEP), enqueue(SWEEP)]
    wait_for_tasks(ids, qclusters)
    wait_for(lambda: all(sum(c.processed(f"twice-gift-{d.pk}") for c in qclusters) == 2 for d in draws),
             what="second deliveries", clusters=qclusters, timeout=TASKS_TIMEOUT)
    wait_for(lambda: not Notification.objects.filter(email=True, emailed_at__isnull=True).exists(),
             what="e-mails sent", clusters=qclusters, timeout=TASKS_TIMEOUT)
    time.sleep(1)

    assert_no_failed_tasks()
    # Every delivery and sweep logs what it drew. A package delivered twice keeps one task row with
    # the later delivery's result, so the rows can hide the delivery that drew: count the logs.
    drawn = Counter(int(pk) for c in qclusters for pk in re.findall(r"event=gift_drawn draw=(\d+)", c.output()))
    assert drawn == Counter({d.pk: 1 for d in draws}), f"draws drawn (by id): {dict(drawn)}"
    assert set(GiftDraw.objects.filter(pk__in=[d.pk for d in draws]).values_list("status", flat=True)) == {
        DrawStatus.DRAWN}
    assert [GiftDraw.objects.get(pk=d.pk).given_count for d in draws] == [2, 1, 0]
    assert Participant.objects.filter(draw=crowded, won=True).count() == 2
    assert Participant.objects.filter(draw=lonely, won=True).count() == 1
    for joiner in joiners:
        keys = list(Notification.objects.filter(user=joiner, key__startswith="gifts.").values_list("key", flat=True))
        assert len(keys) == 1 and keys[0] in ("gifts.won", "gifts.not_won"), (joiner.username, keys)
        mails = sum(len(re.findall(rf"^To: {re.escape(joiner.email)}$", c.output(), re.M)) for c in qclusters)
        assert mails == 1, f"{joiner.username} e-mailed {mails} times"
    assert Notification.objects.filter(user=giver, key="gifts.drawn").count() == len(draws)
    holding = GiftHolding.objects.get(user=giver, product=package)
    assert (holding.bought, holding.available, holding.in_draws, holding.given, holding.returned) == (6, 3, 0, 3, 3)
    assert_both_clusters_worked(qclusters)
