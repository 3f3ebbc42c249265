"""The marts follow the loads by themselves: every minute, one run of what is stale (the
merged groups with new loads, the range of days that received records or were never built),
the same plan as `analytics refresh`."""

from datetime import UTC, datetime

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from pipelines.jobs import refresh_marts
from pipelines.resources import Warehouse
from pipelines.staleness import plan
from warehouse.load_lock import high_watermark


@sensor(job=refresh_marts, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def stale_marts(context: SensorEvaluationContext, warehouse: Warehouse) -> RunRequest | SkipReason:
    with warehouse.connect() as conn:
        high = high_watermark(conn)
        todo = plan(conn)
    if todo.empty:
        return SkipReason("every mart is up to date")
    # One run per state of the loads and day (a new day is a partition day never built): a tick
    # that finds the same stale work while its run is still going requests nothing new.
    months = "..".join(todo.months) if todo.months else "-"
    groups = ",".join(group.name for group in todo.groups)
    return RunRequest(
        run_key=f"{high}:{datetime.now(UTC).date()}:{months}:{groups}",
        asset_selection=todo.asset_keys,
        tags=todo.tags,
    )
