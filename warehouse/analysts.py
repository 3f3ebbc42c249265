"""The analysts' door (SPEC 7): `analytics db analyst` creates or updates a PostgreSQL login that
can read `marts`, `staging` and `reference` and nothing else, and prints its connection string.

The role may SELECT every table and view of those schemas, today's and those later migrations
add (default privileges); it cannot read `raw`, `pipeline` or `api`, cannot write anywhere, and
its sessions are read-only by default with a statement timeout. (`staging`'s views read `raw`
with their owner's rights: they are the analysts' cleaned view of the replaceable records.)

Where the server asks for a password, a new one is generated each time the command runs and
shown only then; where the server trusts local connections (the embedded one does), the role
has none and the string carries none.
"""

import secrets
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse.connection import as_login, connect

ANALYST_ROLE = "analytics_analyst"
READABLE_SCHEMAS = ("marts", "staging", "reference")
DEFAULT_STATEMENT_TIMEOUT = "60s"
CONNECTION_LIMIT = 10


def prepare_analyst(url: str, role: str = ANALYST_ROLE, timeout: str = DEFAULT_STATEMENT_TIMEOUT):
    """Create or update `role`; returns its connection string."""
    with connect(url, autocommit=True) as conn:
        _grant(conn, role, timeout)
        password = None
        if not _logs_in_without_password(url, role):
            password = secrets.token_urlsafe(24)
            conn.execute(
                sql.SQL("alter role {} with password {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
    return as_login(url, role, password)


def _grant(conn: psycopg.Connection, role: str, timeout: str) -> None:
    name = sql.Identifier(role)
    schemas = sql.SQL(", ").join(map(sql.Identifier, READABLE_SCHEMAS))
    if not conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone():
        conn.execute(sql.SQL("create role {}").format(name))
    statements = [
        "alter role {role} with login nosuperuser nocreatedb nocreaterole noinherit "
        "noreplication nobypassrls connection limit {limit}",
        "alter role {role} set default_transaction_read_only = on",
        "alter role {role} set statement_timeout = {timeout}",
        "alter role {role} set idle_in_transaction_session_timeout = {timeout}",
        "grant connect on database {database} to {role}",
        "grant usage on schema {schemas} to {role}",
        "grant select on all tables in schema {schemas} to {role}",
        # Tables and views that later migrations create (they run as this same user).
        "alter default privileges in schema {schemas} grant select on tables to {role}",
    ]
    for statement in statements:
        conn.execute(
            sql.SQL(statement).format(
                role=name,
                limit=sql.Literal(CONNECTION_LIMIT),
                timeout=sql.Literal(timeout),
                database=sql.Identifier(conn.info.dbname),
                schemas=schemas,
            )
        )


def _logs_in_without_password(url: str, role: str) -> bool:
    """Whether the server lets `role` in with no password (no ~/.pgpass consulted either)."""
    with tempfile.TemporaryDirectory() as empty:
        try:
            with psycopg.connect(
                as_login(url, role), connect_timeout=5, passfile=str(Path(empty) / "none")
            ):
                return True
        except psycopg.OperationalError:
            return False
