"""Every mart in one step: the state marts' merges and the daily facts' rebuilds of a range of
days, side by side (pipelines/assets/concurrent.py), each mart's checks right after its
transform committed (pipelines/checks.py)."""

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    multi_asset,
)

from pipelines.assets import daily
from pipelines.assets.concurrent import Transform, run_transforms
from pipelines.assets.state import STATE_SPECS, STATE_TRANSFORMS
from pipelines.checks import CHECKS, Check
from pipelines.partitions import context_day_range
from pipelines.resources import Warehouse

# A run tagged so rebuilds its state marts from load 0, each in the transaction that empties it
# (`analytics refresh --full`; its range of days is every partition).
FULL_REFRESH_TAG = "selzee/full_refresh"


class IncompleteSelection(Exception):
    """Some, not all, of the marts that one transaction maintains were selected."""


with warnings.catch_warnings():
    # BackfillPolicy is marked beta in Dagster 1.13; single-run range backfills are the point.
    warnings.simplefilter("ignore", BetaWarning)

    @multi_asset(
        name="marts",
        specs=[*STATE_SPECS, *daily.SPECS],
        check_specs=[check.spec for check in CHECKS],
        backfill_policy=BackfillPolicy.single_run(),
        can_subset=True,
    )
    def marts(
        context: AssetExecutionContext, warehouse: Warehouse
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        """Bring the selected marts up to date: merges of new loads and rebuilds of the run's
        days, side by side, each in its own transaction, then the marts' selected checks."""
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        checks = [check for check in CHECKS if check.spec.key in context.selected_asset_check_keys]
        full = context.run.tags.get(FULL_REFRESH_TAG) == "true"
        transforms = [
            _reporting(
                replace(transform, run=partial(transform.run, full=True)) if full else transform,
                _changed,
                checks,
            )
            for transform in _state(selected)
        ]
        days_selected = [name for name in daily.SOURCE_KIND if name in selected]
        if days_selected:
            days = context_day_range(context)
            written = _written(len(days.keys()))
            transforms += [
                _reporting(transform, written, checks)
                for transform in daily.day_transforms(days_selected, days)
            ]
        unchecked = [check for check in checks if not _covered(check, transforms)]
        if unchecked:  # checks selected without their marts
            transforms.append(_checking("checks", unchecked))
        yield from run_transforms(warehouse, transforms)


def _state(selected: set[str]) -> list[Transform]:
    chosen = []
    for transform in STATE_TRANSFORMS:
        marts = selected.intersection(transform.marts)
        if marts and len(marts) < len(transform.marts):
            raise IncompleteSelection(
                f"{', '.join(transform.marts)} are materialized together: select all of them"
            )
        if marts:
            chosen.append(transform)
    return chosen


def _changed(rows: int) -> dict:
    return {"rows_changed": rows}


def _written(days: int) -> Callable[[int], dict]:
    return lambda rows: {"rows_written": rows, "days": days}


def _reporting(
    transform: Transform, metadata: Callable[[int], dict], checks: Sequence[Check]
) -> Transform:
    """The transform, returning a materialization per mart, followed by its marts' checks."""

    def run(conn) -> list[MaterializeResult]:
        return [
            MaterializeResult(asset_key=mart, metadata=metadata(rows))
            for mart, rows in transform.run(conn).items()
        ]

    own = [check for check in checks if check.spec.asset_key.to_user_string() in transform.marts]
    then = (_checking(f"checks of {transform.name}", own),) if own else ()
    return replace(transform, run=run, then=then)


def _checking(name: str, checks: Sequence[Check]) -> Transform:
    return Transform(name, (), lambda conn: [check(conn) for check in checks])


def _covered(check: Check, transforms: Sequence[Transform]) -> bool:
    return any(check.spec.asset_key.to_user_string() in t.marts for t in transforms)
