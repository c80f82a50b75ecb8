from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from shop.core import tasks as core_tasks
from shop.core.models import Session
from shop.notifications.services import notify
from shop.scheduling.services import SWEEPER_NAME, ensure_sweeper, schedule_once, unschedule
from shop.scheduling.tasks import due_handlers, sweep


def test_schedule_once_creates_moves_and_deletes(db, clock):
    at = clock.now() + timedelta(minutes=5)
    schedule_once("thing:1:open", "shop.notifications.tasks.deliver", at, 1)
    schedule_once("thing:1:open", "shop.notifications.tasks.deliver", at + timedelta(minutes=5), 1)
    jobs = Schedule.objects.filter(name="thing:1:open")
    assert jobs.count() == 1
    job = jobs.get()
    assert job.schedule_type == Schedule.ONCE and job.args == "(1,)"
    assert abs((job.next_run - (at + timedelta(minutes=5))).total_seconds()) < 2
    assert unschedule("thing:1:open") == 1
    assert not Schedule.objects.filter(name="thing:1:open").exists()


def test_schedule_uses_real_time_when_the_clock_is_moved(db, clock):
    clock.advance(timedelta(days=3))
    schedule_once("thing:2:open", "x.y", clock.now() + timedelta(minutes=1))
    job = Schedule.objects.get(name="thing:2:open")
    assert abs((job.next_run - (timezone.now() + timedelta(minutes=1))).total_seconds()) < 5


def test_sweeper_is_registered_once_by_migrate(db):
    assert Schedule.objects.filter(name=SWEEPER_NAME).count() == 1  # post_migrate did it
    ensure_sweeper()
    call_command("migrate", verbosity=0)
    sweeper = Schedule.objects.get(name=SWEEPER_NAME)
    assert sweeper.schedule_type == Schedule.MINUTES and sweeper.minutes == 1


def test_sweep_calls_each_apps_apply_due(db):
    labels = [label for label, _ in due_handlers()]
    assert "notifications" in labels
    assert "scheduling" not in labels
    assert sweep()["notifications"] == 0


def test_sweep_survives_a_failing_app(db, monkeypatch):
    def boom(now):
        raise RuntimeError("broken app")

    monkeypatch.setattr("shop.scheduling.tasks.due_handlers", lambda: [("broken", boom), *due_handlers()])
    done = sweep()
    assert done["broken"] == -1 and done["notifications"] == 0


def test_due_job_runs_once_when_schedule_and_sweeper_both_fire(user, clock, django_capture_on_commit_callbacks):
    """A deferred e-mail: its one-off schedule fires, and so does the sweeper — one e-mail."""
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user, "Reminder", at=clock.now() + timedelta(minutes=10))
    clock.advance(timedelta(minutes=11))
    Schedule.objects.filter(name=f"notification:{note.pk}:send").update(next_run=clock.now() - timedelta(days=9))
    sweep()  # the sweeper gets there first …
    scheduler(broker=get_broker())  # … then the (late) schedule fires: nothing more happens
    sweep()
    assert len(mail.outbox) == 1
    assert not Schedule.objects.filter(name=f"notification:{note.pk}:send").exists()


def test_due_job_via_schedule_alone(user, clock, django_capture_on_commit_callbacks):
    from django.utils import timezone
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user, "Soon", at=clock.now() + timedelta(minutes=1))
    clock.advance(timedelta(minutes=2))
    Schedule.objects.filter(name=f"notification:{note.pk}:send").update(next_run=timezone.now() - timedelta(seconds=1))
    scheduler(broker=get_broker())
    assert [m.subject for m in mail.outbox] == ["Soon"]
    sweep()
    assert len(mail.outbox) == 1


def test_the_sweep_forgets_expired_sessions_in_bounded_batches(user, monkeypatch):
    signed_in = Client()
    signed_in.force_login(user)
    past = timezone.now() - timedelta(seconds=1)
    Session.objects.bulk_create([Session(session_key=f"gone{i:04d}", session_data="", expire_date=past)
                                 for i in range(5)])
    monkeypatch.setattr(core_tasks, "SESSION_BATCH", 3)
    assert sweep()["core"] == 3
    assert sweep()["core"] == 2
    assert sweep()["core"] == 0
    assert list(Session.objects.values_list("user_id", flat=True)) == [user.pk]  # the live one stays
    assert signed_in.get(reverse("notifications:inbox")).status_code == 200
