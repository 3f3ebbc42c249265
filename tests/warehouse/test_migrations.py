"""Migrations from an empty database, re-run, and back down."""

import uuid

import psycopg
import pytest
from psycopg import sql

from warehouse.connection import with_database
from warehouse.migrate import head_revision, upgrade


@pytest.fixture
def empty_db_url(server_url):
    name = f"selzee_test_empty_{uuid.uuid4().hex[:8]}"
    url = with_database(server_url, name)
    yield url  # upgrade() creates the database itself
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'marts', 'reference', 'staging')"
        ).fetchall()
    return {row[0] for row in rows}


def test_upgrade_creates_the_database_and_the_raw_schema(empty_db_url):
    assert upgrade(empty_db_url) == head_revision()
    assert {
        "raw.events",
        "raw.messages",
        "raw.conversations",
        "raw.analyses",
        "raw.chatbots",
        "raw.quarantine",
        "raw.loads",
        "raw.load_days",
        "reference.currency_rates",
        "staging.conversations",
    } <= tables(empty_db_url)


def test_upgrade_is_idempotent(empty_db_url):
    upgrade(empty_db_url)
    before = tables(empty_db_url)
    assert upgrade(empty_db_url) == head_revision()
    assert tables(empty_db_url) == before


def test_currency_rates_are_seeded_as_the_spec_lists(empty_db_url):
    upgrade(empty_db_url)
    with psycopg.connect(empty_db_url) as conn:
        rates = dict(
            conn.execute(
                "select currency, eur_per_unit::text from reference.currency_rates"
            ).fetchall()
        )
    assert len(rates) == 15
    assert (rates["EUR"], rates["USD"], rates["HUF"], rates["RSD"]) == (
        "1.0",
        "0.92",
        "0.0026",
        "0.0085",
    )


def test_every_table_leads_with_chatbot_id_except_reference_tables(empty_db_url):
    upgrade(empty_db_url)
    with psycopg.connect(empty_db_url) as conn:
        first_columns = dict(
            conn.execute(
                "select table_schema || '.' || table_name, column_name "
                "from information_schema.columns where ordinal_position = 1 "
                "and table_schema in ('raw', 'marts', 'staging')"
            ).fetchall()
        )
    leading = {table for table, column in first_columns.items() if column != "chatbot_id"}
    assert leading == {"raw.loads"}  # one row per loaded file, spanning tenants


def _raw_state(url: str, table: str) -> dict:
    """Rows (by column name), comments and index definitions of raw.<table>."""
    with psycopg.connect(url) as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = %s order by column_name",
                (table,),
            )
        ]
        listed = sql.SQL(", ").join(map(sql.Identifier, columns))
        rows = conn.execute(
            sql.SQL("select {} from {} order by 1, 2, 3, 4").format(
                listed, sql.Identifier("raw", table)
            )
        ).fetchall()
        comments = conn.execute(
            "select attname, col_description(attrelid, attnum) from pg_attribute "
            "where attrelid = %s::regclass and attnum >= 0 order by 1",
            (f"raw.{table}",),
        ).fetchall()
        indexes = conn.execute(
            "select indexname, indexdef from pg_indexes where schemaname = 'raw' "
            "and tablename = %s order by 1",
            (table,),
        ).fetchall()
        described = conn.execute("select obj_description(%s::regclass)", (f"raw.{table}",))
        return {
            "rows": rows,
            "comments": comments,
            "indexes": indexes,
            "table_comment": described.fetchone()[0],
        }


def test_reordering_the_raw_columns_keeps_rows_comments_and_indexes(empty_db_url, tmp_path):
    from warehouse.commands import load_files
    from warehouse.generate import GeneratorConfig, generate

    upgrade(empty_db_url, "0005")
    generate(tmp_path, GeneratorConfig(seed=3, days=2, chatbots=1, visitors_per_day=30))
    for kind in ("events", "messages"):
        load_files(empty_db_url, kind, [tmp_path / f"{kind}.jsonl"])
    before = {table: _raw_state(empty_db_url, table) for table in ("events", "messages")}
    assert len(before["events"]["rows"]) > 100 and len(before["messages"]["rows"]) > 10

    upgrade(empty_db_url, "0006")  # later migrations change the indexes on purpose
    for table in ("events", "messages"):
        assert _raw_state(empty_db_url, table) == before[table]
    assert upgrade(empty_db_url) == head_revision()
    with psycopg.connect(empty_db_url) as conn:
        leading = conn.execute(
            "select table_name, array_agg(column_name::text order by ordinal_position) "
            "from information_schema.columns where table_schema = 'raw' "
            "and table_name in ('events', 'messages') and ordinal_position <= 3 group by 1"
        ).fetchall()
    assert dict(leading) == {
        "events": ["chatbot_id", "load_id", "created_at"],
        "messages": ["chatbot_id", "load_id", "created_at"],
    }
