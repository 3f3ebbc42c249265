"""The one place that knows where the warehouse is and how to connect to it.

`DATABASE_URL` is given in the ordinary `postgresql://user@host:port/db` form. Components that
need another driver spelling ask for it here (`sqlalchemy_url`, `psycopg2_url`).
"""

import contextlib
from collections.abc import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from warehouse.embedded import EmbeddedPostgres
from warehouse.settings import get_settings


def _with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, *parts[1:]))


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def as_login(url: str, user: str, password: str | None = None) -> str:
    """The same server and database, logging in as `user` (with `password`, if any)."""
    parts = urlsplit(libpq_url(url))
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{login}@{host}", parts.path, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy spelling of a warehouse URL, on psycopg 3."""
    return _with_scheme(url, "postgresql+psycopg")


def psycopg2_url(url: str) -> str:
    """The spelling dagster-postgres needs (it talks psycopg2)."""
    return _with_scheme(url, "postgresql+psycopg2")


def libpq_url(url: str) -> str:
    """The plain `postgresql://` spelling psycopg and libpq take."""
    return _with_scheme(url, "postgresql")


@contextlib.contextmanager
def warehouse_url() -> Iterator[str]:
    """The warehouse URL for the duration of a command.

    With `DATABASE_URL` set, that server. Unset: the embedded PostgreSQL, started (or joined)
    now and stopped when the last command using it ends.
    """
    settings = get_settings()
    if settings.database_url:
        yield libpq_url(settings.database_url)
        return
    server = EmbeddedPostgres(settings.analytics_data_dir)
    url = server.acquire()
    try:
        yield url
    finally:
        server.release()


def socket_url(url: str) -> str:
    """`url` through the embedded server's Unix socket when `url` names that server (a local
    address, the port its socket is on), as a benchmark's `DATABASE_URL` may; else `url`: another
    server's socket may ask for other logins. For clients that open a connection for nearly every
    statement, as dagster-postgres does for each event of a run: through the socket a connection
    costs about half a millisecond less (docs/performance.md)."""
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
        return url
    return EmbeddedPostgres(get_settings().analytics_data_dir).socket_url(url)


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(libpq_url(url), **kwargs)


def ensure_database(url: str) -> None:
    """Create the URL's database when the server does not have it yet."""
    name = database_name(url)
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            return
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
