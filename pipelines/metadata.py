"""What the Dagster UI shows of a table after a step wrote it (a mart, or a raw table an ingest
loaded): its name, its columns as the catalog has them (types, comments) and its row count."""

import psycopg
from dagster import TableColumn, TableColumnConstraints, TableSchema
from psycopg import sql

from pipelines.registry import Mart

_COLUMNS = """
select attname, format_type(atttypid, atttypmod), not attnotnull, col_description(attrelid, attnum)
from pg_attribute
where attrelid = %s::regclass and attnum > 0 and not attisdropped
order by attnum
"""


def column_schema(conn: psycopg.Connection, table: str) -> TableSchema:
    """`table`: schema-qualified."""
    return TableSchema(
        columns=[
            TableColumn(
                name,
                type_,
                description=comment,
                constraints=TableColumnConstraints(nullable=nullable),
            )
            for name, type_, nullable, comment in conn.execute(_COLUMNS, (table,))
        ]
    )


def mart_metadata(conn: psycopg.Connection, mart: Mart, row_count: bool = True) -> dict:
    """`row_count`: also count its rows (a daily mart's steps count each day instead)."""
    metadata = {
        "dagster/table_name": f"marts.{mart.table}",
        "dagster/column_schema": column_schema(conn, f"marts.{mart.table}"),
    }
    if row_count:
        metadata["dagster/row_count"] = rows_of(conn, mart.table)
    return metadata


# A mart the statistics count at this many rows or more is not counted again after each step:
# counting every mart's rows is a cost that grows with history (docs/performance.md).
EXACT_COUNT_BELOW = 100_000


def rows_of(conn: psycopg.Connection, table: str) -> int:
    """The rows of marts.<table>: counted when the table is small; else PostgreSQL's live-row
    statistic, which every insert and delete keeps exact (an ANALYZE, which samples, may leave
    it off by a fraction of a percent until the next write). The statistics of this session's
    last transaction are flushed first."""
    conn.execute("select pg_stat_force_next_flush()")
    live = conn.execute(
        "select n_live_tup from pg_stat_user_tables where relid = %s::regclass",
        (f"marts.{table}",),
    ).fetchone()[0]
    if live >= EXACT_COUNT_BELOW:
        return live
    query = sql.SQL("select count(*) from {}").format(sql.Identifier("marts", table))
    return conn.execute(query).fetchone()[0]
