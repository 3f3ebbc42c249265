"""How the API logs in: as the role `analytics_api` (migration 0008), on the warehouse's server
and database.

The role needs no password where the server trusts local connections (the embedded server
does). Where the server asks for one (a `DATABASE_URL` server with password authentication),
set ANALYTICS_API_PASSWORD for `analytics db upgrade`, which gives the role that password, and
for `analytics serve`, which logs in with it. `ANALYTICS_API_DATABASE_URL`, when set, replaces
the whole connection string of the API (another host, a pooler, a TLS setting).
"""

import os

import psycopg
from psycopg import sql

from warehouse.connection import as_login, libpq_url

API_ROLE = "analytics_api"


def api_url(warehouse_url: str) -> str:
    """The URL the API connects with: the warehouse's server and database as API_ROLE."""
    explicit = os.environ.get("ANALYTICS_API_DATABASE_URL")
    if explicit:
        return libpq_url(explicit)
    return as_login(warehouse_url, API_ROLE, os.environ.get("ANALYTICS_API_PASSWORD"))


def secure_api_login(conn: psycopg.Connection) -> None:
    """What migration 0008 cannot keep for good, done by every `analytics db upgrade`: no
    temporary tables for PUBLIC on this database (a database copied from it would have them
    again), and API_ROLE's password from ANALYTICS_API_PASSWORD, when it is set."""
    conn.execute(
        sql.SQL("revoke temporary on database {} from public").format(
            sql.Identifier(conn.info.dbname)
        )
    )
    password = os.environ.get("ANALYTICS_API_PASSWORD")
    if password:
        # A utility statement takes no bind parameters: the password goes in as a quoted literal.
        conn.execute(
            sql.SQL("alter role {} with password {}").format(
                sql.Identifier(API_ROLE), sql.Literal(password)
            )
        )
