"""Gift draws, rule by rule (SPEC §6, §9): units from paid packages and their refunds, creating a
draw, joining each kind, drawing once whoever comes first (job, sweeper, a join after the time),
the rest back to the giver, closing, and the winners' shipping. Every scenario ends with
``assert_consistent()``: the holding's counters, the draws and the participants add up."""

import ast
from datetime import timedelta
from decimal import Decimal

import pytest
from django_q.models import Schedule

from shop.core.errors import DomainError
from shop.gifts import fairness, services, tasks
from shop.gifts.models import MAX_GIFTS, MAX_NEEDED, DrawStatus, GiftDraw, GiftHolding, Method, Participant
from shop.notifications.models import Notification
from shop.orders import services as order_services
from shop.orders.models import Enrollment
from shop.payments.services import approve_refund

from .conftest import assert_consistent, holding


def notes(user, key: str) -> int:
    return Notification.objects.filter(user=user, key=key).count()


def counters(h: GiftHolding) -> tuple:
    h.refresh_from_db()
    return h.bought, h.available, h.in_draws, h.given, h.returned


# --- units from paid packages --------------------------------------------------------------------
def test_paying_a_cart_with_a_package_credits_its_units_and_a_course_gives_none(user, make_gift_package,
                                                                               make_product, place, clock):
    from .conftest import pay

    package, course = make_gift_package(units=5, price="30.00"), make_product(prices=["99.00"])
    order = place(user, package, course)
    assert order.status == "pending" and order.payable == Decimal("129.00")
    lines = {line.product_id: line for line in order.lines.all()}
    assert (lines[package.pk].units, lines[package.pk].days) == (5, 0)
    assert (lines[course.pk].units, lines[course.pk].days) == (0, 30)
    assert not GiftHolding.objects.exists()  # nothing before payment
    pay(order)
    pay(order)  # the same trade announced again: counted once
    assert order.status == "paid"
    assert counters(holding(user, package)) == (5, 5, 0, 0, 0)
    assert GiftHolding.objects.count() == 1  # the course line credited no units
    assert Enrollment.objects.filter(user=user, product=course).exists()
    assert not Enrollment.objects.filter(user=user, product=package).exists()  # a package is not a course
    assert_consistent()


def test_units_add_up_over_orders_and_balance_paid_orders(user, fund, make_gift_package, buy, place):
    package = make_gift_package(units=4, price="10.00")
    buy(user, package)
    fund(user, balance="10")
    paid_at_once = place(user, package, balance="10")
    assert paid_at_once.status == "paid" and paid_at_once.payment_method == "wallet"
    assert counters(holding(user, package)) == (8, 8, 0, 0, 0)
    assert_consistent()


def test_an_unpaid_order_credits_nothing(user, make_gift_package, place, clock):
    from shop.orders.tasks import apply_due

    order = place(user, make_gift_package(units=3))
    order_services.cancel(order.pk, user=user, now=clock.now())
    late = place(user, make_gift_package(units=3))
    clock.advance(timedelta(minutes=31))
    apply_due(clock.now())
    late.refresh_from_db()
    assert late.status == "timed_out" and not GiftHolding.objects.exists()


def test_refund_of_a_gift_order_removes_exactly_its_units(user, operator, make_gift_package, make_product, buy,
                                                         clock):
    package, course = make_gift_package(units=5), make_product(prices=["20.00"])
    first = buy(user, package)
    second = buy(user, package, course)
    assert counters(holding(user, package)) == (10, 10, 0, 0, 0)
    order_services.request_refund(second.pk, user=user, reason="changed my mind", now=clock.now())
    approve_refund(second.pk, operator=operator, now=clock.now())
    second.refresh_from_db()
    assert second.status == "refunded"
    assert counters(holding(user, package)) == (5, 5, 0, 0, 0)
    assert Enrollment.objects.get(user=user, product=course).status == "ended"
    assert_consistent()
    order_services.request_refund(first.pk, user=user, reason="all of it", now=clock.now())
    approve_refund(first.pk, operator=operator, now=clock.now())
    assert counters(holding(user, package)) == (0, 0, 0, 0, 0)
    assert_consistent()


