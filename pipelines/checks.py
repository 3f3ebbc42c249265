"""Asset checks: each one query answering one question about a mart.

They are the check specs of the `marts` step (pipelines/assets/marts.py), which evaluates a
mart's checks on the transform's own connection right after its transaction committed, beside
the transforms still running (no step of their own: five check steps cost 0.6 s of a 5.7 s full
refresh at 1 M events). A check selected without its mart (the UI's "execute checks") is
evaluated on its own.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import psycopg
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from pipelines.assets.daily import SOURCE_KIND
from pipelines.partitions import edges
from pipelines.staleness import STATE_WATERMARKS
from warehouse.transforms import high_watermark, stale_days, watermark

QUARANTINE_WARN_SHARE = 0.05


@dataclass(frozen=True)
class Check:
    spec: AssetCheckSpec
    evaluate: Callable[[psycopg.Connection, AssetCheckSpec], AssetCheckResult]

    def __call__(self, conn: psycopg.Connection) -> AssetCheckResult:
        return self.evaluate(conn, self.spec)


def _result(spec: AssetCheckSpec, passed: bool, metadata: dict, warn: bool) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=passed,
        severity=AssetCheckSeverity.WARN if warn else AssetCheckSeverity.ERROR,
        metadata=metadata,
    )


def orders_counted_once(conn: psycopg.Connection, spec: AssetCheckSpec) -> AssetCheckResult:
    # Reads the newest load's rows only (BRIN on load_id), not all of raw.events: the merge
    # is checked where it just worked, at a cost that does not grow with history.
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
    return _result(
        spec,
        counted_twice == 0 and wrong == 0,
        {"events_counted_twice": counted_twice, "newest_load_orders_wrong": wrong},
        warn=False,
    )


def orders_with_unknown_value(conn: psycopg.Connection, spec: AssetCheckSpec) -> AssetCheckResult:
    unknown, total = conn.execute(
        "select count(*) filter (where value_eur is null), count(*) from marts.orders"
    ).fetchone()
    return _result(
        spec, unknown == 0, {"unknown_value_orders": unknown, "orders": total}, warn=True
    )


def last_load_quarantine_share(conn: psycopg.Connection, spec: AssetCheckSpec) -> AssetCheckResult:
    row = conn.execute(
        "select load_id, source_name, quarantined, lines_read from raw.loads "
        "where finished_at is not null order by load_id desc limit 1"
    ).fetchone()
    if row is None:
        return _result(spec, True, {"loads": 0}, warn=True)
    load_id, source, quarantined, lines = row
    share = quarantined / lines if lines else 0.0
    return _result(
        spec,
        share <= QUARANTINE_WARN_SHARE,
        {"load_id": load_id, "source": source, "quarantined_share": share},
        warn=True,
    )


def reflects_all_loads(
    conn: psycopg.Connection, spec: AssetCheckSpec, mart: str
) -> AssetCheckResult:
    seen, high = watermark(conn, STATE_WATERMARKS[mart]), high_watermark(conn)
    return _result(spec, seen >= high, {"through_load_id": seen, "newest_load_id": high}, warn=True)


def no_stale_days(conn: psycopg.Connection, spec: AssetCheckSpec, mart: str) -> AssetCheckResult:
    days = stale_days(conn, mart, SOURCE_KIND[mart], *edges())
    return _result(
        spec,
        not days,
        {"stale_days": len(days), "first_stale_day": days[0].isoformat() if days else ""},
        warn=True,
    )


def _per_mart(
    name: str, description: str, evaluate: Callable[..., AssetCheckResult], marts: Iterable[str]
) -> list[Check]:
    """The same check on each mart."""
    return [
        Check(
            AssetCheckSpec(name, asset=mart, description=description),
            partial(evaluate, mart=mart),
        )
        for mart in marts
    ]


CHECKS = [
    Check(
        AssetCheckSpec(
            "orders_counted_once",
            asset="orders",
            blocking=True,
            description="No purchase event is counted for two orders, and every order key of "
            "the newest events load is counted, by its earliest purchase or an earlier one.",
        ),
        orders_counted_once,
    ),
    Check(
        AssetCheckSpec(
            "orders_with_unknown_value",
            asset="orders",
            description="Counted purchases whose EUR value is unknown.",
        ),
        orders_with_unknown_value,
    ),
    Check(
        AssetCheckSpec(
            "last_load_quarantine_share",
            asset="chatbot_freshness",
            description=f"The last load quarantined at most {QUARANTINE_WARN_SHARE:.0%} of its "
            "lines.",
        ),
        last_load_quarantine_share,
    ),
    *_per_mart(
        "reflects_all_loads",
        "Not older than raw: the mart has merged every committed load.",
        reflects_all_loads,
        STATE_WATERMARKS,
    ),
    *_per_mart(
        "no_stale_days",
        "Not older than raw: no day received records after it was built.",
        no_stale_days,
        SOURCE_KIND,
    ),
]
