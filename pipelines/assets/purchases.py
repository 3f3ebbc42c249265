"""Counted purchases, per-user facts and the funnel roll-up, maintained together."""

from pipelines.assets.concurrent import Transform
from pipelines.assets.incremental import mart_spec
from pipelines.assets.raw import currency_rates, raw_events
from warehouse.transforms import refresh_purchases

SPECS = [
    mart_spec(
        "orders",
        "purchases",
        [raw_events, currency_rates],
        "marts.orders: one row per counted purchase (earliest event per order "
        "key over all history), its EUR value or null.",
    ),
    mart_spec(
        "users",
        "purchases",
        [raw_events, "orders"],
        "marts.users: one row per (chatbot, token): latest visit / popup / "
        "open / chat days, first chat, latest counted purchase.",
    ),
    mart_spec(
        "funnel_days",
        "purchases",
        ["users", "orders"],
        "marts.funnel_days: one row per (chatbot, entry day, A/B group); "
        "engagement and purchases answers are suffix sums over it.",
    ),
    mart_spec(
        "visitor_days",
        "purchases",
        [raw_events, "users", "orders"],
        "marts.visitor_days: one row per (chatbot, UTC date): that date's distinct visitors, "
        "their funnel steps and counted purchases (the daily endpoint).",
    ),
]
# One transaction: funnel_days moves by the difference of its users' old and new facts, and
# visitor_days recomputes the dates whose facts the batch changes.
TRANSFORMS = [
    Transform("purchases", ("orders", "users", "funnel_days", "visitor_days"), refresh_purchases)
]
