"""Notifications are stored as a text key + params and shown in the reader's language: in the
inbox in the language the reader browses in, in e-mails in the one they last used the site in."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shop.core.texts import Text, define
from shop.notifications.models import Notification, Preference
from shop.notifications.services import language_of, notify, remember_language
from shop.notifications.views import LANGUAGE_SESSION_KEY

PAID = define("test.note_paid", title=_("Order %(number)s is paid"), body=_("Refund of order %(number)s"))
INBOX = reverse("notifications:inbox")


def _inbox(client, language):
    client.cookies["django_language"] = language
    return client.get(INBOX).content.decode()


def test_made_in_english_read_in_chinese(shopper_client, user):
    with translation.override("en"):
        notify(user, Text(PAID, number="B1"))
    page = _inbox(shopper_client, "zh-hans")
    assert "订单 B1 已支付" in page and "订单 B1 退款" in page
    assert "Order B1 is paid" not in page


def test_made_in_chinese_read_in_english(shopper_client, user):
    with translation.override("zh-hans"):  # e.g. triggered by an operator browsing in Chinese
        note = notify(user, Text(PAID, number="B2"))
    assert note.title == "Order B2 is paid"  # the stored fallback is in the site's default language
    page = _inbox(shopper_client, "en")
    assert "Order B2 is paid" in page and "Refund of order B2" in page
    assert "订单" not in page


def test_rows_without_a_key_still_show_as_stored(shopper_client, user):
    Notification.objects.create(user=user, title="Old row", body="Written before keys", send_at=user.date_joined)
    notify(user, "Plain title", "Plain body")  # deprecated plain-text call
    page = _inbox(shopper_client, "zh-hans")
    assert "Old row" in page and "Written before keys" in page
    assert "Plain title" in page and "Plain body" in page


def test_a_key_no_longer_defined_shows_the_stored_text(shopper_client, user):
    note = notify(user, Text(PAID, number="B3"))
    Notification.objects.filter(pk=note.pk).update(key="gone.away")
    assert "Order B3 is paid" in _inbox(shopper_client, "zh-hans")


def test_email_is_in_the_recipients_language(user, django_capture_on_commit_callbacks):
    remember_language(user, "zh-hans")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify(user, Text(PAID, number="B4"), url="/orders/B4/")
    assert mail.outbox[0].subject == "订单 B4 已支付"
    assert mail.outbox[0].body.startswith("订单 B4 退款")


def test_email_without_a_known_language_uses_the_site_default(user, settings, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        notify(user, Text(PAID, number="B5"))
    assert mail.outbox[0].subject == "Order B5 is paid"


def test_the_site_remembers_the_language_a_shopper_reads_in(shopper_client, user):
    assert language_of(user) == "en"
    shopper_client.cookies["django_language"] = "zh-hans"
    shopper_client.get(reverse("notifications:bell"))
    assert Preference.objects.get(user=user).language == "zh-hans"
    assert shopper_client.session[LANGUAGE_SESSION_KEY] == "zh-hans"
    assert language_of(user) == "zh-hans"
    shopper_client.cookies["django_language"] = "en"
    shopper_client.get(reverse("notifications:bell"))
    assert language_of(user) == "en"


def test_remembering_writes_once_per_session(shopper_client, user):
    shopper_client.get(reverse("notifications:bell"))
    Preference.objects.filter(user=user).delete()
    shopper_client.get(reverse("notifications:bell"))
    assert not Preference.objects.filter(user=user).exists()  # the session knows it was stored


def test_unknown_language_is_not_stored(user):
    assert remember_language(user, "xx") is False
    assert language_of(user) == "en"


def test_text_and_body_string_are_not_mixed(user):
    with pytest.raises(TypeError):
        notify(user, Text(PAID, number="B6"), "a body")


def test_email_to_an_english_reader_made_while_chinese_is_active(user, django_capture_on_commit_callbacks):
    remember_language(user, "en")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        notify(user, Text(PAID, number="B7"))
    assert mail.outbox[0].subject == "Order B7 is paid"
