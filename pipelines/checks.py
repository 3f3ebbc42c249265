"""Asset checks: each one query answering one question about a mart."""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    asset_check,
    multi_asset_check,
)

from pipelines.assets.daily import SOURCE_KIND
from pipelines.resources import Warehouse
from pipelines.staleness import STATE_WATERMARKS, stale_partitions
from warehouse.transforms import high_watermark, watermark

QUARANTINE_WARN_SHARE = 0.05


@asset_check(
    asset="orders",
    blocking=True,
    description="No purchase event is counted for two orders, and every order key of the "
    "newest events load is counted, by its earliest purchase or an earlier one.",
)
def orders_counted_once(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> AssetCheckResult:
    # Reads the newest load's rows only (BRIN on load_id), not all of raw.events: the merge
    # is checked where it just worked, at a cost that does not grow with history.
    with warehouse.connect() as conn:
        counted_twice, wrong = conn.execute(
            """
            with newest_load as (
                select max(load_id) as load_id
                from raw.load_days
                where kind = 'events' and load_id <= %(through)s
            ),

            newest_orders as (
                select
                    chatbot_id,
                    coalesce(order_num, event_id) as order_key,
                    min(created_at) as earliest_at
                from raw.events
                where event = 'purchase' and load_id = (select load_id from newest_load)
                group by 1, 2
            )

            select
                (
                    select count(*) from (
                        select from marts.orders group by chatbot_id, event_id having count(*) > 1
                    ) as shared_events
                ),
                (
                    select count(*)
                    from newest_orders
                    left join marts.orders using (chatbot_id, order_key)
                    where orders.order_key is null
                        or orders.created_at > newest_orders.earliest_at
                )
            """,
            {"through": watermark(conn, "purchases")},
        ).fetchone()
    return AssetCheckResult(
        passed=counted_twice == 0 and wrong == 0,
        metadata={"events_counted_twice": counted_twice, "newest_load_orders_wrong": wrong},
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


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            "reflects_all_loads",
            asset=asset,
            description="Not older than raw: the mart has merged every committed load.",
        )
        for asset in STATE_WATERMARKS
    ],
    can_subset=True,
)
def state_marts_reflect_all_loads(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[AssetCheckResult]:
    with warehouse.connect() as conn:
        high = high_watermark(conn)
        for key in context.selected_asset_check_keys:
            seen = watermark(conn, STATE_WATERMARKS[key.asset_key.to_user_string()])
            yield AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=seen >= high,
                severity=AssetCheckSeverity.WARN,
                metadata={"through_load_id": seen, "newest_load_id": high},
            )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            "no_stale_days",
            asset=asset,
            description="Not older than raw: no day received records after it was built.",
        )
        for asset in SOURCE_KIND
    ],
    can_subset=True,
)
def daily_facts_have_no_stale_days(
    context: AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[AssetCheckResult]:
    with warehouse.connect() as conn:
        stale = stale_partitions(conn)
    for key in context.selected_asset_check_keys:
        days = stale[key.asset_key.to_user_string()]
        yield AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=not days,
            severity=AssetCheckSeverity.WARN,
            metadata={"stale_days": len(days), "first_stale_day": days[0] if days else ""},
        )


ASSET_CHECKS = [
    orders_counted_once,
    orders_with_unknown_value,
    last_load_quarantine_share,
    state_marts_reflect_all_loads,
]
DAILY_CHECKS = [daily_facts_have_no_stale_days]
