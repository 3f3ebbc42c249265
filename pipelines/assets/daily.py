"""Per-day event counts, partitioned by UTC day; a run rebuilds its range of days at once, the
selected marts side by side (pipelines/assets/concurrent.py)."""

import warnings
from collections.abc import Iterator
from functools import partial

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    multi_asset,
)

from pipelines.assets.concurrent import Transform, run_transforms
from pipelines.assets.incremental import mart_spec
from pipelines.assets.raw import raw_events, raw_messages
from pipelines.partitions import context_day_range, daily_partitions
from pipelines.resources import Warehouse
from warehouse.transforms import rebuild_days

# The raw kind whose loads make a day of each mart stale.
SOURCE_KIND = {"popup_days": "events", "convo_start_days": "events", "message_days": "messages"}


SPECS = [
    mart_spec(
        "popup_days",
        "daily_facts",
        [raw_events],
        "marts.popup_days: one row per (chatbot, UTC day, popup version): displays and opens.",
    ),
    mart_spec(
        "convo_start_days",
        "daily_facts",
        [raw_events],
        "marts.convo_start_days: one row per (chatbot, UTC day, open_way): conversations started.",
    ),
    mart_spec(
        "message_days",
        "daily_facts",
        [raw_messages],
        "marts.message_days: one row per (chatbot, UTC day): messages, AI messages.",
    ),
]

with warnings.catch_warnings():
    # BackfillPolicy is marked beta in Dagster 1.13; single-run range backfills are the point.
    warnings.simplefilter("ignore", BetaWarning)

    @multi_asset(
        name="daily_facts",
        specs=SPECS,
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        can_subset=True,
    )
    def daily_facts(
        context: AssetExecutionContext, warehouse: Warehouse
    ) -> Iterator[MaterializeResult]:
        days = context_day_range(context)
        transforms = [
            Transform(name, (name,), partial(rebuild_days, name=name, days=days))
            for name in SOURCE_KIND
            if AssetKey(name) in context.selected_asset_keys
        ]
        for mart, rows in run_transforms(warehouse, transforms):
            yield MaterializeResult(
                asset_key=mart, metadata={"rows_written": rows, "days": len(days.keys())}
            )
