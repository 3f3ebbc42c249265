"""Shared fixtures: a real PostgreSQL for every test.

The server is the one `TEST_DATABASE_URL` or `DATABASE_URL` names (e.g. the machine's
127.0.0.1:5432), else the embedded PostgreSQL. The test session migrates one template database
and gives each test that asks for `db_url` its own fresh copy; all of them are dropped at the end.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from warehouse.connection import (
    database_name,
    ensure_database,
    libpq_url,
    psycopg2_url,
    with_database,
)
from warehouse.embedded import EmbeddedPostgres
from warehouse.migrate import upgrade
from warehouse.settings import get_settings

REPO = Path(__file__).resolve().parent.parent
# The shared fixtures, copied into the repository (tests/test_fixture_copy.py keeps the copy
# equal to ../shared/fixtures wherever that exists).
FIXTURES = REPO / "tests" / "fixtures"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def _admin(server_url: str) -> psycopg.Connection:
    return psycopg.connect(with_database(server_url, "postgres"), autocommit=True)


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory, server_url: str) -> Iterator[Path]:
    """Dagster runs of the tests record into one throw-away instance, in PostgreSQL as the
    project's own (a config of the user's own in DAGSTER_HOME, so no test rewrites it)."""
    home = tmp_path_factory.mktemp("dagster_home")
    url = with_database(server_url, f"selzee_test_dagster_{uuid.uuid4().hex[:8]}")
    ensure_database(url)
    (home / "dagster.yaml").write_text(
        f'storage:\n  postgres:\n    postgres_url: "{psycopg2_url(url)}"\n'
        "telemetry:\n  enabled: false\n"
    )
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous
    drop_database(server_url, url)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The URL of a running PostgreSQL server (any database on it)."""
    configured = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        yield libpq_url(configured)
        return
    server = EmbeddedPostgres(get_settings().analytics_data_dir)
    url = server.acquire()
    try:
        yield url
    finally:
        server.release()


@pytest.fixture(scope="session")
def template_db(server_url: str) -> Iterator[str]:
    """The name of a migrated database that per-test databases are copied from."""
    name = f"selzee_test_template_{uuid.uuid4().hex[:8]}"
    upgrade(with_database(server_url, name))
    yield name
    with _admin(server_url) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def create_database(server_url: str, template: str) -> str:
    """A new database copied from `template`; returns its URL."""
    name = f"selzee_test_{uuid.uuid4().hex[:12]}"
    with _admin(server_url) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return with_database(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    """Drop the URL's database, and the Dagster instance's database beside it if any."""
    name = database_name(url)
    with _admin(server_url) as conn:
        for database in (name, name + "_dagster"):
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
            )


@pytest.fixture
def db_url(server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database of this test's own, as a postgresql:// URL."""
    url = create_database(server_url, template_db)
    yield url
    drop_database(server_url, url)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection
