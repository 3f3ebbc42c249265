"""The transforms from `raw` to `marts`: the SQL files under `sql/marts/`, run in transactions.

Two kinds of mart:

- "as of now" state (orders, users, conversations, ...): each refresh merges only the raw rows
  added since the asset's watermark (`pipeline.watermarks`), i.e. the loads with
  `low < load_id <= high`, and records the new watermark in the same transaction. A rerun with
  nothing new changes nothing; a failed run changes nothing.
- per-day facts (popup_days, ...): a range of UTC days is deleted and rebuilt from raw in one
  transaction; the edge days of the partition set stand for everything before/after them.

`high` is the newest load id below which every load has committed (warehouse/load_lock.py).

Suffix-sum marts (funnel_days, conversation_days) are maintained by deltas: the contributions
of the affected users or conversations are subtracted before their facts change and added
after (docs/warehouse.md).
"""

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import psycopg
from psycopg import sql

from warehouse.load_lock import high_watermark
from warehouse.sql_files import read_sql

# The class id of the advisory locks that keep two refreshes of one mart apart.
_ASSET_LOCK_CLASS = 7141
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)


def statements(script: str) -> list[str]:
    """The statements of an SQL file: each ends with `;` at the end of a line."""
    parts = (part.strip() for part in _STATEMENT_END.split(script))
    return [part for part in parts if any(_is_code(line) for line in part.splitlines())]


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("--")


_ROW_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def run_script(conn: psycopg.Connection, name: str, params: dict) -> int:
    """Run sql/marts/<name>.sql; returns the rows its INSERT, UPDATE, DELETE and MERGE
    statements touched (not the rows of a CREATE TABLE AS: a script's working tables)."""
    touched = 0
    with conn.cursor() as cur:
        for statement in statements(read_sql(f"marts/{name}.sql")):
            cur.execute(statement, params)
            if (cur.statusmessage or "").startswith(_ROW_WRITES):
                touched += max(cur.rowcount, 0)
    return touched


@dataclass(frozen=True)
class Batch:
    """The raw rows an incremental refresh merges: low < load_id <= high."""

    low: int
    high: int
    rates_changed: bool = False
    full: bool = False  # a rebuild from load 0 in the transaction that emptied the marts
    new_loads: bool = True  # whether a load of the group's kinds (or a rate) is in it

    @property
    def params(self) -> dict:
        return {"low": self.low, "high": self.high, "rates_changed": self.rates_changed}

    @property
    def is_empty(self) -> bool:
        return not self.new_loads


def tune_transaction(conn: psycopg.Connection) -> None:
    """Settings for the transforms' set-based statements, for this transaction only: no JIT
    (compiling costs more than these queries save), room to hash and sort in memory instead of
    spilling to disk, and a small sample for the ANALYZEs between statements (their joins need
    row counts and whether keys are distinct, which a small sample tells as well). What each
    bought: docs/performance.md."""
    conn.execute("set local jit = off")
    conn.execute("set local work_mem = '256MB'")
    conn.execute("set local default_statistics_target = 10")


def _prefer_index_probes(conn: psycopg.Connection) -> None:
    """For a batch merged into marts that exist: price a random page read near a sequential
    one (PostgreSQL's advice for SSDs; the default 4.0 is a spinning disk's). A batch touches a
    small part of large marts; at 4.0 the planner scans a whole mart (marts.users, twice) to
    merge it, a cost that grows with the history instead of the batch (docs/performance.md).
    The first refresh (every row new) keeps the default."""
    conn.execute("set local random_page_cost = 1.1")


