import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.core import clock
from shop.core.money import to_money
from shop.scheduling.models import Heartbeat


def test_clock_freeze_and_advance():
    at = timezone.now().replace(microsecond=0)
    clock.freeze(at)
    assert clock.now() == at
    clock.advance(timedelta(minutes=5))
    assert clock.now() == at + timedelta(minutes=5)
    clock.reset()
    assert abs((clock.now() - timezone.now()).total_seconds()) < 1


def test_clock_advance_without_freeze_moves_real_time():
    clock.advance(timedelta(days=1))
    assert (clock.now() - timezone.now()) > timedelta(hours=23)


def test_clock_refuses_naive_datetime():
    with pytest.raises(ValueError):
        clock.freeze(timezone.now().replace(tzinfo=None))


@pytest.mark.parametrize("raw, expected", [("1.005", "1.01"), ("2", "2.00"), (" 3.454 ", "3.45"), ("-0.005", "-0.01")])
def test_to_money_rounds_half_up(raw, expected):
    assert to_money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", "1e999999999"])
def test_to_money_refuses_non_numbers(raw):
    with pytest.raises(ValueError):
        to_money(raw)


def test_to_money_refuses_float():
    with pytest.raises(TypeError):
        to_money(1.5)


def test_home_renders_for_anonymous(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign up" in response.content


def test_healthz_reports_database_and_unknown_cluster(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"]["status"] == "ok"
    assert body["cluster"]["status"] == "unknown"


def test_healthz_cluster_ok_after_sweep_and_stale_later(client, db, clock):
    from shop.scheduling.tasks import sweep

    sweep()
    assert json.loads(client.get("/healthz").content)["cluster"]["status"] == "ok"
    clock.advance(timedelta(minutes=10))
    assert json.loads(client.get("/healthz").content)["cluster"]["status"] == "stale"
    assert Heartbeat.objects.count() == 1


def test_language_switch_to_chinese(client, db):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert "登录".encode() in response.content


def test_unknown_page_is_404(client, db):
    assert client.get("/no-such-page/").status_code == 404
