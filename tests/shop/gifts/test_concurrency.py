"""Real concurrency (threads, each with its own connection): a full draw never counts more than N
and is drawn once, a direct draw never hands out more than its gifts, a shopper joins once, and a
due timed draw raced by its job, the sweeper and joins is drawn once. The 100-shopper races need
PostgreSQL's row locks; smaller ones run on SQLite too (one writer, BEGIN IMMEDIATE, busy timeout)."""

from datetime import timedelta

import pytest

from shop.gifts import services, tasks
from shop.gifts.models import DrawStatus, GiftDraw, Method, Participant
from shop.notifications.models import Notification

from .conftest import assert_consistent, holding


def _now():
    from shop.core import clock

    return clock.now()


def _unexpected(errors):
    return [e for e in errors if e is not None and not isinstance(e, services.Refused)]


def _notes(user, key: str) -> int:
    return Notification.objects.filter(user=user, key=key).count()


def _assert_each_told_once(draw, giver):
    for entry in Participant.objects.filter(draw=draw).select_related("user"):
        assert _notes(entry.user, "gifts.won") == int(entry.won), entry
        assert _notes(entry.user, "gifts.not_won") == (0 if entry.won or draw.method == Method.DIRECT else 1), entry
    key = "gifts.direct_done" if draw.method == Method.DIRECT else "gifts.drawn"
    assert _notes(giver, key) == 1


def _full_race(run_concurrently, giver, new_draw, shoppers, *, joiners: int, needed: int, gifts: int):
    draw = new_draw(Method.FULL, gifts=gifts, needed=needed)
    people = shoppers(joiners, f"full{draw.pk}-")
    results, errors = run_concurrently(lambda i: services.join(draw_id=draw.pk, user=people[i], now=_now()), joiners)
    assert not _unexpected(errors), _unexpected(errors)[:3]
    assert {e.code for e in errors if e is not None} <= {"full", "drawn"}
    joined = [r for r in results if r is not None]
    draw.refresh_from_db()
    entries = list(Participant.objects.filter(draw=draw).order_by("position"))
    assert len(joined) == len(entries) == draw.participant_count == needed
    assert [e.position for e in entries] == list(range(1, needed + 1))
    assert sorted(r.user_id for r in joined) == sorted(e.user_id for e in entries)
    assert draw.status == DrawStatus.DRAWN and draw.given_count == gifts
    assert sum(e.won for e in entries) == gifts
    _assert_each_told_once(draw, giver)
    h = holding(giver, giver.package)
    assert (h.bought, h.available, h.in_draws, h.given) == (10, 10 - gifts, 0, gifts)
    assert_consistent()


def _direct_race(run_concurrently, giver, new_draw, shoppers, *, joiners: int, gifts: int):
    draw = new_draw(Method.DIRECT, gifts=gifts)
    people = shoppers(joiners, f"direct{draw.pk}-")
    results, errors = run_concurrently(lambda i: services.join(draw_id=draw.pk, user=people[i], now=_now()), joiners)
    assert not _unexpected(errors), _unexpected(errors)[:3]
    assert {e.code for e in errors if e is not None} <= {"gone"}
    draw.refresh_from_db()
    entries = list(Participant.objects.filter(draw=draw))
    assert len([r for r in results if r is not None]) == len(entries) == gifts
    assert all(e.won for e in entries) and draw.given_count == gifts and draw.status == DrawStatus.DRAWN
    _assert_each_told_once(draw, giver)
    h = holding(giver, giver.package)
    assert (h.available, h.in_draws, h.given) == (10 - gifts, 0, gifts)
    assert_consistent()


def test_concurrent_joins_fill_a_full_draw_once(run_concurrently, giver, new_draw, shoppers):
    _full_race(run_concurrently, giver, new_draw, shoppers, joiners=12, needed=5, gifts=2)