@contextlib.contextmanager
def incremental(
    conn: psycopg.Connection, group, full: bool = False, bounded_by: Sequence = ()
) -> Iterator[Batch]:
    """One transaction over the raw rows new to `group` (its declaration, with `name`,
    `tables` and `kinds`: pipelines/registry.py); its watermark moves on success.
    `bounded_by`: groups whose merged loads the batch must not pass (a mart built after them
    reflects no load they have not merged). `full`: over every raw row, the tables emptied
    first in the same transaction, so that readers see the old rows until the new ones commit
    (a full refresh killed half-way leaves the old marts, never empty ones)."""
    with conn.transaction():
        tune_transaction(conn)
        conn.execute(
            "select pg_advisory_xact_lock(%s, hashtext(%s))", (_ASSET_LOCK_CLASS, group.name)
        )
        if full:
            for table in group.tables:
                conn.execute(sql.SQL("delete from {}").format(sql.Identifier("marts", table)))
        low = 0 if full else watermark(conn, group.name)
        if low > 0:
            _prefer_index_probes(conn)
        high = high_watermark(conn)
        high = min([high, *(merged_through(conn, other, high) for other in bounded_by)])
        high = max(low, high)
        rates_changed = (
            not full and "rates" in group.kinds and rates_changed_since(conn, group.name)
        )
        batch = Batch(
            low,
            high,
            rates_changed=rates_changed,
            full=full,
            new_loads=rates_changed or _has_loads(conn, group.kinds, low, high),
        )
        yield batch
        set_watermark(conn, group.name, [""], batch.high)


def _has_loads(conn: psycopg.Connection, kinds: Sequence[str], low: int, high: int) -> bool:
    return conn.execute(
        "select exists (select from raw.loads "
        "where load_id > %s and load_id <= %s and kind = any(%s))",
        (low, high, list(kinds)),
    ).fetchone()[0]


def merged_through(conn: psycopg.Connection, group, high: int) -> int:
    """The newest load id <= `high` through which `group` reflects every load of its kinds:
    its watermark, or later when no load of its kinds came after it."""
    return conn.execute(
        "select coalesce(min(load_id) - 1, %(high)s) from raw.loads "
        "where load_id > %(low)s and load_id <= %(high)s and kind = any(%(kinds)s)",
        {"low": watermark(conn, group.name), "high": high, "kinds": list(group.kinds)},
    ).fetchone()[0]


def set_watermark(
    conn: psycopg.Connection, asset_name: str, partition_keys: Sequence[str], through: int
) -> None:
    conn.execute(
        "insert into pipeline.watermarks (asset_name, partition_key, through_load_id) "
        "select %s, unnest(%s::text[]), %s "
        "on conflict (asset_name, partition_key) do update set "
        "through_load_id = excluded.through_load_id, refreshed_at = now()",
        (asset_name, list(partition_keys), through),
    )


def watermark(conn: psycopg.Connection, asset_name: str, partition_key: str = "") -> int:
    row = conn.execute(
        "select through_load_id from pipeline.watermarks "
        "where asset_name = %s and partition_key = %s",
        (asset_name, partition_key),
    ).fetchone()
    return row[0] if row else 0


def rates_changed_since(conn: psycopg.Connection, asset_name: str) -> bool:
    """Whether a currency rate was edited after the asset's last refresh (never refreshed:
    no, everything is new to it anyway)."""
    return conn.execute(
        "select refreshed_at <= (select max(updated_at) from reference.currency_rates) "
        "from pipeline.watermarks where asset_name = %s and partition_key = ''",
        (asset_name,),
    ).fetchone() == (True,)


