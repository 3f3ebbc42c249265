"""Data flows in by itself: `landing_files` starts an ingest of the files waiting in the
landing folder (SPEC 6), and `stale_marts`, every minute, one run of what is stale (the merged
groups with new loads, the range of days that received records or were never built), the same
plan as `analytics refresh`."""

from datetime import UTC, datetime

from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from pipelines.assets.raw import KIND_ASSETS
from pipelines.jobs import ingest_landing_files, refresh_marts
from pipelines.resources import Warehouse
from pipelines.staleness import plan
from warehouse.landing import landing_dir, waiting_files
from warehouse.load_lock import high_watermark

# How often the landing folder is looked at: with the collector's rotation (a few seconds) and
# the stale-marts sensor's minute, an accepted event reaches the marts within 2 minutes.
LANDING_INTERVAL_SECONDS = 10
_IN_FLIGHT = [
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


@sensor(
    job=ingest_landing_files,
    minimum_interval_seconds=LANDING_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
)
def landing_files(context: SensorEvaluationContext) -> RunRequest | SkipReason:
    """One ingest run at a time, of the kinds with complete files waiting. No run key: a run
    that failed (the database away) leaves its files waiting, and the next tick tries again;
    a file is loaded once whatever the runs (warehouse/landing.py)."""
    root = landing_dir()
    waiting = waiting_files(root)
    if not waiting:
        return SkipReason(f"no complete file waiting in {root}")
    in_flight = context.instance.get_run_records(
        filters=RunsFilter(job_name=ingest_landing_files.name, statuses=_IN_FLIGHT), limit=1
    )
    if in_flight:
        return SkipReason(f"ingest run {in_flight[0].dagster_run.run_id[:8]} is still going")
    files = sum(len(paths) for paths in waiting.values())
    return RunRequest(
        asset_selection=[AssetKey(KIND_ASSETS[kind]) for kind in waiting],
        tags={"selzee/landing_files": str(files)},
    )


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
        asset_check_keys=todo.check_keys,
        tags=todo.tags,
    )
