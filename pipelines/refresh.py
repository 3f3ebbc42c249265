"""`analytics refresh`: bring every mart up to date with all loaded records, through Dagster,
in-process (no daemon). Only stale work runs, in one run: the state marts when a load is new to
them, and the range of daily partitions whose days received records since they were built."""

import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dagster import AssetSelection, DagsterInstance, PartitionKeyRange, materialize

from pipelines.assets.marts import FULL_REFRESH_TAG
from pipelines.definitions import defs
from pipelines.jobs import daily_selection, range_tags, state_selection
from pipelines.partitions import daily_partitions, edges
from pipelines.resources import Warehouse
from pipelines.staleness import STATE_WATERMARKS, stale_partitions, stale_state_assets
from warehouse.connection import connect
from warehouse.settings import PROJECT_ROOT

DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
DEFAULT_INSTANCE_CONFIG = """\
# Written by `analytics refresh`: SQLite storage in this folder, with per-day events stored in
# batches (pipelines/instance_storage.py; docs/dagster.yaml shows the PostgreSQL alternative).
storage:
  custom:
    module: pipelines.instance_storage
    class: BatchedSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
telemetry:
  enabled: false
"""
# Dagster's own switches for runs over many partitions, set for the runs this process creates
# (`analytics refresh`, `analytics demo` and the `dagster dev` it starts; see docs/dagster.yaml):
# - one "materialization planned" event per asset for a run over a range of days instead of one
#   per day and asset (273 for a 91-day full refresh, 1.6 s of it on SQLite storage). Dagster's
#   trade-off: the days of a failed run are not marked failed in the UI; the next refresh finds
#   them stale from the watermarks all the same.
# - the per-day materialization events of such a run handed to the storage in batches, which
#   dagster-postgres and BatchedSqliteStorage (pipelines/instance_storage.py) write at once;
#   Dagster's own SQLite storage writes them one by one either way.
DAGSTER_ENVIRONMENT = {
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1",
    "DAGSTER_EVENT_BATCH_SIZE": "500",
}
# Dagster's console log, quieted for a command-line refresh (failures still print).
_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
MART_TABLES = (
    "chatbots",
    "chatbot_freshness",
    "orders",
    "users",
    "funnel_days",
    "visitor_days",
    "popup_days",
    "convo_start_days",
    "message_days",
    "conversations",
    "conversation_days",
    "conversation_activity_days",
    "conversation_analyses",
    "conversation_clicks",
    "conversation_reactions",
)


@dataclass
class RefreshReport:
    runs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def dagster_instance() -> DagsterInstance:
    """The instance under DAGSTER_HOME (unset: a folder of the project). A home without a
    dagster.yaml gets DEFAULT_INSTANCE_CONFIG, as does one holding an older version of it."""
    for name, value in DAGSTER_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DEFAULT_DAGSTER_HOME)))
    config = home / "dagster.yaml"
    written = config.read_text() if config.exists() else None
    if written is None or (_written_by_us(written) and written != DEFAULT_INSTANCE_CONFIG):
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(DEFAULT_INSTANCE_CONFIG)
    return DagsterInstance.get()


def _written_by_us(text: str) -> bool:
    return text.startswith("# Written by `analytics refresh`")


def refresh(url: str, echo: Callable[[str], None] = print, full: bool = False) -> RefreshReport:
    """Materialize what is stale; the report names the runs and any that failed. `full`: every
    mart rebuilt from raw, each in one transaction that replaces its rows (readers see the old
    rows until the new ones commit)."""
    report = RefreshReport()
    if full:
        first, last = edges()
        stale_state = list(STATE_WATERMARKS)
        stale_keys = [first.isoformat(), last.isoformat()]
    else:
        with connect(url, autocommit=True) as conn:
            stale_state = stale_state_assets(conn)
            stale = stale_partitions(conn)
        stale_keys = sorted({key for keys in stale.values() for key in keys})
    if not stale_state and not stale_keys:
        echo("refresh: every mart is up to date")
        return report
    selection = AssetSelection.assets()  # nothing yet
    tags: dict[str, str] = {}
    parts = []
    if stale_state:
        verb = "rebuilding" if full else "merging new loads into"
        echo(f"refresh: {verb} {len(stale_state)} state marts")
        selection |= state_selection
        parts.append("state marts")
    if stale_keys:
        # One range over every stale day: rebuilding a fresh day in between costs less than a
        # range per gap. The state marts (unpartitioned) run in the same run.
        first, last = stale_keys[0], stale_keys[-1]
        days = len(daily_partitions.get_partition_keys_in_range(PartitionKeyRange(first, last)))
        echo(f"refresh: rebuilding daily facts {first}..{last} ({days} days)")
        selection |= daily_selection
        tags = range_tags(first, last)
        parts.append(f"daily facts {first}..{last}")
    if full:
        tags[FULL_REFRESH_TAG] = "true"
    _run(url, selection, tags, " and ".join(parts), echo, report)
    return report


def _run(
    url: str,
    selection: AssetSelection,
    tags: dict[str, str],
    label: str,
    echo: Callable[[str], None],
    report: RefreshReport,
) -> None:
    """One in-process Dagster run of `selection`; what it did goes to `echo` and `report`."""
    # When a run ends, Dagster points SIGTERM at whatever handles SIGINT. In a process started
    # in the background (SIGINT ignored) SIGTERM would then be ignored too, and `analytics demo`
    # could not be stopped: keep the caller's SIGTERM handler.
    on_sigterm = signal.getsignal(signal.SIGTERM)
    try:
        result = materialize(
            [*defs.assets],
            instance=dagster_instance(),
            resources={"warehouse": Warehouse(database_url=url)},
            selection=selection,
            tags=tags,
            run_config=_QUIET,
            raise_on_error=False,
        )
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_sigterm)
    report.runs.append(result.run_id)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            metadata = ", ".join(
                f"{name}={value.value}" for name, value in evaluation.metadata.items()
            )
            check = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            severity = evaluation.severity.value
            echo(f"refresh: check {check} did not pass ({severity}; {metadata})")
    if result.success:
        echo(f"refresh: {label} done (run {result.run_id[:8]})")
    else:
        report.failed.append(label)
        echo(f"refresh: {label} FAILED (run {result.run_id}); its logs are in the Dagster UI")
