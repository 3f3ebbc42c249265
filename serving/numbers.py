"""SPEC 3 rounding: once, at the end, to 2 decimals, half away from zero, on exact values.
A ratio or average with a zero denominator is 0.0.

Whatever a mart holds, the answer is a finite JSON number: the rounding works at the precision
the value needs (PostgreSQL numerics can have thousands of digits), a value beyond the range of
a double is answered as the largest one (with its sign), and a numeric NaN as 0.0. The input
bounds (SPEC 8) keep real values far from either.
"""

import math
import sys
from decimal import ROUND_HALF_UP, Context, Decimal

_CENT = Decimal("0.01")


def round2(value: Decimal | int) -> float:
    value = Decimal(value)
    if value.is_nan():
        return 0.0
    if value.is_infinite():
        return math.copysign(sys.float_info.max, value)
    digits = max(value.adjusted(), 0) + 3  # every digit before the point, and two after
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP, context=Context(prec=max(28, digits)))
    number = float(rounded)
    return number if math.isfinite(number) else math.copysign(sys.float_info.max, number)


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