def apply_delta(conn: psycopg.Connection, table: str, keys: Sequence[str]) -> int:
    """Add the rows of pg_temp.<table>_delta to marts.<table> (summed per key), then drop the
    rows whose measures all became zero. Returns the mart rows changed."""
    with conn.cursor() as cur:
        columns = [
            row[0]
            for row in cur.execute(
                "select attname from pg_attribute where attrelid = %s::regclass "
                "and attnum > 0 and not attisdropped order by attnum",
                (f"marts.{table}",),
            )
        ]
        measures = [column for column in columns if column not in keys]
        target = sql.Identifier("marts", table)
        delta = sql.Identifier(f"{table}_delta")
        key_list = sql.SQL(", ").join(map(sql.Identifier, keys))
        sums = sql.SQL(", ").join(
            sql.SQL("sum({0}) as {0}").format(sql.Identifier(column)) for column in measures
        )
        nonzero = sql.SQL(" or ").join(
            sql.SQL("sum({}) <> 0").format(sql.Identifier(column)) for column in measures
        )
        additions = sql.SQL(", ").join(
            sql.SQL("{0} = known.{0} + excluded.{0}").format(sql.Identifier(column))
            for column in measures
        )
        all_zero = sql.SQL(" and ").join(
            sql.SQL("known.{} = 0").format(sql.Identifier(column)) for column in measures
        )
        cur.execute(
            sql.SQL(
                "create temp table changed_keys on commit drop as "
                "select {keys}, {sums} from pg_temp.{delta} group by {keys} having {nonzero}"
            ).format(keys=key_list, sums=sums, delta=delta, nonzero=nonzero)
        )
        cur.execute(
            sql.SQL(
                "insert into {target} as known select * from pg_temp.changed_keys "
                "on conflict ({keys}) do update set {additions}"
            ).format(target=target, keys=key_list, additions=additions)
        )
        changed = cur.rowcount
        cur.execute(
            sql.SQL(
                "delete from {target} as known using pg_temp.changed_keys as changed "
                "where ({known_keys}) = ({changed_keys}) and {all_zero}"
            ).format(
                target=target,
                known_keys=sql.SQL(", ").join(sql.Identifier("known", key) for key in keys),
                changed_keys=sql.SQL(", ").join(sql.Identifier("changed", key) for key in keys),
                all_zero=all_zero,
            )
        )
        cur.execute("drop table pg_temp.changed_keys")
        return changed


def _create_delta_table(conn: psycopg.Connection, table: str) -> None:
    conn.execute(
        sql.SQL("create temp table {} (like {}) on commit drop").format(
            sql.Identifier(f"{table}_delta"), sql.Identifier("marts", table)
        )
    )


