"""The "as of now" marts, merged from the loads new to each: one step, its transforms side by
side (pipelines/assets/concurrent.py). A run of any of them runs all: each merges only what is
new to it, so an up-to-date one costs a few milliseconds."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, MaterializeResult, multi_asset

from pipelines.assets import accounts, conversations, purchases
from pipelines.assets.concurrent import run_transforms
from pipelines.resources import Warehouse

STATE_SPECS = [*purchases.SPECS, *conversations.SPECS, *accounts.SPECS]
# The longest first: purchases takes as long as the others together on the data measured.
STATE_TRANSFORMS = [*purchases.TRANSFORMS, *conversations.TRANSFORMS, *accounts.TRANSFORMS]


@multi_asset(name="state_marts", specs=STATE_SPECS)
def state_marts(
    context: AssetExecutionContext, warehouse: Warehouse
) -> Iterator[MaterializeResult]:
    for mart, rows in run_transforms(warehouse, STATE_TRANSFORMS):
        yield MaterializeResult(asset_key=mart, metadata={"rows_changed": rows})
