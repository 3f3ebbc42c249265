"""The partitions of the per-day facts: UTC months from PARTITIONS_START through this month.

The marts hold a row per day; Dagster tracks them by month. A partition costs Dagster a
"planned" and a "materialized" event per asset and run, each written on a new connection
to its PostgreSQL storage, so daily partitions made a refresh over two years of days spend
most of its time in Dagster's bookkeeping (docs/performance.md). Within a month, the pipeline's own
watermarks know each day: a run of the stale-marts sensor or of `analytics refresh` (tagged
STALE_DAYS_TAG) rebuilds only the days of its months that received records since they were
built; a run launched from the UI rebuilds its months whole.

The edge days stand for everything beyond them: PARTITIONS_START also holds the days before
it, today the days after it, so no record is ever outside a partition (records keep their own
day in the marts).
"""

from datetime import UTC, date, datetime, timedelta

from dagster import AssetExecutionContext, MonthlyPartitionsDefinition

from warehouse.transforms import DayRange

PARTITIONS_START = "2025-01-01"
PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"
# A run tagged so rebuilds only the stale days of its months.
STALE_DAYS_TAG = "selzee/rebuild"
STALE_DAYS = "stale_days"

monthly_partitions = MonthlyPartitionsDefinition(
    start_date=PARTITIONS_START, end_offset=1, timezone="UTC"
)


def edges() -> tuple[date, date]:
    """The first and last day of the partitions as of now."""
    return date.fromisoformat(PARTITIONS_START), datetime.now(UTC).date()


def month_key(day: date) -> str:
    """The partition holding `day`."""
    first, last = edges()
    return min(max(day, first), last).replace(day=1).isoformat()


def _month_end(key: str) -> date:
    start = date.fromisoformat(key)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def day_range(first_key: str, last_key: str) -> DayRange:
    """The days of the months `first_key`..`last_key`, within the edges."""
    edge_first, edge_last = edges()
    first = max(date.fromisoformat(first_key), edge_first)
    last = min(_month_end(last_key), edge_last)
    return DayRange(first, max(first, last), edge_first, edge_last)


def context_day_range(context: AssetExecutionContext) -> DayRange:
    keys = context.partition_key_range
    return day_range(keys.start, keys.end)


def range_tags(first_key: str, last_key: str) -> dict[str, str]:
    """Tags that make one run materialize a range of partitions (single-run backfill)."""
    return {PARTITION_RANGE_START: first_key, PARTITION_RANGE_END: last_key}
