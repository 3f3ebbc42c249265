"""Asset checks: each one query answering one question about a mart.

A group's checks (named in pipelines/registry.py) are evaluated in its step, on its connection,
right after its transaction committed (Dagster's checks defined with their asset). A failing
ERROR check that is `blocking` fails the step, so the assets downstream of it in that run do not
run (chatbot_freshness, and with it X-Data-As-Of, does not move past purchases that failed it).
A WARN check says in its description why it only warns.

The "behind raw" checks of every mart (pipelines/assets/behind_raw.py) are evaluated on their
own schedule: a mart that falls behind the loads shows in the UI even when no run of it failed.
"""

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from pipelines.metadata import rows_of
from warehouse.transforms import watermark

QUARANTINE_WARN_SHARE = 0.05


@dataclass(frozen=True)
class Check:
    """`warn_because`: why a failure is only a warning (None: an error)."""

    name: str
    mart: str
    description: str
    evaluate: Callable[[psycopg.Connection], tuple[bool, dict]]
    blocking: bool = False
    warn_because: str | None = None

    @property
    def spec(self) -> AssetCheckSpec:
        description = self.description
        if self.warn_because:
            description += f" Warns only: {self.warn_because}"
        return AssetCheckSpec(
            self.name, asset=self.mart, description=description, blocking=self.blocking
        )

    def __call__(self, conn: psycopg.Connection) -> AssetCheckResult:
        passed, metadata = self.evaluate(conn)
        return AssetCheckResult(
            asset_key=self.mart,
            check_name=self.name,
            passed=passed,
            severity=AssetCheckSeverity.WARN if self.warn_because else AssetCheckSeverity.ERROR,
            metadata=metadata,
        )


def orders_counted_once(conn: psycopg.Connection) -> tuple[bool, dict]:
    # Reads the purchases of the newest events load's newest day (from the earliest of its
    # chatbots' newest days: BRIN on load_id and created_at), not all of raw.events: the merge
    # is checked where it just worked, at a cost that grows neither with history nor with the
    # size of the load (a first load of a whole history is one load: docs/performance.md).
    # That no purchase event counts for two orders is the unique index orders_event_key.
    wrong = conn.execute(
        """
        with newest_load as (
            select max(load_id) as load_id
            from raw.load_days
            where kind = 'events' and load_id <= %(through)s
        ),

        newest_day as (
            select min(newest_day)::timestamp at time zone 'UTC' as read_from
            from (
                select max(day) as newest_day
                from raw.load_days
                where kind = 'events' and load_id = (select load_id from newest_load)
                group by chatbot_id
            ) as per_chatbot
        ),

        newest_orders as (
            select
                chatbot_id,
                coalesce(order_num, event_id) as order_key,
                min(created_at) as earliest_at
            from raw.events
            where event = 'purchase'
                and load_id = (select load_id from newest_load)
                and created_at >= (select read_from from newest_day)
            group by 1, 2
        ),

        -- Their counted orders, by one scan of the orders' key for all of them (a join
        -- here read every order of the history).
        counted as (
            select chatbot_id, order_key, created_at
            from marts.orders
            where order_key = any(array(select order_key from newest_orders))
        )

        select count(*)
        from newest_orders
        left join counted using (chatbot_id, order_key)
        where counted.order_key is null or counted.created_at > newest_orders.earliest_at
        """,
        {"through": watermark(conn, "purchases")},
    ).fetchone()[0]
    return wrong == 0, {"newest_load_orders_wrong": wrong}


def orders_with_unknown_value(conn: psycopg.Connection) -> tuple[bool, dict]:
    # The unknown ones by their own index (orders_unknown_value), exactly; all orders as the
    # statistics count them (the asset's row count): reading every order was a cost that grew
    # with history. That estimate can be off by about a percent after an ANALYZE.
    query = "select count(*) from marts.orders where value_eur is null"
    (unknown,) = conn.execute(query).fetchone()
    return unknown == 0, {
        "unknown_value_orders": unknown,
        "orders_estimated": rows_of(conn, "orders"),
    }


def last_load_quarantine_share(conn: psycopg.Connection) -> tuple[bool, dict]:
    row = conn.execute(
        "select load_id, source_name, quarantined, lines_read from raw.loads "
        "where finished_at is not null order by load_id desc limit 1"
    ).fetchone()
    if row is None:
        return True, {"loads": 0}
    load_id, source, quarantined, lines = row
    share = quarantined / lines if lines else 0.0
    return (
        share <= QUARANTINE_WARN_SHARE,
        {"load_id": load_id, "source": source, "quarantined_share": share},
    )


CHECKS = {
    check.name: check
    for check in (
        Check(
            "orders_counted_once",
            "orders",
            "Every order key of the newest events load's newest day is counted, by its "
            "earliest purchase or an earlier one (that no purchase event counts for two "
            "orders, the unique index marts.orders_event_key guarantees).",
            orders_counted_once,
            blocking=True,
        ),
        Check(
            "orders_with_unknown_value",
            "orders",
            "Counted purchases whose EUR value is unknown.",
            orders_with_unknown_value,
            warn_because="an order in a currency without a rate is still counted; only its "
            "revenue is missing until an operator adds the rate (reference.currency_rates).",
        ),
        Check(
            "last_load_quarantine_share",
            "chatbot_freshness",
            f"The last load quarantined at most {QUARANTINE_WARN_SHARE:.0%} of its lines.",
            last_load_quarantine_share,
            warn_because="quarantined lines are kept with their reason (raw.quarantine) and "
            "every valid line beside them landed; many of them point at a broken sender.",
        ),
    )
}
