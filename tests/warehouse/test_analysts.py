"""The analysts' door (SPEC 7): `analytics db analyst` prints a login that reads marts, staging
and reference and nothing else, writes nothing and has a statement timeout; the examples of
docs/warehouse.md run as that login (psql and pandas); every column it can read is commented;
`marts.order_items` adds up to the orders' values."""

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal

import psycopg
import pytest

from tests.conftest import REPO
from tests.pipelines.conftest import BOT, Pipeline, at, ev
from tests.test_cli import ANALYTICS

ANALYSTS_SECTION = (REPO / "docs" / "warehouse.md").read_text().split("## For analysts", 1)[1]
READABLE = ("marts", "staging", "reference")


@pytest.fixture
def warehouse(db_url, tmp_path) -> Pipeline:
    pipeline = Pipeline(db_url, tmp_path)
    pipeline.load("chatbots", [{"chatbot_id": BOT, "account_id": "acme"}])
    items = [
        {"value": 10.5, "quantity": 2, "currency": "EUR"},
        {"value": 100, "quantity": 1, "currency": "CZK"},
    ]
    pipeline.load(
        "events",
        [
            ev("visitor", "user_aaaa0", at(0)),
            ev("purchase", "user_aaaa0", at(0, 13), "p-1", orderNum="1", items=items),
            ev("purchase", "user_aaaa0", at(1, 9), "p-2", orderNum="2", items=[{"value": 5}]),
        ],
    )
    pipeline.refresh()
    return pipeline


def run_analyst_command(url: str) -> str:
    """`analytics db analyst` on the warehouse at `url`: the connection string it prints."""
    result = subprocess.run(
        [ANALYTICS, "db", "analyst"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def analyst_url(warehouse) -> str:
    return run_analyst_command(warehouse.url)


def test_the_login_reads_the_three_schemas_and_nothing_else(warehouse, analyst_url):
    with psycopg.connect(analyst_url, autocommit=True) as conn:
        assert conn.info.user == "analytics_analyst"
        for relation in ("marts.orders", "staging.chatbots", "reference.currency_rates"):
            conn.execute(f"select * from {relation} limit 1").fetchall()
        assert conn.execute("show statement_timeout").fetchone()[0] == "1min"
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
        for forbidden in ("raw.events", "pipeline.watermarks", "api.api_keys"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select 1 from {forbidden} limit 1")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("delete from marts.orders")
        # Even a session that turns read-only off has no right to write.
        conn.execute("set default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from marts.orders")
        for ddl in ("create table marts.mine (x int)", "create table public.mine (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(ddl)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create temporary table mine (x int)")
    with psycopg.connect(warehouse.url, autocommit=True) as admin:
        assert admin.execute("select count(*) from marts.orders").fetchone()[0] == 2


def test_running_the_command_again_keeps_one_working_login(warehouse, analyst_url):
    again = run_analyst_command(warehouse.url)
    with psycopg.connect(again) as conn:
        assert conn.execute("select count(*) from marts.order_items").fetchone()[0] == 3


def test_order_items_add_up_to_the_orders_values(warehouse, analyst_url):
    with psycopg.connect(analyst_url) as conn:
        by_currency = dict(
            conn.execute(
                "select currency, sum(value_eur) from marts.order_items "
                "where chatbot_id = %s group by currency",
                (BOT,),
            ).fetchall()
        )
        orders_total = conn.execute(
            "select sum(value_eur) from marts.orders where chatbot_id = %s", (BOT,)
        ).fetchone()[0]
        czk_rate = conn.execute(
            "select eur_per_unit from reference.currency_rates where currency = 'CZK'"
        ).fetchone()[0]
    assert by_currency == {"EUR": Decimal("26.00"), "CZK": 100 * czk_rate}
    assert sum(by_currency.values()) == orders_total


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", ANALYSTS_SECTION, re.S)


@pytest.mark.skipif(shutil.which("psql") is None, reason="no psql client on this machine")
@pytest.mark.parametrize("number", range(len(_blocks("sql"))))
def test_the_docs_sql_examples_run_in_psql_as_the_analyst(analyst_url, number):
    example = _blocks("sql")[number]
    result = subprocess.run(
        ["psql", analyst_url, "-v", f"chatbot={BOT}", "-v", "ON_ERROR_STOP=1", "-X", "-q"],
        input=example,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{example}\n{result.stderr}"
    assert "row" in result.stdout  # psql's "(N rows)" footer: the query answered


def test_the_docs_pandas_example_runs_as_the_analyst(analyst_url):
    [example] = _blocks("python")
    result = subprocess.run(
        [sys.executable, "-c", example],
        capture_output=True,
        text=True,
        env={**os.environ, "ANALYST_URL": analyst_url, "CHATBOT": BOT},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "revenue_per_visitor" in result.stdout


def test_every_column_an_analyst_can_read_has_a_comment(db_url):
    with psycopg.connect(db_url) as conn:
        uncommented = conn.execute(
            """
            select namespace.nspname || '.' || class.relname || '.' || attribute.attname
            from pg_attribute as attribute
            join pg_class as class on class.oid = attribute.attrelid
            join pg_namespace as namespace on namespace.oid = class.relnamespace
            where namespace.nspname = any(%s)
                and class.relkind in ('r', 'v', 'm', 'p', 'f')
                and attribute.attnum > 0 and not attribute.attisdropped
                and col_description(class.oid, attribute.attnum) is null
            union all
            select namespace.nspname || '.' || class.relname
            from pg_class as class
            join pg_namespace as namespace on namespace.oid = class.relnamespace
            where namespace.nspname = any(%s)
                and class.relkind in ('r', 'v', 'm', 'p', 'f')
                and obj_description(class.oid, 'pg_class') is null
            order by 1
            """,
            (list(READABLE), list(READABLE)),
        ).fetchall()
    assert uncommented == []
