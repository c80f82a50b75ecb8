from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django_q.models import Schedule

from shop.notifications.models import Notification
from shop.notifications.services import deliver, notify
from shop.notifications.tasks import apply_due


def test_notify_emails_once_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user, "Hello", "Body", url="/me/wallet/")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Hello"
    assert deliver(note.pk) is False  # already sent
    assert apply_due(note.send_at) == 0
    assert len(mail.outbox) == 1


def test_user_without_email_gets_only_in_site(make_user, django_capture_on_commit_callbacks):
    quiet = make_user("quiet")
    with django_capture_on_commit_callbacks(execute=True):
        notify(quiet, "Hi")
    assert mail.outbox == []
    assert Notification.objects.filter(user=quiet).count() == 1


def test_deferred_notification_is_scheduled_hidden_then_shown(user, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user, "Later", at=clock.now() + timedelta(hours=1))
    assert Schedule.objects.filter(name=f"notification:{note.pk}:send").exists()
    assert mail.outbox == []
    from shop.notifications.services import unread_count

    assert unread_count(user) == 0
    clock.advance(timedelta(hours=1))
    assert unread_count(user) == 1  # read against the clock, not the job


def test_bell_partial_counts_unread_and_inbox_marks_read(shopper_client, user):
    notify(user, "One")
    notify(user, "Two")
    bell = shopper_client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="unread-count">2<' in bell
    inbox = shopper_client.get(reverse("notifications:inbox")).content.decode()
    assert "One" in inbox and "Two" in inbox
    bell = shopper_client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true").content.decode()
    assert "unread-count" not in bell


def test_bell_for_anonymous_is_empty(client, db):
    assert client.get(reverse("notifications:bell")).status_code == 204


def test_inbox_shows_only_own_notifications(shopper_client, other_user):
    notify(other_user, "Secret for someone else")
    assert "Secret" not in shopper_client.get(reverse("notifications:inbox")).content.decode()
