"""The monthly quota under real concurrency (threads with their own connections): the total
credited never passes the quota, every wallet's ledger sums to its values, and each success is
one Conversion row. PostgreSQL runs 100 shoppers at once; a smaller race runs on SQLite too."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum

from shop.conversion.models import Conversion, ConversionMonth
from shop.conversion.services import convert
from shop.core.errors import DomainError
from shop.wallet.models import LedgerEntry, Wallet
from shop.wallet.selectors import ledger_sums


def _race(run_concurrently, make_user, fund, *, shoppers, tries_each=1):
    users = []
    for i in range(shoppers):
        user = make_user(f"conv-racer-{i}", is_verified=True)
        fund(user, gem=1000)
        users.append(user)
    jobs = [users[i % shoppers] for i in range(shoppers * tries_each)]

    def attempt(i):
        from shop.core import clock

        return convert(user=jobs[i], gems=Decimal("1000"), now=clock.now())  # ¥95.00 each

    results, errors = run_concurrently(attempt, len(jobs))
    unexpected = [e for e in errors if e is not None and not isinstance(e, DomainError)]
    assert not unexpected, unexpected[:3]
    return [r for r in results if r is not None], Counter(e.code for e in errors if e is not None), users


def _assert_consistent(users, successes, *, quota):
    month = ConversionMonth.objects.get()
    credited = Conversion.objects.aggregate(total=Sum("credited"))["total"] or Decimal("0")
    assert credited <= quota and month.used <= month.quota == quota
    assert month.used == credited == sum(c.credited for c in successes)
    assert Conversion.objects.count() == len(successes)
    assert Conversion.objects.values("user").distinct().count() == len(successes)  # once a month each
    for wallet in Wallet.objects.filter(user__in=users):
        sums = ledger_sums(wallet)
        assert sums.get("gem", 0) == wallet.gem and sums.get("balance", 0) == wallet.balance
    converted = {c.user_id for c in successes}
    for wallet in Wallet.objects.filter(user__in=users):
        expected = (Decimal("0.00"), Decimal("95.00")) if wallet.user_id in converted else (Decimal("1000.00"), 0)
        assert (wallet.gem, wallet.balance) == expected
    assert LedgerEntry.objects.filter(ref__startswith="conversion:").count() == 2 * len(successes)


def test_quota_holds_under_a_small_race(run_concurrently, make_user, fund, terms):
    terms(monthly_quota=Decimal("300.00"))  # room for 3 × ¥95
    successes, refusals, users = _race(run_concurrently, make_user, fund, shoppers=8)
    assert len(successes) == 3 and refusals == {"quota": 5}
    _assert_consistent(users, successes, quota=Decimal("300.00"))


def test_double_clicks_of_one_shopper_convert_once(run_concurrently, make_user, fund, terms):
    terms()
    successes, refusals, users = _race(run_concurrently, make_user, fund, shoppers=1, tries_each=6)
    assert len(successes) == 1 and refusals == {"once_a_month": 5}
    _assert_consistent(users, successes, quota=Decimal("5000.00"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_100_shoppers_at_once_never_pass_the_quota(run_concurrently, make_user, fund, terms):
    terms(monthly_quota=Decimal("2000.00"))  # room for 21 × ¥95 = ¥1,995
    successes, refusals, users = _race(run_concurrently, make_user, fund, shoppers=100)
    assert len(successes) == 21 and refusals == {"quota": 79}
    _assert_consistent(users, successes, quota=Decimal("2000.00"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_100_shoppers_trying_twice_each(run_concurrently, make_user, fund, terms):
    terms(monthly_quota=Decimal("5000.00"))  # room for 52 × ¥95
    successes, refusals, users = _race(run_concurrently, make_user, fund, shoppers=100, tries_each=2)
    assert len(successes) == 52 and set(refusals) <= {"quota", "once_a_month"}
    assert sum(refusals.values()) == 148
    _assert_consistent(users, successes, quota=Decimal("5000.00"))
