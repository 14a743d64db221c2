"""Money arithmetic: amounts are integer minor units; decimal text goes through `Decimal`, never floats."""

from decimal import ROUND_HALF_UP, Decimal

CENTS_PER_UNIT = Decimal(100)


def decimal_to_cents(amount: Decimal) -> int:
    """`Decimal("16.23")` → 1623. A sub-cent remainder rounds half away from zero, as card networks do."""
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    return int((amount * CENTS_PER_UNIT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_decimal(cents: int) -> Decimal:
    """1623 → `Decimal("16.23")`: the decimal text external APIs exchange."""
    return (Decimal(cents) / CENTS_PER_UNIT).quantize(Decimal("0.01"))
