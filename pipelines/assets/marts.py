"""The marts as Dagster assets, one step per group of pipelines/registry.py: a `@multi_asset`
for the marts that commit in one transaction, an `@asset` for each mart that commits alone,
monthly-partitioned assets of the per-day facts that rebuild a run's range of days at once
(pipelines/partitions.py). Each step evaluates its
group's checks (pipelines/checks.py) after its transaction committed.

A step records a materialization only for what it changed: a merged group with no new load of
its kinds records none (its outputs are optional), and a daily mart records one per month of
the run whose days it rebuilt, with that month's own row count.
"""

import warnings
from collections import Counter
from collections.abc import Iterator

import psycopg
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetMaterialization,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    asset,
    multi_asset,
)

from pipelines.checks import CHECKS
from pipelines.metadata import mart_metadata
from pipelines.partitions import (
    STALE_DAYS,
    STALE_DAYS_TAG,
    context_day_range,
    month_key,
    monthly_partitions,
)
from pipelines.registry import GROUPS, Mart, MartGroup, waits_for
from pipelines.resources import Warehouse

# A run tagged so rebuilds its merged marts from load 0, each in the transaction that empties
# it (`analytics refresh --full`; its range of days is every partition).
FULL_REFRESH_TAG = "selzee/full_refresh"
KINDS = {"postgres", "sql"}


def _spec(mart: Mart, group: MartGroup) -> AssetSpec:
    return AssetSpec(
        mart.table,
        group_name=group.dagster_group,
        deps=mart.deps,
        description=f"marts.{mart.table}: one row per {mart.grain}. {mart.description}",
        kinds=KINDS,
        owners=[group.owner],
        skippable=True,
        metadata={"dagster/table_name": f"marts.{mart.table}", "step": group.name},
    )


def _op_tags(group: MartGroup) -> dict[str, str]:
    # Steps start in the registry's order, the longest first, when they wait for a process.
    return {"dagster/priority": str(len(GROUPS) - GROUPS.index(group))}


def _one_mart_asset(group: MartGroup, **more):
    """`@asset` for the group's one mart, described as its spec says."""
    spec = _spec(group.marts[0], group)
    return asset(
        name=spec.key.path[-1],
        group_name=spec.group_name,
        deps=spec.deps,
        description=spec.description,
        kinds=spec.kinds,
        owners=spec.owners,
        metadata=spec.metadata,
        output_required=False,
        op_tags=_op_tags(group),
        **more,
    )


def _checks(group: MartGroup, conn: psycopg.Connection) -> Iterator[AssetCheckResult]:
    for name in group.checks:
        yield CHECKS[name](conn)


def _merge(context: AssetExecutionContext, warehouse: Warehouse, group: MartGroup, one: bool):
    full = context.run.tags.get(FULL_REFRESH_TAG) == "true"
    with warehouse.connect() as conn:
        changed = group.refresh(conn, group, full=full, bounded_by=waits_for(group))
        if changed is None:
            context.log.info(f"{group.name}: no new load of {', '.join(group.kinds)}")
        else:
            for mart in group.marts:
                metadata = {"rows_changed": changed[mart.table], **mart_metadata(conn, mart)}
                yield MaterializeResult(asset_key=None if one else mart.table, metadata=metadata)
        yield from _checks(group, conn)


def _merged_asset(group: MartGroup) -> AssetsDefinition:
    check_specs = [CHECKS[name].spec for name in group.checks]
    if len(group.marts) > 1:

        @multi_asset(
            name=group.name,
            specs=[_spec(mart, group) for mart in group.marts],
            check_specs=check_specs,
            can_subset=False,
            op_tags=_op_tags(group),
        )
        def merged_group(context: AssetExecutionContext, warehouse: Warehouse):
            yield from _merge(context, warehouse, group, one=False)

        merged_group.__doc__ = f"Merge the new loads into {', '.join(group.tables)} at once."
        return merged_group

    @_one_mart_asset(group, check_specs=check_specs)
    def merged(context: AssetExecutionContext, warehouse: Warehouse):
        yield from _merge(context, warehouse, group, one=True)

    return merged


def _daily_asset(group: MartGroup) -> AssetsDefinition:
    def daily(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator:
        only_stale = context.run.tags.get(STALE_DAYS_TAG) == STALE_DAYS
        with warehouse.connect() as conn:
            done = group.refresh(conn, group, context_day_range(context), only_stale=only_stale)
            metadata = mart_metadata(conn, group.marts[0], row_count=False)
        rebuilt = Counter(month_key(day) for day in done.days)
        rows = Counter()
        for day, count in done.rows.items():
            rows[month_key(day)] += count
        for month in context.partition_keys:
            if rebuilt[month]:  # a month none of whose days changed is not materialized again
                yield AssetMaterialization(
                    asset_key=context.asset_key,
                    partition=month,
                    metadata={"days_rebuilt": rebuilt[month], "dagster/row_count": rows[month]}
                    | metadata,
                )

    with warnings.catch_warnings():
        # BackfillPolicy is marked beta in Dagster 1.13; single-run range backfills are the
        # point of these assets.
        warnings.simplefilter("ignore", BetaWarning)
        return _one_mart_asset(
            group, partitions_def=monthly_partitions, backfill_policy=BackfillPolicy.single_run()
        )(daily)


MART_ASSETS = [_daily_asset(group) if group.daily else _merged_asset(group) for group in GROUPS]
