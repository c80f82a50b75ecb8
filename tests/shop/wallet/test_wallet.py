from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.core.errors import DomainError
from shop.wallet.models import LedgerEntry, Wallet
from shop.wallet.selectors import ledger_sums
from shop.wallet.services import InsufficientFunds, credit, debit, post_entry


def test_credit_and_debit_write_ledger_entries(user):
    credit(user=user, asset="balance", amount="100.00", memo="gift")
    entry = debit(user=user, asset="balance", amount="30.50", ref="order:1")
    wallet = Wallet.objects.get(user=user)
    assert wallet.balance == Decimal("69.50")
    assert entry.amount == Decimal("-30.50") and entry.balance_after == Decimal("69.50")
    assert entry.kind == "expense" and entry.ref == "order:1"
    assert ledger_sums(wallet) == {"balance": Decimal("69.50")}


def test_debit_never_goes_negative(user, fund):
    fund(user, gem=5)
    with pytest.raises(InsufficientFunds) as exc:
        debit(user=user, asset="gem", amount=6)
    assert "Not enough gems" in str(exc.value)
    assert Wallet.objects.get(user=user).gem == Decimal("5.00")
    assert LedgerEntry.objects.filter(wallet__user=user).count() == 1


def test_a_change_inside_a_transaction_takes_no_savepoint_and_a_refusal_leaves_it_usable(user, fund):
    """A draw, bid or payment changes a wallet inside its own transaction: the change is two
    statements there, not four (no SAVEPOINT / RELEASE round trips), and a refusal neither writes
    nor spoils the caller's transaction."""
    fund(user, gem=5)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            debit(user=user, asset="gem", amount=2)
        assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE", "INSERT"]
        with pytest.raises(InsufficientFunds):
            debit(user=user, asset="gem", amount=6)
        credit(user=user, asset="gem", amount=1)  # the transaction goes on
    assert Wallet.objects.get(user=user).gem == Decimal("4.00")
    assert ledger_sums(Wallet.objects.get(user=user)) == {"gem": Decimal("4.00")}


@pytest.mark.parametrize("amount", ["0", "-1", "abc"])
def test_credit_refuses_non_positive_or_non_numeric(user, amount):
    with pytest.raises((DomainError, ValueError)):
        credit(user=user, asset="balance", amount=amount)
    assert not LedgerEntry.objects.exists()


def test_unknown_asset_or_kind_is_refused(user):
    with pytest.raises(ValueError):
        post_entry(user=user, asset="diamonds", amount=1, kind="income")
    with pytest.raises(ValueError):
        post_entry(user=user, asset="gem", amount=1, kind="bonus")


def test_transaction_numbers_are_unique(user):
    numbers = {credit(user=user, asset="gold", amount=1).txn_no for _ in range(50)}
    assert len(numbers) == 50


def test_database_refuses_negative_wallet(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(user=user).update(balance=Decimal("-1"))


def test_wallet_page_shows_balances_and_history(shopper_client, user, fund):
    fund(user, balance="12.34", gem=7)
    response = shopper_client.get(reverse("wallet:wallet"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "12.34" in content and "test funds" in content


def test_history_times_are_in_the_site_time_zone_and_wrap_between_date_and_time(shopper_client, user):
    """On a phone the time column takes two short lines, leaving room for what the entry was."""
    entry = credit(user=user, asset="gem", amount=3)
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 11, 30, 17, 5, tzinfo=UTC))
    content = shopper_client.get(reverse("wallet:wallet")).content.decode()
    assert ('<time datetime="2026-12-01T01:05:00+08:00"><span class="text-nowrap">2026-12-01</span> '
            '<span class="text-nowrap">01:05</span></time>') in content


def test_wallet_history_filter_is_an_htmx_partial(shopper_client, user, fund):
    fund(user, balance=5, gem=7)
    response = shopper_client.get(reverse("wallet:wallet") + "?asset=gem", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="wallet-history"')
    assert ">+7<" in content and "¥5.00" not in content  # gems without decimals; no balance rows


def test_wallet_history_paginates_with_bounded_queries(shopper_client, user, django_assert_max_num_queries, settings):
    for _ in range(settings.BAZAAR_PAGE_SIZE + 5):
        credit(user=user, asset="gold", amount=1)
    with django_assert_max_num_queries(8):
        page1 = shopper_client.get(reverse("wallet:wallet")).content.decode()
    assert "Page 1 of 2" in page1
    page2 = shopper_client.get(reverse("wallet:wallet") + "?page=2").content.decode()
    assert page2.count(">+1<") == 5


def test_wallet_page_ignores_garbage_params(shopper_client, user):
    response = shopper_client.get(reverse("wallet:wallet") + "?asset=<script>&page=abc")
    assert response.status_code == 200


def test_wallet_needs_login(client, db):
    assert client.get(reverse("wallet:wallet")).status_code == 302


def test_concurrent_debits_never_overspend(run_concurrently, make_user, fund):
    """50 simultaneous debits of 10 against a balance of 100: exactly 10 succeed."""
    shopper = make_user("racer")
    fund(shopper, balance=100)

    def spend(_i):
        return debit(user=shopper, asset="balance", amount=10)

    results, errors = run_concurrently(spend, 50)
    succeeded = [r for r in results if r is not None]
    refused = [e for e in errors if isinstance(e, InsufficientFunds)]
    unexpected = [e for e in errors if e is not None and not isinstance(e, InsufficientFunds)]
    assert not unexpected, unexpected[:3]
    assert len(succeeded) == 10 and len(refused) == 40
    wallet = Wallet.objects.get(user=shopper)
    assert wallet.balance == Decimal("0.00")
    total = LedgerEntry.objects.filter(wallet=wallet, asset="balance").aggregate(s=Sum("amount"))["s"]
    assert total == wallet.balance
