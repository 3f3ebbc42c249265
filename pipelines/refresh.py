"""`analytics refresh`: bring every mart up to date with all loaded records, as one Dagster run
of the `refresh_marts` job started from this process (no daemon needed), recorded in the
project's instance (pipelines/instance.py). Only stale work runs: the merged groups with loads
new to them, and the range of days that received records since they were built; the plan is
the stale-marts sensor's (pipelines/staleness.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from dagster import DagsterInstance

from pipelines.assets.marts import FULL_REFRESH_TAG
from pipelines.instance import open_instance
from pipelines.jobs import IN_PROCESS, MULTIPROCESS
from pipelines.runs import check_evaluations, refresh_marts_job, run_job
from pipelines.staleness import Plan, new_records, plan
from warehouse.connection import connect

# A plan over fewer new raw records runs its steps one after the other in this process: a step
# process takes longer to start than such steps take (docs/performance.md).
IN_PROCESS_BELOW_RECORDS = 200_000


@dataclass
class RefreshReport:
    runs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def refresh(
    url: str,
    echo: Callable[[str], None] = print,
    full: bool = False,
    instance: DagsterInstance | None = None,
    processes: bool | None = None,
) -> RefreshReport:
    """Materialize what is stale; the report names the run and whether it failed. `full`:
    every mart rebuilt from raw, each in one transaction that replaces its rows (readers see
    the old rows until the new ones commit). `processes`: run the steps in processes of their
    own (None: when the plan covers IN_PROCESS_BELOW_RECORDS new records or more)."""
    report = RefreshReport()
    with connect(url, autocommit=True) as conn:
        todo = plan(conn, full=full)
        if processes is None:
            processes = full or new_records(conn, todo) >= IN_PROCESS_BELOW_RECORDS
    if todo.empty:
        echo("refresh: every mart is up to date")
        return report
    parts = []
    if todo.groups:
        verb = "rebuilding" if full else "merging new loads into"
        echo(f"refresh: {verb} {', '.join(group.name for group in todo.groups)}")
        parts.append("merged marts")
    if todo.months:
        first, last = (key[:7] for key in todo.months)
        what = "" if full else "the stale days of "
        echo(f"refresh: rebuilding {what}the daily facts of {first}..{last}")
        parts.append(f"daily facts {first}..{last}")
    tags = {**todo.tags, **({FULL_REFRESH_TAG: "true"} if full else {})}
    execution = MULTIPROCESS if processes else IN_PROCESS
    label = " and ".join(parts)
    _run(url, todo, tags, execution, label, echo, report, instance or open_instance(url))
    return report


def _run(
    url: str,
    todo: Plan,
    tags: dict[str, str],
    execution: dict,
    label: str,
    echo: Callable[[str], None],
    report: RefreshReport,
    instance: DagsterInstance,
) -> None:
    """One Dagster run of the plan's assets; what it did goes to `echo` and `report`."""
    result = run_job(refresh_marts_job, url, instance, execution, todo.asset_keys, tags)
    report.runs.append(result.run_id)
    for evaluation in check_evaluations(result):
        if not evaluation.passed:
            metadata = ", ".join(
                f"{name}={value.value}" for name, value in evaluation.metadata.items()
            )
            check = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            severity = evaluation.severity.value
            echo(f"refresh: check {check} did not pass ({severity}; {metadata})")
    steps = ", ".join(
        f"{event.step_key} {event.event_specific_data.duration_ms / 1000:.2f} s"
        for event in result.get_step_success_events()
    )
    if steps:
        echo(f"refresh: steps took {steps}")
    if result.success:
        echo(f"refresh: {label} done (run {result.run_id[:8]})")
    else:
        report.failed.append(label)
        echo(f"refresh: {label} FAILED (run {result.run_id}); its logs are in the Dagster UI")
