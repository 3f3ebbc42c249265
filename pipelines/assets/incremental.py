"""The asset shape shared by the marts merged incrementally from new raw rows by one SQL file."""

from collections.abc import Sequence

from dagster import AssetExecutionContext, AssetsDefinition, AssetSpec, MaterializeResult, asset

from pipelines.resources import Warehouse
from warehouse.transforms import refresh_simple


def incremental_mart(
    name: str, group_name: str, deps: Sequence[AssetSpec], description: str
) -> AssetsDefinition:
    """An asset that merges the raw rows loaded since its last run into marts.<name>."""

    @asset(name=name, group_name=group_name, deps=deps, description=description, kinds={"postgres"})
    def _mart(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        with warehouse.connect() as conn:
            changed = refresh_simple(conn, name)[name]
        return MaterializeResult(metadata={"rows_changed": changed})

    return _mart
