"""How a mart is declared (`mart_spec`), and the marts merged incrementally from new raw rows by
one SQL file each (`merge`: sql/marts/<name>.sql)."""

from collections.abc import Sequence
from functools import partial

from dagster import AssetSpec, PartitionsDefinition

from pipelines.assets.concurrent import Transform
from warehouse.transforms import refresh_simple


def mart_spec(
    name: str,
    group_name: str,
    deps: Sequence,
    description: str,
    partitions_def: PartitionsDefinition | None = None,
) -> AssetSpec:
    """A mart of the warehouse: a PostgreSQL table, described for the Dagster UI."""
    return AssetSpec(
        name,
        group_name=group_name,
        deps=deps,
        description=description,
        kinds={"postgres"},
        partitions_def=partitions_def,
    )


def merge(name: str) -> Transform:
    """Merge the raw rows loaded since its last run into marts.<name>."""
    return Transform(name, (name,), partial(refresh_simple, name=name))
