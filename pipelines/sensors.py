"""Late data: rebuild older daily partitions that received records after they were built."""

from datetime import UTC, datetime, timedelta

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipelines.jobs import range_tags, refresh_daily_facts
from pipelines.resources import Warehouse
from pipelines.staleness import contiguous_ranges, stale_partitions
from warehouse.transforms import high_watermark


@sensor(
    job=refresh_daily_facts,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
)
def late_data_sensor(
    context: SensorEvaluationContext, warehouse: Warehouse
) -> SensorResult | SkipReason:
    """One run per range of stale days before yesterday (the hourly schedule does the rest)."""
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    with warehouse.connect() as conn:
        high = high_watermark(conn)
        stale = stale_partitions(conn)
    keys = {key for keys in stale.values() for key in keys if key < yesterday}
    if not keys:
        return SkipReason("no late data")
    return SensorResult(
        run_requests=[
            RunRequest(run_key=f"{first}..{last}@{high}", tags=range_tags(first, last))
            for first, last in contiguous_ranges(keys)
        ]
    )
