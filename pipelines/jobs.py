"""The two jobs: the incrementally merged state marts, and a range of daily partitions."""

from dagster import AssetSelection, define_asset_job

from pipelines.assets.daily import SOURCE_KIND
from pipelines.staleness import STATE_WATERMARKS

PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"

state_selection = AssetSelection.assets(*STATE_WATERMARKS)
daily_selection = AssetSelection.assets(*SOURCE_KIND)

refresh_state = define_asset_job("refresh_state", selection=state_selection)
refresh_daily_facts = define_asset_job("refresh_daily_facts", selection=daily_selection)


def range_tags(first_key: str, last_key: str) -> dict[str, str]:
    """Tags that make one run materialize a range of partitions (single-run backfill)."""
    return {PARTITION_RANGE_START: first_key, PARTITION_RANGE_END: last_key}