def test_concurrent_joins_empty_a_direct_draw_once(run_concurrently, giver, new_draw, shoppers):
    _direct_race(run_concurrently, giver, new_draw, shoppers, joiners=12, gifts=3)


@pytest.mark.postgres
def test_100_joins_on_a_full_10_draw(run_concurrently, giver, new_draw, shoppers):
    _full_race(run_concurrently, giver, new_draw, shoppers, joiners=100, needed=10, gifts=3)


@pytest.mark.postgres
def test_100_joins_on_a_direct_draw_of_7(run_concurrently, giver, new_draw, shoppers):
    _direct_race(run_concurrently, giver, new_draw, shoppers, joiners=100, gifts=7)


@pytest.mark.parametrize("method,gifts", [(Method.FULL, 2), (Method.TIMED, 2), (Method.DIRECT, 2),
                                          (Method.DIRECT, 1), (Method.FULL, 1)])
def test_one_shopper_joining_ten_times_at_once_joins_once(run_concurrently, giver, new_draw, shoppers, method, gifts):
    """A double (or tenfold) click on Join: one entry, and every click gets it — also when that
    entry took the last gift or filled the draw."""
    draw = new_draw(method, gifts=gifts, needed=2)
    if method == Method.FULL and gifts == 1:
        services.join(draw_id=draw.pk, user=shoppers(1, "first")[0], now=_now())  # the click fills it
    [person] = shoppers(1, "clicker")
    results, errors = run_concurrently(lambda i: services.join(draw_id=draw.pk, user=person, now=_now()), 10)
    assert errors == [None] * 10, [e for e in errors if e][:3]
    entry = Participant.objects.get(draw=draw, user=person)
    assert {r.pk for r in results} == {entry.pk}
    draw.refresh_from_db()
    assert draw.participant_count == Participant.objects.filter(draw=draw).count()
    if method == Method.DIRECT:
        assert _notes(person, "gifts.won") == 1 and draw.given_count == 1
    assert_consistent()


def _timed_race(run_concurrently, giver, new_draw, shoppers, clock, *, threads: int):
    draw = new_draw(Method.TIMED, gifts=3, in_=timedelta(minutes=10))
    people = shoppers(6, f"timed{draw.pk}-")
    for person in people:
        services.join(draw_id=draw.pk, user=person, now=_now())
    latecomers = shoppers(threads, f"late{draw.pk}-")
    clock.advance(timedelta(minutes=10, seconds=1))  # due; nothing has drawn it yet

    def race(i):
        if i % 4 == 0:
            return ("job", tasks.draw(draw.pk))
        if i % 4 == 1:
            return ("sweeper", tasks.apply_due(_now()))
        if i % 4 == 2:
            return ("worker", services.draw_now(draw.pk, now=_now()))
        return ("join", services.join(draw_id=draw.pk, user=(people + latecomers)[i], now=_now()))

    results, errors = run_concurrently(race, threads)
    assert not _unexpected(errors), _unexpected(errors)[:3]
    refused = [e for e in errors if e is not None]
    assert all(e.code in ("closed", "drawn") for e in refused)
    # one caller drew it: a job, the sweeper, a worker or — reading it due — a join (not counted here)
    drew = sum(int(value) for what, value in (r for r in results if r is not None) if what != "join")
    assert drew <= 1, results
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.participant_count == 6 and draw.given_count == 3
    assert set(Participant.objects.filter(draw=draw).values_list("user_id", flat=True)) == {p.pk for p in people}
    _assert_each_told_once(draw, giver)
    assert sum(_notes(p, "gifts.won") + _notes(p, "gifts.not_won") for p in latecomers) == 0
    h = holding(giver, giver.package)
    assert (h.available, h.in_draws, h.given, h.returned) == (7, 0, 3, 0)
    assert GiftDraw.objects.filter(status=DrawStatus.DRAWN).count() == 1
    assert_consistent()


