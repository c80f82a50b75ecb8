"""A wallet holds at most ``WALLET_MAX`` of an asset: the form says so, the service refuses with a
DomainError (checked in the UPDATE's WHERE) and the database refuses anything beyond. Before,
a grant of 9,999,999,999.99 overflowed numeric(12, 2) on PostgreSQL (500) and was stored on SQLite."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.core.errors import DomainError
from shop.wallet.models import WALLET_MAX, LedgerEntry, Wallet
from shop.wallet.services import credit, debit, wallet_of


@pytest.mark.parametrize("amount", ["9999999999.99", "100000000.01", "1e15", "99999999999999999999"])
def test_service_refuses_amounts_beyond_the_limit(user, amount):
    with pytest.raises(DomainError) as refused:
        credit(user=user, asset="balance", amount=amount)
    assert refused.value.code in ("wallet_limit", "amount")
    with pytest.raises(DomainError):
        debit(user=user, asset="gem", amount=amount)
    assert not LedgerEntry.objects.exists()


def test_credit_up_to_the_limit_and_not_a_cent_more(user, fund):
    fund(user, gold="1.00")
    credit(user=user, asset="gold", amount=WALLET_MAX - Decimal("1.00"))
    assert Wallet.objects.get(user=user).gold == WALLET_MAX
    with pytest.raises(DomainError, match="most a wallet can hold") as refused:
        credit(user=user, asset="gold", amount="0.01")
    assert refused.value.code == "wallet_limit"
    wallet = Wallet.objects.get(user=user)
    assert wallet.gold == WALLET_MAX
    assert sum(e.amount for e in LedgerEntry.objects.filter(wallet=wallet)) == WALLET_MAX


def test_database_refuses_a_wallet_beyond_the_limit(user):
    wallet = wallet_of(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(balance=WALLET_MAX + Decimal("0.01"))


def test_concurrent_credits_never_pass_the_limit(run_concurrently, make_user):
    shopper = make_user("rich")
    credit(user=shopper, asset="balance", amount=WALLET_MAX - Decimal("50.00"))
    results, errors = run_concurrently(lambda i: credit(user=shopper, asset="balance", amount="10.00"), 10)
    assert len([r for r in results if r]) == 5
    assert all(isinstance(e, DomainError) for e in errors if e)
    assert Wallet.objects.get(user=shopper).balance == WALLET_MAX


@pytest.mark.parametrize("amount", ["9999999999.99", "100000000.01", "99999999999999"])
@pytest.mark.parametrize("direction", ["grant", "deduct"])
def test_backoffice_form_bounds_the_amount_with_words(operator_client, user, fund, amount, direction):
    fund(user, balance="1.00")
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    response = operator_client.post(url, {"direction": direction, "asset": "balance", "amount": amount, "memo": "x"})
    assert response.status_code == 200
    assert "Enter at most 100,000,000 at a time." in response.content.decode()
    assert Wallet.objects.get(user=user).balance == Decimal("1.00")


def test_backoffice_grant_over_the_wallet_limit_is_a_form_error(operator_client, user, fund):
    fund(user, balance=str(WALLET_MAX - Decimal("5")))
    url = reverse("backoffice:wallets:detail", args=[user.pk])
    response = operator_client.post(url, {"direction": "grant", "asset": "balance", "amount": "10", "memo": "x"})
    assert response.status_code == 200 and "most a wallet can hold" in response.content.decode()
