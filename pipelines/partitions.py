"""The daily partitions of the per-day facts: UTC days from PARTITIONS_START through today.

The edge partitions stand for everything beyond them: the first one also rebuilds the days
before PARTITIONS_START, the last one (today) the days after today, so no record is ever
outside a partition (records keep their own day in the marts).
"""

from datetime import date

from dagster import AssetExecutionContext, DailyPartitionsDefinition

from warehouse.transforms import DayRange

PARTITIONS_START = "2025-01-01"

daily_partitions = DailyPartitionsDefinition(
    start_date=PARTITIONS_START, end_offset=1, timezone="UTC"
)


def edges() -> tuple[date, date]:
    """The first and last partition day as of now."""
    last = daily_partitions.get_last_partition_key()
    return date.fromisoformat(PARTITIONS_START), date.fromisoformat(last)


def to_partition_key(day: date) -> str:
    first, last = edges()
    return min(max(day, first), last).isoformat()


def day_range(first_key: str, last_key: str) -> DayRange:
    edge_first, edge_last = edges()
    return DayRange(
        date.fromisoformat(first_key), date.fromisoformat(last_key), edge_first, edge_last
    )


def context_day_range(context: AssetExecutionContext) -> DayRange:
    keys = context.partition_key_range
    return day_range(keys.start, keys.end)
