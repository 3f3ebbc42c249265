"""Runs started by a command (`analytics refresh`, `analytics ingest`): one Dagster run of a job
of the definitions, executed from this process (no daemon needed) and recorded in the project's
instance, so that it is in the UI's one history beside the sensors' runs."""

import signal
import threading
from collections.abc import Sequence

from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    DagsterInstance,
    JobDefinition,
    execute_job,
    reconstructable,
)

# Dagster's console log, quieted for a command line (failures still print).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def refresh_marts_job() -> JobDefinition:
    """The jobs, as Dagster rebuilds them in each step's process (`reconstructable`)."""
    from pipelines.definitions import refresh_definitions

    return refresh_definitions().resolve_job_def("refresh_marts")


def ingest_landing_files_job() -> JobDefinition:
    from pipelines.definitions import defs

    return defs.resolve_job_def("ingest_landing_files")


def run_job(
    job,
    url: str,
    instance: DagsterInstance,
    execution: dict,
    asset_selection: Sequence[AssetKey],
    tags: dict[str, str] | None = None,
):
    """Execute `job` (one of the functions above) over `asset_selection` on the warehouse at
    `url`."""
    # When a run ends, Dagster points SIGTERM at whatever handles SIGINT. In a process started
    # in the background (SIGINT ignored) SIGTERM would then be ignored too, and `analytics demo`
    # could not be stopped: keep the caller's SIGTERM handler.
    on_sigterm = signal.getsignal(signal.SIGTERM)
    run_config = {
        **QUIET,
        **execution,
        "resources": {"warehouse": {"config": {"database_url": url}}},
    }
    try:
        return execute_job(
            reconstructable(job),
            instance=instance,
            run_config=run_config,
            tags=tags or {},
            asset_selection=list(asset_selection),
        )
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_sigterm)


def check_evaluations(result) -> list[AssetCheckEvaluation]:
    return [
        event.event_specific_data
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
