"""One check per mart: has it fallen behind the loads? Evaluated at the end of every refresh run
(after all the run's marts) and on a schedule of its own (pipelines/schedules.py), so that a mart
whose refreshes stop or keep failing shows in the UI; the stale-marts sensor normally catches a
mart up within a minute or two of a load."""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    multi_asset_check,
)

from pipelines.registry import GROUPS, MART_TABLES
from pipelines.resources import Warehouse
from pipelines.staleness import behind, stale_partitions
from warehouse.load_lock import high_watermark
from warehouse.transforms import merged_through

CHECK_NAME = "behind_raw"
DESCRIPTION = (
    "The mart reflects every committed load it reads (a daily mart: every day is built after "
    "the loads that reached it). Warns only: a mart behind raw is late, not wrong; the API's "
    "X-Data-As-Of says how far its answers reach."
)


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            CHECK_NAME,
            asset=table,
            description=DESCRIPTION,
            additional_deps=[other for other in MART_TABLES if other != table],
        )
        for group in GROUPS
        for table in group.tables
    ],
    can_subset=True,
)
def behind_raw(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[AssetCheckResult]:
    selected = {key.asset_key.to_user_string() for key in context.selected_asset_check_keys}
    with warehouse.connect() as conn:
        high = high_watermark(conn)
        stale_days = stale_partitions(conn)
        for group in GROUPS:
            if group.daily:
                days = stale_days[group.name]
                passed = not days
                metadata = {"stale_days": len(days), "first_stale_day": days[0] if days else ""}
            else:
                passed = not behind(conn, group, high)
                through = merged_through(conn, group, high)
                metadata = {"through_load_id": through, "newest_load_id": high}
            for table in selected.intersection(group.tables):
                yield AssetCheckResult(
                    asset_key=table,
                    check_name=CHECK_NAME,
                    passed=passed,
                    severity=AssetCheckSeverity.WARN,
                    metadata=metadata,
                )