def test_refund_is_refused_when_request_finds_the_units_in_a_draw(giver, new_draw, clock):
    new_draw(Method.FULL, gifts=3, needed=3)
    with pytest.raises(DomainError) as refused:
        order_services.request_refund(giver.order.pk, user=giver, reason="no", now=clock.now())
    assert refused.value.code == "units_used" and "gift draw" in str(refused.value)
    giver.order.refresh_from_db()
    assert giver.order.status == "paid"
    assert counters(holding(giver, giver.package)) == (10, 7, 3, 0, 0)
    assert_consistent()


def test_refund_is_refused_at_approval_when_the_units_went_into_a_draw_meanwhile(giver, operator, new_draw, clock):
    from shop.wallet.models import LedgerEntry

    order_services.request_refund(giver.order.pk, user=giver, reason="no", now=clock.now())
    new_draw(Method.DIRECT, gifts=1)  # still allowed: the units are the giver's until refunded
    with pytest.raises(DomainError) as refused:
        approve_refund(giver.order.pk, operator=operator, now=clock.now())
    assert refused.value.code == "units_used"
    giver.order.refresh_from_db()
    assert giver.order.status == "refund_requested"  # nothing of the approval happened
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert counters(holding(giver, giver.package)) == (10, 9, 1, 0, 0)
    order_services.reject_refund(giver.order.pk, operator=operator, note="gifts in use", now=clock.now())
    assert_consistent()


# --- creating a draw ------------------------------------------------------------------------------
def _create(giver, clock, **terms):
    package = getattr(giver, "package", None)
    args = {"user": giver, "product_id": package.pk if package else None, "gifts": 2, "method": Method.FULL,
            "wish": "Enjoy", "now": clock.now(), "needed": 4, "draws_at": None, **terms}
    return services.create_draw(**args)


@pytest.mark.parametrize("terms,code", [
    ({"wish": ""}, "wish"),
    ({"wish": "   "}, "wish"),
    ({"wish": "x" * 201}, "wish"),
    ({"gifts": 0}, "gifts"),
    ({"gifts": -1}, "gifts"),
    ({"gifts": MAX_GIFTS + 1}, "gifts"),
    ({"method": "lucky"}, "method"),
    ({"needed": None}, "needed"),
    ({"gifts": 1, "needed": 1}, "needed"),  # at least 2
    ({"gifts": 3, "needed": 2}, "needed"),  # at least one per gift
    ({"needed": MAX_NEEDED + 1}, "needed"),
    ({"method": Method.TIMED, "needed": None}, "draws_at"),
    ({"method": Method.TIMED, "draws_at": "now+4m59s"}, "draws_at"),
    ({"method": Method.TIMED, "draws_at": "now-1m"}, "draws_at"),
    ({"method": Method.TIMED, "draws_at": "now+30d1s"}, "draws_at"),
])
def test_create_draw_refuses_bad_terms_and_reserves_nothing(giver, clock, terms, code):
    offsets = {"now+4m59s": timedelta(minutes=4, seconds=59), "now-1m": -timedelta(minutes=1),
               "now+30d1s": timedelta(days=30, seconds=1)}
    if isinstance(terms.get("draws_at"), str):
        terms = {**terms, "draws_at": clock.now() + offsets[terms["draws_at"]]}
    with pytest.raises(DomainError) as refused:
        _create(giver, clock, **terms)
    assert refused.value.code == code
    assert not GiftDraw.objects.exists()
    assert counters(holding(giver, giver.package)) == (10, 10, 0, 0, 0)


