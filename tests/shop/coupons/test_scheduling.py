"""Claim open/close through one-off django-q2 schedules named ``coupon:<id>:open|close``, the
sweeper when they are lost, and expiry (SPEC §9)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.scheduler import scheduler

from shop.coupons.models import Coupon
from shop.coupons.services import coupon_delete, coupon_save
from shop.coupons.tasks import apply_due, sync_status
from shop.scheduling.tasks import sweep


@pytest.fixture
def scheduled(operator, clock, django_capture_on_commit_callbacks):
    """A coupon saved through the service: claim opens in 1 h, closes in 2 h; its jobs exist."""
    now = clock.now()
    coupon = Coupon(name="Timed", kind="flat", value=Decimal("5"), quantity=10, valid_days=3,
                    claim_opens_at=now + timedelta(hours=1), claim_closes_at=now + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        coupon_save(coupon=coupon, actor=operator, now=now)
    return coupon


def _job(coupon, event):
    return Schedule.objects.filter(name=f"coupon:{coupon.pk}:{event}").first()


def _fire_due(coupon, event):
    """What the qcluster does about 30 s after a job is due: make it due in real time, run the scheduler."""
    Schedule.objects.filter(name=f"coupon:{coupon.pk}:{event}").update(next_run=timezone.now() - timedelta(seconds=1))
    scheduler(broker=get_broker())


def _status(coupon):
    coupon.refresh_from_db()
    return coupon.status


def test_saving_schedules_open_and_close_jobs(scheduled, clock):
    open_job, close_job = _job(scheduled, "open"), _job(scheduled, "close")
    assert open_job.func == close_job.func == "shop.coupons.tasks.sync_status"
    assert open_job.args == close_job.args == f"({scheduled.pk},)"
    assert open_job.schedule_type == Schedule.ONCE
    assert abs((close_job.next_run - open_job.next_run).total_seconds() - 3600) < 2


def test_open_and_close_happen_through_the_jobs(scheduled, clock):
    assert _status(scheduled) == "not_started"
    clock.advance(timedelta(hours=1, seconds=1))
    _fire_due(scheduled, "open")
    assert _status(scheduled) == "claiming"
    assert _job(scheduled, "open") is None  # a one-off schedule is gone once it ran
    clock.advance(timedelta(hours=1))
    _fire_due(scheduled, "close")
    assert _status(scheduled) == "ended"


def test_a_job_that_fires_early_or_twice_changes_nothing_wrongly(scheduled, clock):
    assert sync_status(scheduled.pk) == 0  # before its time: still not started
    assert _status(scheduled) == "not_started"
    clock.advance(timedelta(hours=1))
    assert sync_status(scheduled.pk) == 1
    assert sync_status(scheduled.pk) == 0
    assert _status(scheduled) == "claiming"


def test_sweeper_opens_and_closes_when_the_jobs_are_lost(scheduled, clock):
    Schedule.objects.filter(name__startswith=f"coupon:{scheduled.pk}:").delete()
    clock.advance(timedelta(hours=1))
    assert apply_due(clock.now()) == 1
    assert _status(scheduled) == "claiming"
    clock.advance(timedelta(hours=1))
    sweep()  # the real per-minute sweeper finds coupons' apply_due
    assert _status(scheduled) == "ended"
    assert apply_due(clock.now()) == 0


def test_a_late_sweeper_jumps_straight_to_ended(scheduled, clock):
    clock.advance(timedelta(days=1))
    apply_due(clock.now())
    assert _status(scheduled) == "ended"


def test_editing_the_window_moves_the_jobs(scheduled, operator, clock, django_capture_on_commit_callbacks):
    first_open, first_close = _job(scheduled, "open").next_run, _job(scheduled, "close").next_run
    scheduled.claim_opens_at += timedelta(hours=3)
    scheduled.claim_closes_at += timedelta(hours=5)
    with django_capture_on_commit_callbacks(execute=True):
        coupon_save(coupon=scheduled, actor=operator, now=clock.now())
    assert Schedule.objects.filter(name__startswith=f"coupon:{scheduled.pk}:").count() == 2
    assert abs((_job(scheduled, "open").next_run - first_open).total_seconds() - 3 * 3600) < 2
    assert abs((_job(scheduled, "close").next_run - first_close).total_seconds() - 5 * 3600) < 2
    clock.advance(timedelta(hours=1, minutes=30))  # the old open time: nothing opens
    _fire_due(scheduled, "close")  # even a job run too early finds nothing to do
    assert _status(scheduled) == "not_started"


def test_deleting_removes_the_jobs(scheduled, operator, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        coupon_delete(coupon_id=scheduled.pk, actor=operator, now=clock.now())
    assert not Schedule.objects.filter(name__startswith=f"coupon:{scheduled.pk}:").exists()
    clock.advance(timedelta(hours=1))
    apply_due(clock.now())
    assert _status(scheduled) == "not_started"  # deleted coupons are left alone


def test_only_edges_still_ahead_get_a_job(operator, clock, django_capture_on_commit_callbacks):
    now = clock.now()
    coupon = Coupon(name="Already open", kind="flat", value=Decimal("5"), quantity=10, valid_days=3,
                    claim_opens_at=now - timedelta(hours=1), claim_closes_at=now + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        coupon_save(coupon=coupon, actor=operator, now=now)
    assert _job(coupon, "open") is None and _job(coupon, "close") is not None
    assert coupon.status == "claiming"


def test_sweeper_expires_claimed_coupons(user, make_coupon, give_coupon, clock):
    claimed = give_coupon(user, make_coupon(valid_days=1))
    clock.advance(timedelta(days=1))
    assert apply_due(clock.now()) >= 1
    claimed.refresh_from_db()
    assert claimed.status == "expired"
