"""``services.convert``: each rule refuses with its code and a message, the wallet and the
month's quota move together in one transaction, and the month is the site's calendar month."""

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shop.conversion import services
from shop.conversion.models import Conversion, ConversionMonth, ConversionSettings
from shop.core.audit import AuditLog
from shop.core.errors import DomainError
from shop.notifications.models import Notification
from shop.wallet.models import LedgerEntry
from shop.wallet.selectors import current, ledger_sums
from shop.wallet.services import wallet_of


def _refused(user, gems, now, code):
    with pytest.raises(DomainError) as caught:
        services.convert(user=user, gems=Decimal(gems), now=now)
    assert caught.value.code == code
    assert caught.value.message
    return caught.value.message


def test_convert_moves_gems_into_balance_with_ledger_entries(terms, shopper, clock):
    terms()
    conversion = services.convert(user=shopper, gems=Decimal("150"), now=clock.now())
    assert (conversion.gems, conversion.gross, conversion.credited) == (Decimal("150"), Decimal("15.00"),
                                                                       Decimal("14.25"))
    assert current(shopper, "gem") == Decimal("150.00")
    assert current(shopper, "balance") == Decimal("14.25")
    entries = LedgerEntry.objects.filter(ref=f"conversion:{conversion.pk}").order_by("id")
    assert [(e.asset, e.amount, e.kind) for e in entries] == [("gem", Decimal("-150.00"), "expense"),
                                                             ("balance", Decimal("14.25"), "income")]
    assert entries[0].memo_key == "conversion.gems" and entries[1].memo_key == "conversion.balance"
    assert "Converted from 150 gems" in entries[1].shown_memo
    sums = ledger_sums(wallet_of(shopper))
    assert sums["gem"] == current(shopper, "gem") and sums["balance"] == current(shopper, "balance")
    month = ConversionMonth.objects.get()
    assert (month.quota, month.used) == (Decimal("5000.00"), Decimal("14.25"))
    note = Notification.objects.get(user=shopper)
    assert note.key == "conversion.done" and "¥14.25" in note.shown_title and note.url == "/me/wallet/"


def test_rounding_up_is_what_is_credited(terms, shopper, clock):
    terms(rate=Decimal("0.1234"))
    conversion = services.convert(user=shopper, gems=Decimal("101"), now=clock.now())
    assert conversion.credited == Decimal("11.85")  # 11.84023 rounded up, not half-up
    assert current(shopper, "balance") == Decimal("11.85")


def test_not_configured(shopper, clock):
    assert "not available" in _refused(shopper, "150", clock.now(), "not_configured")


def test_window_edges(terms, shopper, clock, make_user, fund):
    now = clock.now()
    terms(opens_at=now + timedelta(minutes=1), closes_at=now + timedelta(days=1))
    assert "opens at" in _refused(shopper, "150", now, "window")
    services.convert(user=shopper, gems=Decimal("150"), now=now + timedelta(minutes=1))  # opens_at is inside
    late = make_user("late", is_verified=True)
    fund(late, gem=300)
    assert "closed at" in _refused(late, "150", now + timedelta(days=1), "window")  # closes_at is not


def test_unverified_is_refused(terms, make_user, fund, clock):
    terms()
    plain = make_user("plain")
    fund(plain, gem=300)
    _refused(plain, "150", clock.now(), "not_verified")
    assert current(plain, "gem") == Decimal("300.00") and not Conversion.objects.exists()


def test_below_the_minimum_is_refused(terms, shopper, clock):
    terms()
    assert "at least 100 gems" in _refused(shopper, "99.99", clock.now(), "minimum")
    services.convert(user=shopper, gems=Decimal("100"), now=clock.now())


def test_more_gems_than_held_is_refused(terms, shopper, clock):
    terms()
    assert "only 300 gems" in _refused(shopper, "300.01", clock.now(), "insufficient_gems")
    assert current(shopper, "gem") == Decimal("300.00")


def test_quota_refuses_what_it_cannot_cover_and_rolls_everything_back(terms, shopper, make_user, fund, clock):
    terms(monthly_quota=Decimal("20.00"))
    services.convert(user=shopper, gems=Decimal("150"), now=clock.now())  # ¥14.25 of ¥20
    other = make_user("other", is_verified=True)
    fund(other, gem=300)
    message = _refused(other, "100", clock.now(), "quota")  # ¥9.50 > ¥5.75 left
    assert "¥5.75" in message
    assert current(other, "gem") == Decimal("300.00") and current(other, "balance") == Decimal("0.00")
    assert Conversion.objects.filter(user=other).count() == 0
    assert ConversionMonth.objects.get().used == Decimal("14.25")


def test_quota_is_taken_by_the_conditional_update_even_when_the_check_passed(terms, shopper, clock):
    """The month row (made at first use) is what counts: a quota lowered in the row refuses."""
    terms()
    ConversionMonth.objects.create(month=services.rules.month_of(clock.now()), quota=Decimal("10.00"),
                                   used=Decimal("0.00"))
    _refused(shopper, "150", clock.now(), "quota")  # ¥14.25 > ¥10.00
    services.convert(user=shopper, gems=Decimal("105"), now=clock.now())  # ¥9.98
    assert ConversionMonth.objects.get().used == Decimal("9.98")