def test_a_due_timed_draw_raced_by_job_sweeper_worker_and_joins_draws_once(run_concurrently, giver, new_draw,
                                                                          shoppers, clock):
    _timed_race(run_concurrently, giver, new_draw, shoppers, clock, threads=8)


@pytest.mark.postgres
def test_a_due_timed_draw_raced_by_40_callers_draws_once(run_concurrently, giver, new_draw, shoppers, clock):
    _timed_race(run_concurrently, giver, new_draw, shoppers, clock, threads=40)


def test_concurrent_draws_of_one_giver_never_reserve_more_than_they_hold(run_concurrently, giver):
    """Available 10, eight draws of 3 at once: three are created, the rest refused with the count."""

    def create(i):
        return services.create_draw(user=giver, product_id=giver.package.pk, gifts=3, method=Method.DIRECT,
                                    wish="Hi", now=_now(), request_key=f"form-{i}")

    results, errors = run_concurrently(create, 8)
    assert not _unexpected(errors), _unexpected(errors)[:3]
    assert {e.code for e in errors if e is not None} == {"not_enough"}
    assert len([r for r in results if r is not None]) == GiftDraw.objects.count() == 3
    h = holding(giver, giver.package)
    assert (h.available, h.in_draws) == (1, 9)
    assert_consistent()


def test_closing_a_direct_draw_while_people_join_splits_the_gifts_once(run_concurrently, giver, new_draw, shoppers):
    draw = new_draw(Method.DIRECT, gifts=5)
    people = shoppers(12, "racer")

    def act(i):
        if i == 6:
            return services.close(draw_id=draw.pk, user=giver, now=_now())
        return services.join(draw_id=draw.pk, user=people[i], now=_now())

    _results, errors = run_concurrently(act, 12)
    assert not _unexpected(errors), _unexpected(errors)[:3]
    draw.refresh_from_db()
    won = Participant.objects.filter(draw=draw, won=True).count()
    h = holding(giver, giver.package)
    assert draw.given_count == won == h.given and h.given + h.returned == 5 and h.in_draws == 0
    assert draw.status in (DrawStatus.CLOSED, DrawStatus.DRAWN)
    assert (errors[6] is None) == (draw.status == DrawStatus.CLOSED)  # a refused close: all 5 were handed out
    assert_consistent()


def test_a_refund_approval_racing_new_draws_never_takes_units_twice(run_concurrently, giver, operator, clock):
    from shop.orders.services import request_refund
    from shop.payments.services import approve_refund

    request_refund(giver.order.pk, user=giver, reason="no", now=clock.now())

    def act(i):
        if i == 0:
            return approve_refund(giver.order.pk, operator=operator, now=_now())
        return services.create_draw(user=giver, product_id=giver.package.pk, gifts=3, method=Method.DIRECT,
                                    wish="Hi", now=_now(), request_key=f"form-{i}")

    _results, errors = run_concurrently(act, 6)
    assert not [e for e in errors if e is not None and getattr(e, "code", "") not in ("units_used", "not_enough")]
    giver.order.refresh_from_db()
    draws = GiftDraw.objects.filter(giver=giver).count()
    h = holding(giver, giver.package)
    if giver.order.status == "refunded":
        assert draws == 0 and (h.bought, h.available) == (0, 0)
    else:
        assert giver.order.status == "refund_requested" and 1 <= draws <= 3 and errors[0].code == "units_used"
        assert (h.bought, h.in_draws) == (10, 3 * draws)
    assert_consistent()


def test_two_payments_of_one_package_at_once_credit_both(run_concurrently, make_user, make_gift_package, place):
    from .conftest import pay

    shopper = make_user("double-buyer")
    package = make_gift_package(units=4)
    orders = [place(shopper, package), place(shopper, package)]  # no holding yet: both create it
    _results, errors = run_concurrently(lambda i: pay(orders[i]), 2)
    assert errors == [None, None]
    h = holding(shopper, package)
    assert (h.bought, h.available) == (8, 8)
    assert_consistent()
