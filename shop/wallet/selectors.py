from django.db.models import Sum

from .models import LedgerEntry, Wallet


def ledger_for(wallet: Wallet, *, asset: str | None = None):
    entries = LedgerEntry.objects.filter(wallet=wallet).select_related("actor")
    return entries.filter(asset=asset) if asset else entries


def ledger_sums(wallet: Wallet) -> dict[str, object]:
    rows = LedgerEntry.objects.filter(wallet=wallet).values("asset").annotate(total=Sum("amount"))
    return {row["asset"]: row["total"] for row in rows}


def current(user, asset: str = "balance"):
    """The asset's current value, read fresh from the database (never a cached wallet)."""
    from decimal import Decimal

    value = Wallet.objects.filter(user=user).values_list(asset, flat=True).first()
    return value if value is not None else Decimal("0.00")
