"""Per-day event counts, partitioned by UTC day; a run rebuilds its range of days at once."""

import warnings

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    asset,
)

from pipelines.assets.raw import raw_events, raw_messages
from pipelines.partitions import context_day_range, daily_partitions
from pipelines.resources import Warehouse
from warehouse.transforms import rebuild_days

# The raw kind whose loads make a day of each asset stale.
SOURCE_KIND = {"popup_days": "events", "convo_start_days": "events", "message_days": "messages"}


def daily_mart(name: str, source: AssetSpec, description: str) -> AssetsDefinition:
    with warnings.catch_warnings():
        # BackfillPolicy is marked beta in Dagster 1.13; single-run range backfills are the point.
        warnings.simplefilter("ignore", BetaWarning)
        return _daily_mart(name, source, description)


def _daily_mart(name: str, source: AssetSpec, description: str) -> AssetsDefinition:
    @asset(
        name=name,
        group_name="daily_facts",
        deps=[source],
        description=description,
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={"postgres"},
    )
    def _days(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        days = context_day_range(context)
        with warehouse.connect() as conn:
            rows = rebuild_days(conn, name, days)[name]
        return MaterializeResult(metadata={"rows_written": rows, "days": len(days.keys())})

    return _days


popup_days = daily_mart(
    "popup_days",
    raw_events,
    "marts.popup_days: one row per (chatbot, UTC day, popup version): displays and opens.",
)
convo_start_days = daily_mart(
    "convo_start_days",
    raw_events,
    "marts.convo_start_days: one row per (chatbot, UTC day, open_way): conversations started.",
)
message_days = daily_mart(
    "message_days",
    raw_messages,
    "marts.message_days: one row per (chatbot, UTC day): messages, AI messages.",
)

DAILY_ASSETS = [popup_days, convo_start_days, message_days]
