"""Counted purchases, per-user facts and the funnel roll-up, maintained together."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from pipelines.assets.raw import currency_rates, raw_events
from pipelines.resources import Warehouse
from warehouse.transforms import refresh_purchases


@multi_asset(
    group_name="purchases",
    specs=[
        AssetSpec(
            "orders",
            deps=[raw_events, currency_rates],
            description="marts.orders: one row per counted purchase (earliest event per order "
            "key over all history), its EUR value or null.",
            kinds={"postgres"},
        ),
        AssetSpec(
            "users",
            deps=[raw_events, "orders"],
            description="marts.users: one row per (chatbot, token): latest visit / popup / "
            "open / chat days, first chat, latest counted purchase.",
            kinds={"postgres"},
        ),
        AssetSpec(
            "funnel_days",
            deps=["users", "orders"],
            description="marts.funnel_days: one row per (chatbot, entry day, A/B group); "
            "engagement and purchases answers are suffix sums over it.",
            kinds={"postgres"},
        ),
    ],
)
def purchases(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[MaterializeResult]:
    """One transaction: funnel_days moves by the difference of its users' old and new facts."""
    with warehouse.connect() as conn:
        changed = refresh_purchases(conn)
    for name, rows in changed.items():
        yield MaterializeResult(asset_key=name, metadata={"rows_changed": rows})