@pytest.mark.parametrize("terms", [
    {"wish": "x" * 200},
    {"gifts": 1, "needed": 2},
    {"gifts": 10, "needed": MAX_NEEDED},
    {"method": Method.TIMED, "needed": None, "draws_at": "now+5m"},
    {"method": Method.TIMED, "draws_at": "now+30d"},
    {"method": Method.DIRECT, "gifts": 10},
])
def test_create_draw_accepts_the_bounds(giver, clock, terms):
    offsets = {"now+5m": timedelta(minutes=5), "now+30d": timedelta(days=30)}
    if isinstance(terms.get("draws_at"), str):
        terms = {**terms, "draws_at": clock.now() + offsets[terms["draws_at"]]}
    draw = _create(giver, clock, **terms)
    assert draw.status == DrawStatus.OPEN and draw.giver == giver
    h = holding(giver, giver.package)
    assert (h.available, h.in_draws) == (10 - draw.gifts, draw.gifts)
    assert_consistent()


def test_create_draw_keeps_only_the_methods_terms_and_commits_to_a_seed(giver, clock):
    direct = _create(giver, clock, method=Method.DIRECT, needed=9, draws_at=clock.now() + timedelta(hours=1))
    assert (direct.needed, direct.draws_at, direct.seed, direct.seed_hash) == (None, None, "", "")
    full = _create(giver, clock, method=Method.FULL, needed=4, draws_at=clock.now() + timedelta(hours=1))
    assert full.draws_at is None and full.needed == 4
    timed = _create(giver, clock, method=Method.TIMED, needed=9, draws_at=clock.now() + timedelta(hours=1))
    assert timed.needed is None and timed.draws_at == clock.now() + timedelta(hours=1)
    for draw in (full, timed):
        assert len(draw.seed) == 64 and draw.seed_hash == fairness.commitment(draw.seed)
    assert full.seed != timed.seed and len({direct.token, full.token, timed.token}) == 3
    assert len(full.token) >= 20  # unguessable
    assert_consistent()


def test_share_tokens_are_letters_and_digits_so_the_command_line_takes_them():
    # token_urlsafe's "-" began one in 64 tokens, and `verify_gift_draw -h…` read it as an option
    tokens = [services.new_token() for _ in range(300)]
    assert all(t.isascii() and t.isalnum() and len(t) == 22 for t in tokens)
    assert len(set(tokens)) == 300


def test_more_gifts_than_available_is_refused_with_the_count(giver, clock):
    _create(giver, clock, method=Method.DIRECT, gifts=7)
    with pytest.raises(DomainError) as refused:
        _create(giver, clock, method=Method.DIRECT, gifts=4)
    assert refused.value.code == "not_enough" and "3" in str(refused.value)
    assert counters(holding(giver, giver.package)) == (10, 3, 7, 0, 0)
    assert _create(giver, clock, method=Method.DIRECT, gifts=3).gifts == 3
    assert_consistent()


def test_a_package_one_does_not_hold_is_refused(giver, make_user, clock):
    stranger = make_user("stranger")
    with pytest.raises(DomainError) as refused:
        _create(stranger, clock, product_id=giver.package.pk)
    assert refused.value.code == "not_enough" and "0" in str(refused.value)
    assert_consistent()


def test_a_course_product_is_refused_even_with_units_on_record(giver, make_product, clock):
    course = make_product(prices=["10.00"])
    # a holding row for a course could only come from a bug elsewhere: still no draw of a course
    GiftHolding.objects.create(user=giver, product=course, bought=5, available=5)
    with pytest.raises(DomainError) as refused:
        _create(giver, clock, product_id=course.pk, method=Method.DIRECT)
    assert refused.value.code == "not_enough"
    assert not GiftDraw.objects.exists() and holding(giver, course).available == 5


def test_a_replayed_create_returns_the_same_draw_and_reserves_once(giver, clock):
    first = _create(giver, clock, request_key="form-1")
    again = _create(giver, clock, request_key="form-1")
    assert again.pk == first.pk and GiftDraw.objects.count() == 1
    assert counters(holding(giver, giver.package)) == (10, 8, 2, 0, 0)
    assert _create(giver, clock, request_key="form-2").pk != first.pk
    assert counters(holding(giver, giver.package)) == (10, 6, 4, 0, 0)
    assert_consistent()