def analyze_if_grown(
    conn: psycopg.Connection, table: str, rows_written: int, columns: Sequence[str]
) -> None:
    """ANALYZE marts.<table> when a statement of this transaction wrote more than a tenth of the
    rows its statistics know of (autovacuum's own threshold), so that the statements after it
    in the transaction are planned for what it holds now. Without it, a first or full refresh
    plans its later joins for the empty table autovacuum last saw (one row): nested loops
    (docs/performance.md). An incremental merge writes far less
    than a tenth and is not slowed. Only `columns` (those the later statements join and filter
    on) are sampled: the row count comes with any ANALYZE, and the others cost more (jsonb)."""
    known = conn.execute(
        "select reltuples from pg_class where oid = %s::regclass", (f"marts.{table}",)
    ).fetchone()[0]
    if rows_written > 0.1 * max(known, 0):
        conn.execute(
            sql.SQL("analyze {} ({})").format(
                sql.Identifier("marts", table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
        )


@contextlib.contextmanager
def indexed_after_if_empty(
    conn: psycopg.Connection, table: str, batch: Batch | None = None
) -> Iterator[None]:
    """Statements that fill marts.<table> from nothing (a first or full refresh) run with its
    indexes dropped, which are built once after them from the rows, in the same transaction
    (building an index from the rows costs a fraction of maintaining it row by row:
    docs/performance.md). Readers of the mart wait for that transaction (dropping an index locks
    the table); they would have found it empty. A table that holds rows keeps its indexes. Only
    for statements that need no index of the table: the state marts are merged by MERGE, not
    INSERT ... ON CONFLICT, for that reason (MERGE is safe here because refreshes of one mart
    never overlap: `incremental` holds the mart's advisory lock). Not in a full refresh
    (`batch.full`): the table is empty only to this transaction, and readers must go on reading
    the old rows."""
    target = sql.Identifier("marts", table)
    if (batch is not None and batch.full) or conn.execute(
        sql.SQL("select exists (select from {})").format(target)
    ).fetchone()[0]:
        yield
        return
    indexes = conn.execute(
        "select index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid), "
        "constraint_.conname, pg_get_constraintdef(constraint_.oid) "
        "from pg_index as index "
        "left join pg_constraint as constraint_ on constraint_.conindid = index.indexrelid "
        "    and constraint_.conrelid = index.indrelid "
        "where index.indrelid = %s::regclass",
        (f"marts.{table}",),
    ).fetchall()
    for index, _, constraint, _ in indexes:
        if constraint:
            conn.execute(
                sql.SQL("alter table {} drop constraint {}").format(
                    target, sql.Identifier(constraint)
                )
            )
        else:
            conn.execute(sql.SQL("drop index {}").format(sql.SQL(index)))
    yield
    for _, index_definition, constraint, constraint_definition in indexes:
        if constraint:
            conn.execute(
                sql.SQL("alter table {} add constraint {} {}").format(
                    target, sql.Identifier(constraint), sql.SQL(constraint_definition)
                )
            )
        else:
            conn.execute(index_definition)


# --- the "as of now" marts -------------------------------------------------------------------


def refresh_simple(
    conn: psycopg.Connection, group, full: bool = False, bounded_by: Sequence[str] = ()
) -> dict[str, int]:
    """Merge the new raw rows into the group's one mart with sql/marts/<name>.sql (a MERGE).
    `group`: its declaration (pipelines/registry.py)."""
    name = group.name
    with incremental(conn, group, full, bounded_by) as batch:
        if batch.is_empty:
            return None
        with indexed_after_if_empty(conn, name, batch):
            changed = run_script(conn, name, batch.params)
        analyze_grown_marts(conn, group, {name: changed})
    return {name: changed}


def analyze_grown_marts(conn: psycopg.Connection, group, changed: dict[str, int]) -> None:
    """Before the group's transaction commits: statistics for the marts it grew by more than a
    tenth, on their key columns, so that the API's first queries after a first or full refresh
    are planned for what the marts hold, not for the empty tables autovacuum last saw."""
    for mart in group.marts:
        analyze_if_grown(conn, mart.table, changed[mart.table], mart.key)


def refresh_purchases(
    conn: psycopg.Connection, group, full: bool = False, bounded_by: Sequence[str] = ()
) -> dict[str, int]:
    """orders, users, funnel_days and visitor_days together: funnel_days and visitor_days
    need the others' old state."""
    with incremental(conn, group, full, bounded_by) as batch:
        if batch.is_empty:
            return None
        run_script(conn, "purchases_batch", batch.params)
        run_script(conn, "visitor_days_batch", batch.params)
        _create_delta_table(conn, "funnel_days")
        run_script(conn, "affected_orders", batch.params)
        run_script(conn, "funnel_days", {"sign": -1})
        with indexed_after_if_empty(conn, "orders", batch):
            orders = run_script(conn, "orders", batch.params)
        analyze_if_grown(conn, "orders", orders, ("chatbot_id", "token"))
        run_script(conn, "affected_orders", batch.params)
        run_script(conn, "changed_users", {})
        with indexed_after_if_empty(conn, "users", batch):
            users = run_script(conn, "users", batch.params)
        analyze_if_grown(conn, "users", users, ("chatbot_id", "token", "last_visit_on"))
        run_script(conn, "funnel_days", {"sign": 1})
        funnel_days = apply_delta(conn, "funnel_days", ("chatbot_id", "day", "ab_group"))
        run_script(conn, "visitor_days", batch.params)
        visitor_days = sum(
            run_script(conn, "visitor_days_span", {**batch.params, **span})
            for span in _date_spans(conn, "pg_temp.visitor_days_affected")
        )
        changed = {
            "orders": orders,
            "users": users,
            "funnel_days": funnel_days,
            "visitor_days": visitor_days,
        }
        analyze_grown_marts(conn, group, changed)
    return changed


# Dates recomputed together by one statement (visitor_days_span.sql), so that the aggregation of
# a full refresh's visitors is bounded by a quarter's, whatever the history (docs/performance.md).
SPAN_DAYS = 92


def _date_spans(conn: psycopg.Connection, table: str) -> list[dict[str, date]]:
    """The `day`s of the table in spans of SPAN_DAYS: for each span that holds any, its first
    day (span_from) and the day after its last (span_to)."""
    rows = conn.execute(
        f"""
        with numbered as (
            select day, (day - min(day) over ()) / {SPAN_DAYS} as span
            from {table}
        )
        select min(day), max(day) + 1
        from numbered
        group by span
        order by span
        """
    ).fetchall()
    return [{"span_from": first, "span_to": after} for first, after in rows]


def refresh_conversations(
    conn: psycopg.Connection, group, full: bool = False, bounded_by: Sequence[str] = ()
) -> dict[str, int]:
    """conversations, conversation_days (by deltas of the former) and
    conversation_activity_days (the dates of the batch's conversations) together."""
    with incremental(conn, group, full, bounded_by) as batch:
        if batch.is_empty:
            return None
        run_script(conn, "conversations_batch", batch.params)
        _create_delta_table(conn, "conversation_days")
        run_script(conn, "conversation_days", {"sign": -1})
        with indexed_after_if_empty(conn, "conversations", batch):
            conversations = run_script(conn, "conversations", batch.params)
        analyze_if_grown(conn, "conversations", conversations, ("chatbot_id", "conversation_id"))
        run_script(conn, "conversation_days", {"sign": 1})
        days = apply_delta(conn, "conversation_days", ("chatbot_id", "day"))
        activity_days = run_script(conn, "conversation_activity_days", batch.params)
        changed = {
            "conversations": conversations,
            "conversation_days": days,
            "conversation_activity_days": activity_days,
        }
        analyze_grown_marts(conn, group, changed)
    return changed


# --- per-day facts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRange:
    """Partition days [first, last] of a partition set whose edges are `edge_first` and
    `edge_last`: an edge partition also holds every day beyond it."""

    first: date
    last: date
    edge_first: date
    edge_last: date

    @property
    def bounds(self) -> dict[str, str]:
        lower = "-infinity" if self.first <= self.edge_first else self.first.isoformat()
        upper = (
            "infinity" if self.last >= self.edge_last else (self.last + timedelta(1)).isoformat()
        )
        return {"lower": lower, "upper": upper}

    def partition_keys(self) -> list[str]:
        days = (self.last - self.first).days + 1
        return [(self.first + timedelta(offset)).isoformat() for offset in range(days)]


@dataclass(frozen=True)
class DaysRebuilt:
    """What `rebuild_days` did: the partition days it rebuilt, and the mart's rows per day of
    the whole range (a day beyond an edge counts on the edge)."""

    days: list[date]
    rows: dict[date, int]


def rebuild_days(
    conn: psycopg.Connection, group, days: DayRange, only_stale: bool = False
) -> DaysRebuilt:
    """Rebuild the group's one mart over a range of partition days in one transaction.
    `only_stale`: only the span of its days that received records since they were built (or
    were never built)."""
    name = group.name
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s, hashtext(%s))", (_ASSET_LOCK_CLASS, name))
        tune_transaction(conn)
        high = high_watermark(conn)
        rebuild: DayRange | None = days
        if only_stale:
            stale = [
                day
                for day in stale_days(
                    conn, name, group.source_kind, days.edge_first, days.edge_last
                )
                if days.first <= day <= days.last
            ]
            rebuild = replace(days, first=stale[0], last=stale[-1]) if stale else None
        if rebuild is not None:
            run_script(conn, name, rebuild.bounds)
            set_watermark(conn, name, rebuild.partition_keys(), high)
        per_day = conn.execute(
            sql.SQL(
                "select greatest(least(day, %(edge_last)s), %(edge_first)s), count(*)::integer "
                "from {} where day >= %(lower)s and day < %(upper)s group by 1"
            ).format(sql.Identifier("marts", name)),
            {**days.bounds, "edge_first": days.edge_first, "edge_last": days.edge_last},
        ).fetchall()
    rebuilt = [date.fromisoformat(key) for key in rebuild.partition_keys()] if rebuild else []
    return DaysRebuilt(rebuilt, dict(per_day))


def stale_days(
    conn: psycopg.Connection, name: str, kind: str, edge_first: date, edge_last: date
) -> list[date]:
    """Partition days of marts.<name> that loads of `kind` changed after it was built."""
    rows = conn.execute(
        read_sql("marts/stale_days.sql"),
        {
            "asset_name": name,
            "kind": kind,
            "edge_first": edge_first,
            "edge_last": edge_last,
            "high": high_watermark(conn),
        },
    ).fetchall()
    return [row[0] for row in rows]
