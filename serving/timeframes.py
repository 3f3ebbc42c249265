"""The two kinds of window: day-based (`timeframe` days back from today's UTC date) and the
insights timeframe parser (SPEC 4)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MAX_INSIGHTS_CHARS = 50
MAX_INSIGHTS_SPAN = timedelta(days=3660)
_UNITS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
}
_SHORTCUTS = {"day": 1, "week": 7, "month": 30}
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_AMOUNT_AND_UNIT = re.compile(r"([0-9]+)\s+([a-z]+)")
_DAYS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class DayWindow:
    """[start_date, end_date], both inclusive; end_date is today (UTC)."""

    timeframe_days: int
    start_date: date
    end_date: date

    @property
    def fields(self) -> dict:
        """The three fields every day-based answer starts with (SPEC 4)."""
        return {
            "timeframe_days": self.timeframe_days,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }


def day_window(now: datetime, timeframe: int) -> DayWindow:
    end = now.astimezone(UTC).date()
    return DayWindow(timeframe, end - timedelta(days=timeframe), end)


class InvalidTimeframe(ValueError):
    pass


def insights_start(raw: str, now: datetime) -> datetime:
    """The first instant of the insights window [start, now] that `raw` names."""
    if len(raw) > MAX_INSIGHTS_CHARS:
        raise InvalidTimeframe(f"at most {MAX_INSIGHTS_CHARS} characters")
    text = raw.strip().lower()
    now = now.astimezone(UTC)
    if text in _MONTHS:
        month = _MONTHS.index(text) + 1
        year = now.year if month <= now.month else now.year - 1
        return datetime(year, month, 1, tzinfo=UTC)
    if text in _SHORTCUTS:
        amount, unit = _SHORTCUTS[text], _UNITS["day"]
    elif _DAYS.fullmatch(text):
        amount, unit = int(text), _UNITS["day"]
    elif match := _AMOUNT_AND_UNIT.fullmatch(text):
        name = match.group(2)
        name = name[:-1] if name.endswith("s") and name[:-1] in _UNITS else name
        if name not in _UNITS:
            raise InvalidTimeframe(f"unknown unit {match.group(2)!r}")
        amount, unit = int(match.group(1)), _UNITS[name]
    else:
        raise InvalidTimeframe(
            "expected day, week, month, a month name, N (days) or N minutes/hours/days/weeks/months"
        )
    if amount < 1:
        raise InvalidTimeframe("the timeframe must be positive")
    if amount > MAX_INSIGHTS_SPAN / unit:
        raise InvalidTimeframe("the timeframe spans more than 3,660 days")
    return now - amount * unit