# --- joining --------------------------------------------------------------------------------------
def test_the_giver_cannot_join(giver, new_draw, clock):
    draw = new_draw(Method.DIRECT)
    with pytest.raises(DomainError) as refused:
        services.join(draw_id=draw.pk, user=giver, now=clock.now())
    assert refused.value.code == "own" and not Participant.objects.exists()


def test_unknown_draw(user, db, clock):
    with pytest.raises(GiftDraw.DoesNotExist):
        services.join(draw_id=987654, user=user, now=clock.now())


@pytest.mark.parametrize("method", [Method.FULL, Method.TIMED, Method.DIRECT])
def test_once_per_shopper_a_second_join_returns_the_same_entry(giver, new_draw, shoppers, clock, method):
    draw = new_draw(method, gifts=2, needed=5)
    [a] = shoppers(1)
    first = services.join(draw_id=draw.pk, user=a, now=clock.now())
    again = services.join(draw_id=draw.pk, user=a, now=clock.now())
    assert again.pk == first.pk and first.position == 1
    draw.refresh_from_db()
    assert draw.participant_count == 1
    if method == Method.DIRECT:
        assert first.won and draw.given_count == 1 and notes(a, "gifts.won") == 1
    assert_consistent()


def test_a_winner_joining_again_after_the_last_gift_gets_their_entry(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.DIRECT, gifts=1)
    [a] = shoppers(1)
    mine = services.join(draw_id=draw.pk, user=a, now=clock.now())
    assert services.join(draw_id=draw.pk, user=a, now=clock.now()).pk == mine.pk  # not "gone"


def test_full_draw_is_drawn_by_the_nth_join_once(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.FULL, gifts=2, needed=4)
    people = shoppers(5)
    for i, person in enumerate(people[:3], start=1):
        entry = services.join(draw_id=draw.pk, user=person, now=clock.now())
        assert entry.position == i and not entry.won
        draw.refresh_from_db()
        assert draw.status == DrawStatus.OPEN and draw.joinable_at(clock.now())
    assert not Notification.objects.filter(key__startswith="gifts.").exists()
    clock.advance(timedelta(minutes=3))
    services.join(draw_id=draw.pk, user=people[3], now=clock.now())
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.drawn_at == clock.now() and draw.given_count == 2
    assert not draw.joinable_at(clock.now())
    winners = set(Participant.objects.filter(draw=draw, won=True).values_list("position", flat=True))
    assert winners == set(fairness.pick_winners(draw.seed, [1, 2, 3, 4], 2))
    with pytest.raises(DomainError) as refused:
        services.join(draw_id=draw.pk, user=people[4], now=clock.now())
    assert refused.value.code == "drawn"
    assert draw.participants.count() == 4  # never an N+1-th
    for entry in Participant.objects.filter(draw=draw):
        assert notes(entry.user, "gifts.won") == int(entry.won) and notes(entry.user, "gifts.not_won") == int(
            not entry.won)
    assert notes(giver, "gifts.drawn") == 1 and notes(people[4], "gifts.not_won") == 0
    assert counters(holding(giver, giver.package)) == (10, 8, 0, 2, 0)
    assert services.draw_now(draw.pk, now=clock.now()) is False  # a full draw is never drawn twice
    assert_consistent()


def test_full_draw_with_one_gift_per_participant_makes_everyone_win(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.FULL, gifts=3, needed=3)
    for person in shoppers(3):
        services.join(draw_id=draw.pk, user=person, now=clock.now())
    assert Participant.objects.filter(draw=draw, won=True).count() == 3
    assert counters(holding(giver, giver.package)) == (10, 7, 0, 3, 0)
    assert_consistent()


