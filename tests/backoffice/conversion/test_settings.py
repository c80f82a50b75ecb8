"""The backoffice conversion page: access, the settings form (validation messages, audit), this
month's quota use and the table of recent conversions."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from shop.conversion import services
from shop.conversion.models import ConversionSettings
from shop.core.models import AuditLog

URL = "/backoffice/campaigns/conversion/"


@pytest.fixture
def client(csrf_client):
    return csrf_client


@pytest.fixture
def valid(clock, local):
    def data(**overrides):
        now = clock.now()
        values = {"rate": "0.10", "loss_percent": "5", "min_gems": "100", "monthly_quota": "5000",
                  "opens_at": local(now - timedelta(days=1)), "closes_at": local(now + timedelta(days=30))}
        values.update(overrides)
        return values

    return data


def test_url_name():
    from django.urls import reverse

    assert reverse("backoffice:conversion:settings") == URL


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(URL, {"rate": "1"}).status_code == 302
    assert not ConversionSettings.objects.exists()


def test_shopper_gets_403(client, user):
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"rate": "1"}).status_code == 403


def test_staff_without_the_permission_gets_403(client, staff_without_areas, valid):
    client.force_login(staff_without_areas)
    assert client.get(URL).status_code == 403
    assert client.post(URL, valid()).status_code == 403
    assert not ConversionSettings.objects.exists()


def test_staff_with_only_this_permission_may_enter(client, make_user):
    from django.contrib.auth.models import Permission

    staff = make_user("convstaff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_conversionsettings"))
    client.force_login(staff)
    assert client.get(URL).status_code == 200


def test_page_without_settings(client, operator):
    client.force_login(operator)
    html = client.get(URL).content.decode()
    assert "Not set up" in html and "Save settings" in html


def test_save_creates_the_settings_and_audits(client, operator, valid, clock):
    client.force_login(operator)
    response = client.post(URL, valid())
    assert response.status_code == 302 and response["Location"] == URL
    row = ConversionSettings.objects.get()
    assert (row.rate, row.loss_percent, row.min_gems, row.monthly_quota) == (
        Decimal("0.1000"), Decimal("5.00"), Decimal("100.00"), Decimal("5000.00"))
    assert row.updated_at == clock.now()
    log = AuditLog.objects.get(action="conversion.settings")
    assert log.actor == operator and log.before is None and log.after["monthly_quota"] == "5000.00"
    assert "Conversion settings saved." in client.get(URL).content.decode()


def test_change_is_audited_with_before_and_after(client, operator, valid):
    client.force_login(operator)
    client.post(URL, valid())
    client.post(URL, valid(loss_percent="12.5"))
    log = AuditLog.objects.filter(action="conversion.settings").latest("id")
    assert log.before["loss_percent"] == "5.00" and log.after["loss_percent"] == "12.50"


@pytest.mark.parametrize(("field", "value", "words"), [
    ("rate", "0", "Enter a rate between"),
    ("rate", "5000", "Enter a rate between"),
    ("rate", "abc", "Enter a number"),
    ("loss_percent", "100", "loss rate between 0 and 99.99"),
    ("loss_percent", "-1", "loss rate between 0 and 99.99"),
    ("min_gems", "0", "minimum between"),
    ("monthly_quota", "-5", "quota between 0 and"),
    ("monthly_quota", "100000000.01", "quota between 0 and"),
    ("monthly_quota", "1e400", ""),
    ("opens_at", "yesterday", "Enter a valid date/time"),
])
def test_invalid_settings_show_messages_and_save_nothing(client, operator, valid, field, value, words):
    client.force_login(operator)
    response = client.post(URL, valid(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert words in html
    assert not ConversionSettings.objects.exists() and not AuditLog.objects.filter(action="conversion.settings")


def test_window_must_close_after_it_opens(client, operator, valid, clock, local):
    client.force_login(operator)
    now = clock.now()
    response = client.post(URL, valid(opens_at=local(now), closes_at=local(now - timedelta(hours=1))))
    assert response.status_code == 200 and "The window must close after it opens." in response.content.decode()
    assert not ConversionSettings.objects.exists()


def test_quota_use_and_recent_conversions(client, operator, terms_row, make_user, fund, clock,
                                          django_assert_max_num_queries):
    for i in range(3):
        shopper = make_user(f"conv{i}", is_verified=True)
        fund(shopper, gem=300)
        services.convert(user=shopper, gems=Decimal("150"), now=clock.now())
    client.force_login(operator)
    with django_assert_max_num_queries(20):
        html = client.get(URL).content.decode()
    assert re.search(r'data-testid="quota-use">¥42.75 / ¥5,000.00<', html)
    assert "3 conversions this month" in html
    assert html.count("conv") >= 3 and "¥14.25" in html
    sorted_html = client.get(URL, {"sort": "user"}, HTTP_HX_REQUEST="true").content.decode()
    assert sorted_html.startswith('<div id="table">')
    assert sorted_html.index("conv0") < sorted_html.index("conv2")


@pytest.fixture
def terms_row(db, clock):
    now = clock.now()
    return ConversionSettings.objects.create(
        rate=Decimal("0.10"), loss_percent=Decimal("5"), min_gems=Decimal("100"), opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1), monthly_quota=Decimal("5000"), updated_at=now)


def test_table_is_paginated_with_a_bounded_number_of_queries(client, operator, terms_row, user, clock,
                                                             django_assert_max_num_queries):
    from shop.conversion.models import Conversion

    Conversion.objects.bulk_create([
        Conversion(user=user, month=f"{2000 + i // 12}-{i % 12 + 1:02d}", gems=Decimal("100"), rate=Decimal("0.1"),
                   loss_percent=Decimal("5"), gross=Decimal("10.00"), credited=Decimal("9.50"),
                   created_at=clock.now() - timedelta(days=31 * i))
        for i in range(30)
    ])
    client.force_login(operator)
    with django_assert_max_num_queries(20):
        first = client.get(URL).content.decode()
    assert first.count("shopper</a>") == 25
    second = client.get(URL, {"page": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert second.count("shopper</a>") == 5 and "2002-06" in second  # the oldest
