"""Every change of a wallet asset goes through ``post_entry``: a conditional UPDATE that can
never take an asset below zero, and a ledger row in the same transaction."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from shop.core import audit, clock, sql, texts
from shop.core.errors import DomainError
from shop.core.money import format_credits, format_money, to_money

from .models import WALLET_MAX, Asset, EntryKind, LedgerEntry, Wallet


class OverLimit(DomainError):
    def __init__(self, asset: str):
        super().__init__(
            _("That would take the %(asset)s above the most a wallet can hold (%(max)s).")
            % {"asset": Asset(asset).label.lower(),
               "max": format_money(WALLET_MAX) if asset == Asset.BALANCE else format_credits(WALLET_MAX)},
            code="wallet_limit",
        )


def _amount(value) -> Decimal:
    """``value`` as money, refusing what is not an amount or is beyond ``WALLET_MAX`` (DomainError)."""
    try:
        amount = to_money(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a valid amount."), code="amount") from None
    if abs(amount) > WALLET_MAX:
        raise DomainError(_("Enter an amount of at most %(max)s.") % {"max": format_credits(WALLET_MAX)},
                          code="wallet_limit")
    return amount


class InsufficientFunds(DomainError):
    def __init__(self, asset: str):
        super().__init__(
            _("Not enough %(asset)s in the wallet.") % {"asset": Asset(asset).label.lower()},
            code="insufficient",
        )


def new_txn_no(now) -> str:
    """``T`` + UTC date-time + 64 random bits: unique by construction, constrained by the DB."""
    return f"T{now:%Y%m%d%H%M%S}{secrets.token_hex(8).upper()}"


def open_wallet(user) -> Wallet:
    wallet, _created = Wallet.objects.get_or_create(user=user)
    return wallet


def wallet_of(user) -> Wallet:
    try:
        return user.wallet
    except Wallet.DoesNotExist:
        try:
            with transaction.atomic():
                return open_wallet(user)
        except IntegrityError:  # opened concurrently
            return Wallet.objects.get(user=user)


def post_entry(
    *,
    user,
    asset: str,
    amount,
    kind: str,
    memo: texts.Text | str = "",
    ref: str = "",
    actor=None,
) -> LedgerEntry:
    """Add ``amount`` (signed) to ``asset`` of ``user``'s wallet and record it.

    Raises ``InsufficientFunds`` if a debit would take the asset below zero and ``OverLimit``
    if a credit would take it above ``WALLET_MAX`` (both checked in the UPDATE's WHERE, so the
    column never overflows and concurrent credits cannot pass the limit together). ``memo`` is a
    :class:`~shop.core.texts.Text` (shown in the reader's language) or free text typed by an
    operator (shown as entered).
    """
    asset = Asset(asset).value
    kind = EntryKind(kind).value
    amount = _amount(amount)
    if amount == 0:
        raise DomainError(_("The amount must not be zero."), code="zero")
    now = clock.now()
    memo_key, memo_params, memo_plain = texts.split(memo, max_length=200)
    # The change and its entry are one transaction, but not a savepoint of the caller's (two
    # round trips on every draw, bid and payment): a refusal changes no balance (at most it opened
    # the shopper's empty wallet) and is raised after the block, so only a database error, which
    # fails the caller's transaction anyway, leaves it.
    with transaction.atomic(savepoint=False):
        changed = _change(user, asset, amount, now)
        if changed is None:  # no wallet yet (open one, try again), or the guard refused
            wallet_of(user)
            changed = _change(user, asset, amount, now)
        if changed is not None:
            wallet_id, after = changed
            entry = sql.insert(LedgerEntry(
                wallet_id=wallet_id, asset=asset, amount=amount, balance_after=after, kind=kind,
                txn_no=new_txn_no(now), ref=ref[:64], memo=memo_plain, memo_key=memo_key,
                memo_params=memo_params, actor=actor, created_at=now))
    if changed is None:
        raise InsufficientFunds(asset) if amount < 0 else OverLimit(asset)
    return entry


# A wallet change runs in every checkout, draw, exchange and conversion: its two statements are
# written out (shop.core.sql).
def _change(user, asset: str, amount: Decimal, now) -> tuple[int, Decimal] | None:
    """``asset += amount`` on the user's wallet while it stays within 0 … WALLET_MAX (the
    guard is in the WHERE: concurrent changes cannot pass it together); (wallet id, value after),
    or None if there is no wallet or the guard refused."""
    ops = connection.ops
    column = ops.quote_name(asset)
    guard, bound = (f"{column} >= %s", -amount) if amount < 0 else (f"{column} <= %s", WALLET_MAX - amount)
    _count, row = sql.execute(
        f"UPDATE {sql.table(Wallet)} SET {column} = {column} + %s, updated_at = %s WHERE user_id = %s AND {guard} "
        f"RETURNING id, {column}",
        [ops.adapt_decimalfield_value(amount, 12, 2), ops.adapt_datetimefield_value(now), user.pk,
         ops.adapt_decimalfield_value(bound, 12, 2)],
    )
    if row is None:
        return None
    return row[0], to_money(Decimal(str(row[1])))  # SQLite hands back a number, PostgreSQL a Decimal


def credit(*, user, asset: str, amount, kind: str = EntryKind.INCOME, **extra) -> LedgerEntry:
    amount = _amount(amount)
    if amount <= 0:
        raise DomainError(_("Enter an amount greater than zero."), code="not_positive")
    return post_entry(user=user, asset=asset, amount=amount, kind=kind, **extra)


def debit(*, user, asset: str, amount, kind: str = EntryKind.EXPENSE, **extra) -> LedgerEntry:
    amount = _amount(amount)
    if amount <= 0:
        raise DomainError(_("Enter an amount greater than zero."), code="not_positive")
    return post_entry(user=user, asset=asset, amount=-amount, kind=kind, **extra)


@transaction.atomic
def operator_adjust(*, operator, user, asset: str, amount: Decimal, grant: bool, memo: str) -> LedgerEntry:
    """A backoffice grant or deduction, audited with the values before and after."""
    before = {asset: str(wallet_of(user).amount_of(asset))}
    if grant:
        entry = credit(user=user, asset=asset, amount=amount, kind=EntryKind.INCOME, memo=memo, actor=operator)
    else:
        entry = debit(user=user, asset=asset, amount=amount, kind=EntryKind.EXPENSE, memo=memo, actor=operator)
    audit.record(
        actor=operator,
        action="wallet.grant" if grant else "wallet.deduct",
        target=entry.wallet,
        before=before,
        after={asset: str(entry.balance_after), "txn_no": entry.txn_no, "memo": memo},
    )
    return entry
