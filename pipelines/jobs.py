"""The jobs: every mart (the runs of `analytics refresh` and the stale-marts sensor select the
stale part of it), the landing folder's ingest, and the behind-raw checks."""

import os

from dagster import AssetSelection, define_asset_job

from pipelines.assets.behind_raw import behind_raw
from pipelines.assets.raw import KIND_ASSETS
from pipelines.registry import MART_TABLES

# Steps in processes of their own, as many at once as the machine has cores (the warehouse does
# the work: one PostgreSQL statement uses one core), forked from a server that imported the
# definitions once, so that a step does not pay Dagster's and the project's imports.
STEP_PROCESSES = os.cpu_count() or 2
MULTIPROCESS = {
    "execution": {
        "config": {
            "multiprocess": {
                "max_concurrent": STEP_PROCESSES,
                "start_method": {"forkserver": {"preload_modules": ["pipelines.definitions"]}},
            }
        }
    }
}
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}

refresh_marts = define_asset_job(
    "refresh_marts",
    selection=AssetSelection.assets(*MART_TABLES),
    description="Bring the marts up to date; a run selects the stale groups and days.",
    config=MULTIPROCESS,
)
ingest_landing_files = define_asset_job(
    "ingest_landing_files",
    selection=AssetSelection.assets(*KIND_ASSETS.values()),
    description="Load the files waiting in the landing folder, each once; a run selects the "
    "kinds with files waiting.",
    config=IN_PROCESS,
)
check_behind_raw = define_asset_job(
    "check_behind_raw",
    selection=AssetSelection.checks(behind_raw),
    description="Is any mart behind the loads?",
    config=IN_PROCESS,
)
