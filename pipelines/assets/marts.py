"""Every mart in one step: the state marts' merges and the daily facts' rebuilds of a range of
days, side by side (pipelines/assets/concurrent.py)."""

import warnings
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    multi_asset,
)

from pipelines.assets import daily
from pipelines.assets.concurrent import run_transforms
from pipelines.assets.state import STATE_SPECS, STATE_TRANSFORMS
from pipelines.partitions import context_day_range
from pipelines.resources import Warehouse


class IncompleteSelection(Exception):
    """Some, not all, of the marts that one transaction maintains were selected."""


with warnings.catch_warnings():
    # BackfillPolicy is marked beta in Dagster 1.13; single-run range backfills are the point.
    warnings.simplefilter("ignore", BetaWarning)

    @multi_asset(
        name="marts",
        specs=[*STATE_SPECS, *daily.SPECS],
        backfill_policy=BackfillPolicy.single_run(),
        can_subset=True,
    )
    def marts(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[MaterializeResult]:
        """Bring the selected marts up to date: merges of new loads and rebuilds of the run's
        days, side by side, each in its own transaction."""
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        transforms = []
        for transform in STATE_TRANSFORMS:
            chosen = selected.intersection(transform.marts)
            if chosen and len(chosen) < len(transform.marts):
                raise IncompleteSelection(
                    f"{', '.join(transform.marts)} are materialized together: select all of them"
                )
            if chosen:
                transforms.append(transform)
        days_selected = [name for name in daily.SOURCE_KIND if name in selected]
        if days_selected:
            days = context_day_range(context)
            transforms += daily.day_transforms(days_selected, days)
        for mart, rows in run_transforms(warehouse, transforms):
            if mart in daily.SOURCE_KIND:
                yield MaterializeResult(
                    asset_key=mart, metadata={"rows_written": rows, "days": len(days.keys())}
                )
            else:
                yield MaterializeResult(asset_key=mart, metadata={"rows_changed": rows})
