"""`analytics ingest`: what the sensor `landing_files` starts, done once from this process: one
Dagster run of `ingest_landing_files` over the kinds with complete files waiting in the landing
folder (warehouse/landing.py), recorded in the project's instance."""

from collections.abc import Callable
from dataclasses import dataclass

from dagster import AssetKey, DagsterInstance

from pipelines.assets.raw import ASSET_KINDS, FILES, KIND_ASSETS
from pipelines.instance import open_instance
from pipelines.jobs import IN_PROCESS
from pipelines.runs import check_evaluations, ingest_landing_files_job, run_job
from warehouse.landing import Landing, landing_dir


@dataclass
class IngestReport:
    files: int = 0
    rejected: int = 0
    failed: bool = False


def ingest_landing(
    url: str, echo: Callable[[str], None] = print, instance: DagsterInstance | None = None
) -> IngestReport:
    report = IngestReport()
    landing = Landing(landing_dir())
    landing.prepare()
    waiting = landing.waiting()
    if not waiting:
        echo(f"ingest: no complete file waiting in {landing.location}")
        return report
    selection = [AssetKey(KIND_ASSETS[kind]) for kind in waiting]
    result = run_job(
        ingest_landing_files_job, url, instance or open_instance(url), IN_PROCESS, selection
    )
    for evaluation in check_evaluations(result):
        kind = ASSET_KINDS[evaluation.asset_key.path[-1]]
        for name, outcome in evaluation.metadata[FILES].value.items():
            report.files += 1
            report.rejected += outcome.startswith("set aside")
            echo(f"ingest: {landing.shown(landing.path(kind, name))}: {outcome}")
    if not result.success:
        report.failed = True
        echo(f"ingest: FAILED (run {result.run_id}); its logs are in the Dagster UI")
    return report
