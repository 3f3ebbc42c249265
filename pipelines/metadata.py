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
        query = sql.SQL("select count(*) from {}").format(sql.Identifier("marts", mart.table))
        metadata["dagster/row_count"] = conn.execute(query).fetchone()[0]
    return metadata
