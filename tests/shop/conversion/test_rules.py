"""The conversion arithmetic and rules as pure functions (no database)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shop.conversion import rules

NOW = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)


def _terms(**overrides):
    values = {"rate": Decimal("0.10"), "loss_percent": Decimal("5"), "min_gems": Decimal("100"),
              "opens_at": NOW - timedelta(days=1), "closes_at": NOW + timedelta(days=1),
              "monthly_quota": Decimal("5000.00")}
    values.update(overrides)
    return rules.Terms(**values)


def _facts(**overrides):
    values = {"terms": _terms(), "now": NOW, "verified": True, "converted_this_month": False,
              "wallet_gems": Decimal("300"), "quota_left": Decimal("5000.00"), "gems": Decimal("150")}
    values.update(overrides)
    return rules.Facts(**values)


def _by_code(facts):
    return {rule.code: rule for rule in rules.evaluate(facts)}


def test_quote_takes_the_loss_and_rounds_up_to_the_cent():
    priced = rules.quote(Decimal("150"), _terms())
    assert (priced.gross, priced.credited) == (Decimal("15.00"), Decimal("14.25"))


def test_quote_rounds_up_where_half_up_would_round_down():
    # 101 × 0.1234 = 12.4634 gross; × 0.95 = 11.840230 net: half-up would give 11.84
    priced = rules.quote(Decimal("101"), _terms(rate=Decimal("0.1234")))
    assert priced.gross == Decimal("12.47")
    assert priced.credited == Decimal("11.85")
    assert isinstance(priced.credited, Decimal)


def test_quote_without_loss_is_exact():
    assert rules.quote(Decimal("100"), _terms(loss_percent=Decimal("0"))).credited == Decimal("10.00")


def test_quote_at_the_highest_loss_still_credits_a_cent():
    assert rules.quote(Decimal("1"), _terms(loss_percent=Decimal("99.99"), rate=Decimal("0.0001"))).credited \
        == Decimal("0.01")


def test_all_rules_pass():
    assert all(rule.ok for rule in rules.evaluate(_facts()))
    assert rules.first_block(rules.evaluate(_facts())) is None


def test_without_settings_only_that_is_said():
    checklist = rules.evaluate(_facts(terms=None))
    assert [r.code for r in checklist] == ["not_configured"]
    assert checklist[0].blocks


@pytest.mark.parametrize(("now", "ok"), [
    (NOW - timedelta(days=1) - timedelta(seconds=1), False),  # a second before it opens
    (NOW - timedelta(days=1), True),  # opens_at is inside
    (NOW + timedelta(days=1) - timedelta(seconds=1), True),
    (NOW + timedelta(days=1), False),  # closes_at is outside
])
def test_window_edges(now, ok):
    rule = _by_code(_facts(now=now))["window"]
    assert rule.ok is ok
    if not ok:
        assert ("opens at" if now < NOW else "closed at") in rule.detail


def test_window_times_are_shown_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    rule = _by_code(_facts(now=NOW - timedelta(days=2)))["window"]
    assert "2026-11-09 12:00" in rule.detail  # 04:00 UTC the day before = 12:00 in Shanghai


def test_dates_in_a_rule_stay_on_one_line_and_the_rest_is_escaped(settings):
    """A phone broke "2026-11-30" at its hyphens in the rules list."""
    settings.TIME_ZONE = "Asia/Shanghai"
    rules_by_code = _by_code(_facts())
    window, month = rules_by_code["window"].label, rules_by_code["once_a_month"].label
    assert '(<span class="text-nowrap">2026-11-' in window and window.count('class="text-nowrap"') == 2
    assert month.endswith('(<span class="text-nowrap">2026-11</span>)')
    assert "&lt;" in rules._unbroken("a <b> %(x)s", x="<i>")  # the message and its parts are escaped
    assert "<i>" not in rules._unbroken("a %(x)s", x="<i>")


def test_unverified_is_blocked():
    rule = _by_code(_facts(verified=False))["not_verified"]
    assert rule.blocks and "identity-verified" in rule.detail


def test_second_conversion_in_a_month_is_blocked_until_the_next_month(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    rule = _by_code(_facts(converted_this_month=True))["once_a_month"]
    assert rule.blocks and "2026-12-01 00:00" in rule.detail


@pytest.mark.parametrize(("gems", "ok"), [(Decimal("99.99"), False), (Decimal("100"), True)])
def test_minimum(gems, ok):
    rule = _by_code(_facts(gems=gems))["minimum"]
    assert rule.ok is ok
    if not ok:
        assert "at least 100 gems" in rule.detail


def test_minimum_before_an_amount_is_typed_checks_the_wallet():
    assert _by_code(_facts(gems=None))["minimum"].ok is None
    rule = _by_code(_facts(gems=None, wallet_gems=Decimal("50")))["minimum"]
    assert rule.blocks and "You have 50 gems" in rule.detail


def test_more_gems_than_the_wallet_holds_is_blocked():
    rule = _by_code(_facts(gems=Decimal("300.01")))["insufficient_gems"]
    assert rule.blocks and "only 300 gems" in rule.detail
    assert _by_code(_facts(gems=Decimal("300")))["insufficient_gems"].ok


def test_quota_left_must_cover_the_credit():
    # 150 gems credit ¥14.25
    assert _by_code(_facts(quota_left=Decimal("14.25")))["quota"].ok
    rule = _by_code(_facts(quota_left=Decimal("14.24")))["quota"]
    assert rule.blocks and "¥14.24" in rule.detail and "¥14.25" in rule.detail


def test_quota_used_up_blocks_even_before_an_amount():
    rule = _by_code(_facts(quota_left=Decimal("0"), gems=None))["quota"]
    assert rule.blocks and "used up" in rule.detail


def test_month_is_the_site_time_zone_month(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    assert rules.month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"
    assert rules.month_of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12"  # midnight in Shanghai
    assert rules.next_month_start(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)).isoformat() == "2027-02-01T00:00:00+08:00"


@pytest.mark.parametrize(("rate", "shown"), [("0.1000", "0.10"), ("0.1234", "0.1234"), ("2", "2.00"),
                                             ("1000.0000", "1,000.00"), ("0.0001", "0.0001")])
def test_rate_is_shown_as_typed_at_least_to_the_cent(rate, shown):
    assert _terms(rate=Decimal(rate)).shown_rate == shown
