"""Counted purchases, per-user facts and the funnel roll-up, maintained together."""

from dagster import AssetSpec

from pipelines.assets.concurrent import Transform
from pipelines.assets.raw import currency_rates, raw_events
from warehouse.transforms import refresh_purchases

SPECS = [
    AssetSpec(
        "orders",
        group_name="purchases",
        deps=[raw_events, currency_rates],
        description="marts.orders: one row per counted purchase (earliest event per order "
        "key over all history), its EUR value or null.",
        kinds={"postgres"},
    ),
    AssetSpec(
        "users",
        group_name="purchases",
        deps=[raw_events, "orders"],
        description="marts.users: one row per (chatbot, token): latest visit / popup / "
        "open / chat days, first chat, latest counted purchase.",
        kinds={"postgres"},
    ),
    AssetSpec(
        "funnel_days",
        group_name="purchases",
        deps=["users", "orders"],
        description="marts.funnel_days: one row per (chatbot, entry day, A/B group); "
        "engagement and purchases answers are suffix sums over it.",
        kinds={"postgres"},
    ),
]
# One transaction: funnel_days moves by the difference of its users' old and new facts.
TRANSFORMS = [Transform("purchases", ("orders", "users", "funnel_days"), refresh_purchases)]
