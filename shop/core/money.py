"""Money is Decimal, two places, rounded half-up. Never float."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1e10")  # DecimalField(max_digits=12, decimal_places=2)


def to_money(value) -> Decimal:
    """Parse and round ``value`` to cents; raises ValueError on anything that is not a number."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
            raise ValueError
    except (ArithmeticError, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)



MINUS = "\u2212"  # typographic minus, as in "−¥20.00"


def _amount(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return value if isinstance(value, Decimal) else Decimal(str(value).strip())


def format_money(value, *, sign: bool = False, compact: bool = False) -> str:
    """The one way money is shown: currency symbol, thousands separators, two places —
    ``¥12,800.00``, ``−¥5.00``; ``sign`` adds ``+`` to positive amounts (ledgers); ``compact``
    drops ``.00`` from whole amounts (coupon figures: ``¥20 off``). Decimal in, never float."""
    from django.conf import settings

    amount = _amount(value)
    places = 0 if compact and amount == amount.to_integral_value() else 2
    text = f"{abs(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,}"
    prefix = MINUS if amount < 0 else ("+" if sign and amount > 0 else "")
    return f"{prefix}{settings.BAZAAR_CURRENCY_SYMBOL}{text}"


def format_credits(value, *, sign: bool = False) -> str:
    """Gems and gold: ``1,200`` when whole, else ``12.50``; ``sign`` as for :func:`format_money`."""
    amount = _amount(value)
    places = 0 if amount == amount.to_integral_value() else 2
    text = f"{abs(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,}"
    prefix = MINUS if amount < 0 else ("+" if sign and amount > 0 else "")
    return prefix + text
