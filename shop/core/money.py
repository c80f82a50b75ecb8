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

