"""The one Dagster entry point (workspace.yaml loads this module).

Runs use Dagster's `multi_or_in_process_executor`; the jobs default to processes of their own
per step, as many at once as the machine has cores (pipelines/jobs.py). `analytics refresh`
runs a small plan in-process instead (pipelines/refresh.py).
"""

import functools

from dagster import Definitions, multi_or_in_process_executor

from pipelines.assets.behind_raw import behind_raw
from pipelines.assets.marts import MART_ASSETS
from pipelines.assets.raw import RAW_ASSETS
from pipelines.jobs import check_behind_raw, ingest_landing_files, refresh_marts
from pipelines.resources import Warehouse
from pipelines.schedules import behind_raw_checks
from pipelines.sensors import landing_files, stale_marts

defs = Definitions(
    assets=[*RAW_ASSETS, *MART_ASSETS],
    asset_checks=[behind_raw],
    jobs=[refresh_marts, ingest_landing_files, check_behind_raw],
    schedules=[behind_raw_checks],
    sensors=[landing_files, stale_marts],
    resources={"warehouse": Warehouse()},
    executor=multi_or_in_process_executor,
)


@functools.cache
def refresh_definitions() -> Definitions:
    """The definitions of the runs `analytics refresh` starts (pipelines/runs.py): the marts with
    the checks of their own steps, as the stale-marts sensor requests them. Dagster subsets a
    command's run by asset keys only and then adds every check of those assets, so with the
    behind_raw checks here each run would plan all of them and skip their step, which waits for
    every mart (0.19 s of a run's creation: docs/performance.md); those run on their schedule.
    Built when asked: the code location's module holds one Definitions object (`defs`)."""
    return Definitions(
        assets=defs.assets, jobs=[refresh_marts], resources=defs.resources, executor=defs.executor
    )
