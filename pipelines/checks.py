"""Asset checks: each one query answering one question about a mart."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    asset_check,
)

from pipelines.assets.daily import SOURCE_KIND
from pipelines.resources import Warehouse
from pipelines.staleness import STATE_WATERMARKS, stale_partitions
from warehouse.transforms import high_watermark, watermark

QUARANTINE_WARN_SHARE = 0.05


@asset_check(asset="orders", blocking=True, description="No order is counted twice or missed.")
def orders_counted_once(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> AssetCheckResult:
    with warehouse.connect() as conn:
        counted, order_keys = conn.execute(
            """
            select
                (select count(*) from marts.orders),
                (select count(*) from (
                    select distinct chatbot_id, coalesce(order_num, event_id)
                    from raw.events
                    where event = 'purchase' and load_id <= %s
                ) as order_keys)
            """,
            (watermark(conn, "purchases"),),
        ).fetchone()
    return AssetCheckResult(
        passed=counted == order_keys,
        metadata={"counted_orders": counted, "distinct_order_keys": order_keys},
    )


@asset_check(asset="orders", description="Counted purchases whose EUR value is unknown.")
def orders_with_unknown_value(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> AssetCheckResult:
    with warehouse.connect() as conn:
        unknown, total = conn.execute(
            "select count(*) filter (where value_eur is null), count(*) from marts.orders"
        ).fetchone()
    return AssetCheckResult(
        passed=unknown == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"unknown_value_orders": unknown, "orders": total},
    )


@asset_check(
    asset="chatbot_freshness",
    description=f"The last load quarantined at most {QUARANTINE_WARN_SHARE:.0%} of its lines.",
)
def last_load_quarantine_share(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> AssetCheckResult:
    with warehouse.connect() as conn:
        row = conn.execute(
            "select load_id, source_name, quarantined, lines_read from raw.loads "
            "where finished_at is not null order by load_id desc limit 1"
        ).fetchone()
    if row is None:
        return AssetCheckResult(passed=True, metadata={"loads": 0})
    load_id, source, quarantined, lines = row
    share = quarantined / lines if lines else 0.0
    return AssetCheckResult(
        passed=share <= QUARANTINE_WARN_SHARE,
        severity=AssetCheckSeverity.WARN,
        metadata={"load_id": load_id, "source": source, "quarantined_share": share},
    )


def _reflects_all_loads(asset: str) -> AssetChecksDefinition:
    @asset_check(
        asset=asset,
        name="reflects_all_loads",
        description="The mart is not older than raw: it has merged every committed load.",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        with warehouse.connect() as conn:
            high = high_watermark(conn)
            seen = watermark(conn, STATE_WATERMARKS[asset])
        return AssetCheckResult(
            passed=seen >= high,
            severity=AssetCheckSeverity.WARN,
            metadata={"through_load_id": seen, "newest_load_id": high},
        )

    return _check


def _no_stale_days(asset: str) -> AssetChecksDefinition:
    @asset_check(
        asset=asset,
        name="no_stale_days",
        description="The mart is not older than raw: no day received records after its build.",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        with warehouse.connect() as conn:
            stale = stale_partitions(conn)[asset]
        return AssetCheckResult(
            passed=not stale,
            severity=AssetCheckSeverity.WARN,
            metadata={"stale_days": len(stale), "first_stale": stale[0] if stale else ""},
        )

    return _check


ASSET_CHECKS = [
    orders_counted_once,
    orders_with_unknown_value,
    last_load_quarantine_share,
    *(_reflects_all_loads(asset) for asset in STATE_WATERMARKS),
]
DAILY_CHECKS = [_no_stale_days(asset) for asset in SOURCE_KIND]