def test_direct_draw_hands_one_gift_per_join_then_is_gone(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.DIRECT, gifts=3)
    people = shoppers(4)
    for i, person in enumerate(people[:3], start=1):
        entry = services.join(draw_id=draw.pk, user=person, now=clock.now())
        assert entry.won and entry.position == i
        assert notes(person, "gifts.won") == 1
        assert counters(holding(giver, giver.package)) == (10, 7, 3 - i, i, 0)
        draw.refresh_from_db()
        assert draw.status == (DrawStatus.DRAWN if i == 3 else DrawStatus.OPEN)
        assert notes(giver, "gifts.direct_done") == (1 if i == 3 else 0)
    with pytest.raises(DomainError) as refused:
        services.join(draw_id=draw.pk, user=people[3], now=clock.now())
    assert refused.value.code == "gone" and draw.participants.count() == 3
    assert_consistent()


def test_timed_draw_refuses_joins_from_its_time_on_even_before_anyone_draws_it(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.TIMED, gifts=2, in_=timedelta(minutes=10))
    early, late, later = shoppers(3)
    services.join(draw_id=draw.pk, user=early, now=clock.now())
    clock.advance(timedelta(minutes=10))  # exactly the draw time; no job or sweeper has run
    assert GiftDraw.objects.get(pk=draw.pk).status == DrawStatus.OPEN
    assert not GiftDraw.objects.get(pk=draw.pk).joinable_at(clock.now())
    with pytest.raises(DomainError) as refused:
        services.join(draw_id=draw.pk, user=late, now=clock.now())
    assert refused.value.code == "closed"
    draw.refresh_from_db()  # that join found it due and drew it, without the late shopper
    assert draw.status == DrawStatus.DRAWN and draw.drawn_at == clock.now()
    assert list(draw.participants.values_list("user__username", "won")) == [(early.username, True)]
    clock.advance(timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        services.join(draw_id=draw.pk, user=later, now=clock.now())
    assert refused.value.code in ("closed", "drawn")  # refused by the clock, before the status is read
    assert notes(early, "gifts.won") == 1 and notes(giver, "gifts.drawn") == 1
    assert counters(holding(giver, giver.package)) == (10, 9, 0, 1, 1)  # one won, one back
    assert_consistent()


def test_timed_draw_accepts_joins_until_just_before_its_time(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.TIMED, gifts=1, in_=timedelta(minutes=10))
    clock.advance(timedelta(minutes=10) - timedelta(microseconds=1))
    [a] = shoppers(1)
    assert services.join(draw_id=draw.pk, user=a, now=clock.now()).position == 1


# --- timed draws: drawn once, whoever comes first --------------------------------------------------
@pytest.fixture
def timed_with_joiners(giver, new_draw, shoppers, clock):
    """A timed draw of 3 gifts at +10 minutes with 5 participants."""
    draw = new_draw(Method.TIMED, gifts=3, in_=timedelta(minutes=10))
    people = shoppers(5)
    for person in people:
        services.join(draw_id=draw.pk, user=person, now=clock.now())
    draw.people = people
    return draw


def _assert_drawn_once(draw, giver, *, gifts=3):
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    entries = list(Participant.objects.filter(draw=draw))
    assert sum(e.won for e in entries) == min(gifts, len(entries)) == draw.given_count
    for entry in entries:
        assert notes(entry.user, "gifts.won") == int(entry.won)
        assert notes(entry.user, "gifts.not_won") == int(not entry.won)
    assert notes(giver, "gifts.drawn") == 1
    assert_consistent()


def test_timed_draw_by_its_job(timed_with_joiners, giver, clock):
    draw = timed_with_joiners
    assert tasks.draw(draw.pk) is False  # not yet
    clock.advance(timedelta(minutes=10))
    assert tasks.draw(draw.pk) is True
    assert tasks.draw(draw.pk) is False and tasks.apply_due(clock.now()) == 0  # again: nothing
    _assert_drawn_once(draw, giver)
    assert draw.drawn_at == clock.now()
    assert tasks.draw(123456789) is False  # a draw deleted meanwhile


def test_a_draw_tells_everyone_in_one_statement_and_mails_them_by_one_task(giver, new_draw, shoppers, clock,
                                                                         django_assert_max_num_queries,
                                                                         django_capture_on_commit_callbacks):
    """Drawing holds the draw's row (and SQLite's one writer): telling its participants must not
    cost a statement each, nor a task each after commit."""
    from unittest import mock

    draw = new_draw(Method.TIMED, gifts=3, in_=timedelta(minutes=10))
    for person in shoppers(25):
        services.join(draw_id=draw.pk, user=person, now=clock.now())
    clock.advance(timedelta(minutes=10))
    with mock.patch("shop.notifications.services.async_task") as enqueue:
        with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(14):
            assert tasks.draw(draw.pk) is True
    assert [call.args[0] for call in enqueue.call_args_list] == ["shop.notifications.tasks.deliver_many"]
    assert len(enqueue.call_args.args[1]) == 26  # 25 participants and the giver, all with e-mail
    _assert_drawn_once(draw, giver)
    from shop.notifications.tasks import deliver_many

    assert deliver_many(enqueue.call_args.args[1]) == 26
    assert deliver_many(enqueue.call_args.args[1]) == 0  # delivered twice: sent once


def test_timed_draw_by_the_sweeper(timed_with_joiners, giver, clock):
    from shop.scheduling.tasks import sweep

    draw = timed_with_joiners
    assert tasks.apply_due(clock.now()) == 0
    clock.advance(timedelta(minutes=15))  # the job was lost
    assert sweep()["gifts"] == 1
    assert sweep()["gifts"] == 0 and tasks.draw(draw.pk) is False
    _assert_drawn_once(draw, giver)


def test_timed_draw_by_a_join_after_its_time(timed_with_joiners, giver, shoppers, clock):
    draw = timed_with_joiners
    clock.advance(timedelta(hours=2))
    [late] = shoppers(1, "late")
    with pytest.raises(DomainError):
        services.join(draw_id=draw.pk, user=late, now=clock.now())
    assert services.join(draw_id=draw.pk, user=draw.people[0], now=clock.now()).position == 1  # their entry
    assert tasks.draw(draw.pk) is False and tasks.apply_due(clock.now()) == 0
    _assert_drawn_once(draw, giver)


def test_timed_draw_nobody_joined_gives_everything_back(giver, new_draw, clock):
    draw = new_draw(Method.TIMED, gifts=4, in_=timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    assert tasks.apply_due(clock.now()) == 1
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.given_count == 0
    assert counters(holding(giver, giver.package)) == (10, 10, 0, 0, 4)
    note = Notification.objects.get(user=giver, key="gifts.drawn")
    assert note.params == {"winners": 0, "back": 4}
    assert_consistent()


def test_timed_draw_with_fewer_participants_than_gifts_gives_the_rest_back(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.TIMED, gifts=5, in_=timedelta(minutes=5))
    people = shoppers(2)
    for person in people:
        services.join(draw_id=draw.pk, user=person, now=clock.now())
    clock.advance(timedelta(minutes=6))
    assert tasks.draw(draw.pk)
    assert Participant.objects.filter(draw=draw, won=True).count() == 2
    assert counters(holding(giver, giver.package)) == (10, 8, 0, 2, 3)
    assert Notification.objects.get(user=giver, key="gifts.drawn").params == {"winners": 2, "back": 3}
    _assert_drawn_once(draw, giver, gifts=5)


def test_timed_draw_is_scheduled_by_name_and_unscheduled_when_closed(giver, new_draw, clock,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draw = new_draw(Method.TIMED, gifts=2, in_=timedelta(hours=3))
    job = Schedule.objects.get(name=f"gift:{draw.pk}:draw")
    assert job.func == "shop.gifts.tasks.draw" and job.schedule_type == Schedule.ONCE
    assert ast.literal_eval(job.args) == (draw.pk,)  # django-q2 keeps the arguments as a repr
    from django.utils import timezone

    assert abs(job.next_run - (timezone.now() + timedelta(hours=3))) < timedelta(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.close(draw_id=draw.pk, user=giver, now=clock.now())
    assert not Schedule.objects.filter(name=f"gift:{draw.pk}:draw").exists()
    assert_consistent()


def test_other_methods_schedule_nothing(giver, new_draw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draws = [new_draw(Method.FULL), new_draw(Method.DIRECT)]
    assert not Schedule.objects.filter(name__in=[f"gift:{d.pk}:draw" for d in draws]).exists()


# --- closing by the giver --------------------------------------------------------------------------
def test_closing_a_direct_draw_returns_what_is_left(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.DIRECT, gifts=3)
    first, second = shoppers(2)
    services.join(draw_id=draw.pk, user=first, now=clock.now())
    closed = services.close(draw_id=draw.pk, user=giver, now=clock.now())
    assert closed.status == DrawStatus.CLOSED and closed.drawn_at == clock.now()
    assert counters(holding(giver, giver.package)) == (10, 9, 0, 1, 2)
    with pytest.raises(DomainError) as refused:
        services.join(draw_id=draw.pk, user=second, now=clock.now())
    assert refused.value.code == "closed"
    with pytest.raises(DomainError) as refused:
        services.close(draw_id=draw.pk, user=giver, now=clock.now())
    assert refused.value.code == "not_open"
    assert counters(holding(giver, giver.package)) == (10, 9, 0, 1, 2)
    assert_consistent()


def test_a_finished_direct_draw_cannot_be_closed(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.DIRECT, gifts=1)
    services.join(draw_id=draw.pk, user=shoppers(1)[0], now=clock.now())
    with pytest.raises(DomainError) as refused:
        services.close(draw_id=draw.pk, user=giver, now=clock.now())
    assert refused.value.code == "not_open"
    assert_consistent()


@pytest.mark.parametrize("method", [Method.FULL, Method.TIMED])
def test_random_draws_close_only_while_nobody_joined(giver, new_draw, shoppers, clock, method):
    empty = new_draw(method, gifts=2, needed=3)
    joined = new_draw(method, gifts=2, needed=3)
    services.join(draw_id=joined.pk, user=shoppers(1)[0], now=clock.now())
    with pytest.raises(DomainError) as refused:
        services.close(draw_id=joined.pk, user=giver, now=clock.now())
    assert refused.value.code == "joined"
    assert services.close(draw_id=empty.pk, user=giver, now=clock.now()).status == DrawStatus.CLOSED
    assert counters(holding(giver, giver.package)) == (10, 8, 2, 0, 2)
    assert_consistent()


def test_a_due_timed_draw_cannot_be_closed_it_draws(giver, new_draw, clock):
    draw = new_draw(Method.TIMED, gifts=2, in_=timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    with pytest.raises(DomainError) as refused:
        services.close(draw_id=draw.pk, user=giver, now=clock.now())
    assert refused.value.code == "not_open"
    assert tasks.apply_due(clock.now()) == 1
    assert counters(holding(giver, giver.package)) == (10, 10, 0, 0, 2)
    assert_consistent()


def test_only_the_giver_closes(giver, new_draw, shoppers, clock):
    draw = new_draw(Method.DIRECT)
    with pytest.raises(GiftDraw.DoesNotExist):
        services.close(draw_id=draw.pk, user=shoppers(1)[0], now=clock.now())
    assert GiftDraw.objects.get(pk=draw.pk).status == DrawStatus.OPEN


# --- winners' shipping -----------------------------------------------------------------------------
def _address(user, name="Ann"):
    from shop.accounts.models import Address

    return Address.objects.create(user=user, name=name, phone="13800138000", address=f"{name}'s street 1")


@pytest.fixture
def won_and_lost(giver, new_draw, shoppers, clock):
    """A full draw of 1 gift among 2: (winner's entry, loser's entry)."""
    draw = new_draw(Method.FULL, gifts=1, needed=2)
    for person in shoppers(2):
        services.join(draw_id=draw.pk, user=person, now=clock.now())
    entries = list(Participant.objects.filter(draw=draw).select_related("user"))
    return next(e for e in entries if e.won), next(e for e in entries if not e.won)


def test_a_winner_gives_their_own_address_and_may_change_it(won_and_lost, clock):
    winner, _loser = won_and_lost
    first, second = _address(winner.user, "Ann"), _address(winner.user, "Bea")
    entry = services.give_address(draw_id=winner.draw_id, user=winner.user, address=first, now=clock.now())
    assert entry.shipping == {"name": "Ann", "phone": "13800138000", "address": "Ann's street 1"}
    assert entry.shipping_at == clock.now()
    entry = services.give_address(draw_id=winner.draw_id, user=winner.user, address=second, now=clock.now())
    assert Participant.objects.get(pk=winner.pk).shipping["name"] == "Bea"


def test_only_winners_give_addresses_and_only_their_own(won_and_lost, clock):
    winner, loser = won_and_lost
    with pytest.raises(Participant.DoesNotExist):
        services.give_address(draw_id=loser.draw_id, user=loser.user, address=_address(loser.user), now=clock.now())
    with pytest.raises(DomainError) as refused:
        services.give_address(draw_id=winner.draw_id, user=winner.user, address=_address(loser.user, "Lou"),
                              now=clock.now())
    assert refused.value.code == "address"
    with pytest.raises(DomainError):
        services.give_address(draw_id=winner.draw_id, user=winner.user, address=None, now=clock.now())
    assert Participant.objects.get(pk=winner.pk).shipping is None
    assert Participant.objects.get(pk=loser.pk).shipping is None


def test_mark_sent_needs_an_address_is_idempotent_and_audited(won_and_lost, operator, clock):
    from shop.core.models import AuditLog

    winner, loser = won_and_lost
    with pytest.raises(DomainError) as refused:
        services.mark_sent(participant_id=winner.pk, operator=operator, tracking="SF1", now=clock.now())
    assert refused.value.code == "no_address"
    with pytest.raises(DomainError) as refused:
        services.mark_sent(participant_id=loser.pk, operator=operator, tracking="SF1", now=clock.now())
    assert refused.value.code == "not_winner"
    with pytest.raises(Participant.DoesNotExist):
        services.mark_sent(participant_id=987654, operator=operator, tracking="", now=clock.now())
    services.give_address(draw_id=winner.draw_id, user=winner.user, address=_address(winner.user), now=clock.now())
    sent_at = clock.now()
    entry = services.mark_sent(participant_id=winner.pk, operator=operator, tracking="  SF123  ", now=sent_at)
    assert entry.shipped_at == sent_at and entry.tracking == "SF123"
    clock.advance(timedelta(hours=1))
    again = services.mark_sent(participant_id=winner.pk, operator=operator, tracking="OTHER", now=clock.now())
    assert again.shipped_at == sent_at and again.tracking == "SF123"
    log = AuditLog.objects.get(action="gift.sent")
    assert log.actor == operator and log.target_id == str(winner.draw_id) and log.target_type == "gifts.giftdraw"
    assert log.after == {"sent": winner.user.username, "tracking": "SF123"}
    assert notes(winner.user, "gifts.sent") == 1
    with pytest.raises(DomainError) as refused:
        services.give_address(draw_id=winner.draw_id, user=winner.user, address=_address(winner.user, "New"),
                              now=clock.now())
    assert refused.value.code == "sent"
    assert Participant.objects.get(pk=winner.pk).shipping["name"] == "Ann"
    assert_consistent()
