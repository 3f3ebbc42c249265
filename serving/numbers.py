"""SPEC 3 rounding: once, at the end, to 2 decimals, half away from zero, on exact values.
A ratio or average with a zero denominator is 0.0."""

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def round2(value: Decimal | int) -> float:
    return float(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> float:
    """An average: numerator / denominator, rounded."""
    if not denominator:
        return 0.0
    return round2(Decimal(numerator) / Decimal(denominator))


def percent(part: Decimal | int, whole: Decimal | int) -> float:
    """part / whole x 100, rounded."""
    if not whole:
        return 0.0
    return round2(Decimal(part) * 100 / Decimal(whole))


def hours_text(seconds: Decimal | int) -> str:
    """Hours rounded to 2 decimals, written like Python's str() of a float: "25.5", "0.0"."""
    return str(round2(Decimal(seconds) / 3600))
