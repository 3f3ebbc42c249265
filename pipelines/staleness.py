"""What a refresh has to do: the merged groups with loads they have not merged, and the days of
each daily mart that received records since they were built (or were never built)."""

from dataclasses import dataclass
from datetime import date

import psycopg
from dagster import AssetCheckKey, AssetKey

from pipelines.checks import CHECKS
from pipelines.partitions import STALE_DAYS, STALE_DAYS_TAG, edges, month_key, range_tags
from pipelines.registry import DAILY, MERGED, MartGroup
from warehouse.load_lock import high_watermark
from warehouse.transforms import (
    merged_through,
    rates_changed_since,
    stale_days,
    watermark,
)


@dataclass(frozen=True)
class Plan:
    """One run: the merged groups to merge, and a range of months of the daily marts (`full`:
    rebuilt whole, else only their stale days)."""

    groups: tuple[MartGroup, ...]
    months: tuple[str, str] | None
    full: bool = False
    daily: tuple[MartGroup, ...] = DAILY

    @property
    def empty(self) -> bool:
        return not self.groups and self.months is None

    @property
    def _planned_groups(self) -> list[MartGroup]:
        return [*self.groups, *(self.daily if self.months else ())]

    @property
    def asset_keys(self) -> list[AssetKey]:
        return [AssetKey(table) for group in self._planned_groups for table in group.tables]

    @property
    def check_keys(self) -> list[AssetCheckKey]:
        """The checks the planned groups evaluate in their own steps (not the behind_raw checks
        of every mart, which wait for all of them: they run on their schedule)."""
        return [CHECKS[name].spec.key for group in self._planned_groups for name in group.checks]

    @property
    def tags(self) -> dict[str, str]:
        if not self.months:
            return {}
        return range_tags(*self.months) | ({} if self.full else {STALE_DAYS_TAG: STALE_DAYS})


def behind(conn: psycopg.Connection, group: MartGroup, high: int) -> bool:
    """Whether a merged group has not merged a load of its kinds (or an edited rate)."""
    return merged_through(conn, group, high) < high or (
        "rates" in group.kinds and rates_changed_since(conn, group.name)
    )


def stale_groups(conn: psycopg.Connection) -> tuple[MartGroup, ...]:
    high = high_watermark(conn)
    return tuple(group for group in MERGED if behind(conn, group, high))


def stale_partitions(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Per daily mart, the days to rebuild."""
    edge_first, edge_last = edges()
    return {
        group.name: [
            day.isoformat()
            for day in stale_days(conn, group.name, group.source_kind, edge_first, edge_last)
        ]
        for group in DAILY
    }


def plan(conn: psycopg.Connection, full: bool = False) -> Plan:
    """What is stale, as one run; `full`: everything."""
    if full:
        first, last = edges()
        return Plan(MERGED, (month_key(first), month_key(last)), full=True)
    stale = {name: days for name, days in stale_partitions(conn).items() if days}
    days = sorted({day for days in stale.values() for day in days})
    if not days:
        return Plan(stale_groups(conn), None)
    # One range over the months of every stale day; the run rebuilds the span of stale days
    # (rebuilding a fresh day in between costs less than a run per gap).
    months = (month_key(date.fromisoformat(days[0])), month_key(date.fromisoformat(days[-1])))
    daily = tuple(group for group in DAILY if group.name in stale)
    return Plan(stale_groups(conn), months, daily=daily)


def new_records(conn: psycopg.Connection, todo: Plan) -> int:
    """Lines of the loads the plan's merged groups have not merged (a size, for choosing how
    to run it; the daily marts' stale days are at most as many)."""
    if not todo.groups:
        oldest = conn.execute(
            "select coalesce(min(through_load_id), 0) from pipeline.watermarks "
            "where partition_key <> ''"
        ).fetchone()[0]
    else:
        oldest = min(watermark(conn, group.name) for group in todo.groups)
    return conn.execute(
        "select coalesce(sum(lines_read), 0) from raw.loads where load_id > %s", (oldest,)
    ).fetchone()[0]