def test_quota_is_copied_into_the_month_at_first_use(terms, shopper, make_user, fund, clock):
    terms(monthly_quota=Decimal("1000.00"))
    services.convert(user=shopper, gems=Decimal("150"), now=clock.now())
    terms(monthly_quota=Decimal("1.00"))  # applies from the next month
    other = make_user("other", is_verified=True)
    fund(other, gem=300)
    services.convert(user=other, gems=Decimal("150"), now=clock.now())
    assert ConversionMonth.objects.get().quota == Decimal("1000.00")


def test_once_a_month(terms, shopper, clock):
    terms()
    services.convert(user=shopper, gems=Decimal("100"), now=clock.now())
    message = _refused(shopper, "100", clock.now(), "once_a_month")
    assert "already converted" in message
    assert Conversion.objects.count() == 1 and current(shopper, "gem") == Decimal("200.00")


def test_once_a_month_follows_the_site_time_zone(settings, terms, shopper, clock):
    settings.TIME_ZONE = "Asia/Shanghai"
    clock.freeze(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))  # 23:30 on 30 November in Shanghai
    terms(closes_at=clock.now() + timedelta(days=5))
    first = services.convert(user=shopper, gems=Decimal("100"), now=clock.now())
    assert first.month == "2026-11"
    clock.advance(timedelta(minutes=29))  # 23:59 local: still November
    assert "2026-12-01 00:00" in _refused(shopper, "100", clock.now(), "once_a_month")
    clock.advance(timedelta(minutes=1))  # 00:00 on 1 December in Shanghai, still 30 November in UTC
    second = services.convert(user=shopper, gems=Decimal("100"), now=clock.now())
    assert second.month == "2026-12"
    assert set(ConversionMonth.objects.values_list("month", flat=True)) == {"2026-11", "2026-12"}


def test_the_unique_row_refuses_a_replay_that_skipped_the_check(terms, shopper, clock, monkeypatch):
    """Two requests that both passed the check: the (user, month) constraint refuses the second."""
    terms()
    services.convert(user=shopper, gems=Decimal("100"), now=clock.now())
    real = services.facts_for
    monkeypatch.setattr(services, "facts_for",
                        lambda *a, **kw: dataclasses.replace(real(*a, **kw), converted_this_month=False))
    _refused(shopper, "100", clock.now(), "once_a_month")
    assert Conversion.objects.count() == 1 and current(shopper, "gem") == Decimal("200.00")


@pytest.mark.parametrize("value", ["abc", "-5", "0", "NaN", "Infinity", "1.234", "1e400", "100000000.01", ""])
def test_bad_amounts_are_refused(terms, shopper, clock, value):
    terms()
    with pytest.raises(DomainError) as caught:
        services.convert(user=shopper, gems=value, now=clock.now())
    assert caught.value.code == "amount"


def test_blocking_rules_lists_every_rule(terms, shopper, clock):
    terms()
    codes = [rule.code for rule in services.blocking_rules(shopper, clock.now())]
    assert codes == ["window", "not_verified", "once_a_month", "minimum", "insufficient_gems", "quota"]


def test_save_settings_is_audited(operator, clock):
    now = clock.now()
    data = {"rate": Decimal("0.10"), "loss_percent": Decimal("5"), "min_gems": Decimal("100"),
            "opens_at": now, "closes_at": now + timedelta(days=3), "monthly_quota": Decimal("5000")}
    services.save_settings(actor=operator, data=data, now=now)
    services.save_settings(actor=operator, data={**data, "loss_percent": Decimal("7.5")}, now=now)
    assert ConversionSettings.objects.get().loss_percent == Decimal("7.50")
    first, second = AuditLog.objects.filter(action="conversion.settings").order_by("id")
    assert first.before is None and first.after["rate"] == "0.1000"
    assert second.before["loss_percent"] == "5.00" and second.after["loss_percent"] == "7.50"


@pytest.mark.parametrize(("field", "value"), [
    ("rate", Decimal("0")), ("rate", Decimal("1000.0001")), ("loss_percent", Decimal("100")),
    ("loss_percent", Decimal("-1")), ("min_gems", Decimal("0.5")), ("monthly_quota", Decimal("-1")),
    ("monthly_quota", Decimal("100000000.01")),
])
def test_save_settings_refuses_out_of_bounds(operator, clock, field, value):
    now = clock.now()
    data = {"rate": Decimal("0.10"), "loss_percent": Decimal("5"), "min_gems": Decimal("100"),
            "opens_at": now, "closes_at": now + timedelta(days=3), "monthly_quota": Decimal("5000"), field: value}
    with pytest.raises(services.InvalidSettings) as caught:
        services.save_settings(actor=operator, data=data, now=now)
    assert field in caught.value.errors
    assert not ConversionSettings.objects.exists() and not AuditLog.objects.filter(action="conversion.settings")


def test_save_settings_refuses_a_window_that_closes_before_it_opens(operator, clock):
    now = clock.now()
    data = {"rate": Decimal("0.10"), "loss_percent": Decimal("5"), "min_gems": Decimal("100"),
            "opens_at": now, "closes_at": now, "monthly_quota": Decimal("5000")}
    with pytest.raises(services.InvalidSettings) as caught:
        services.save_settings(actor=operator, data=data, now=now)
    assert "closes_at" in caught.value.errors
