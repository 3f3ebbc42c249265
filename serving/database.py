"""The API's warehouse connections: an asyncio pool logged in as the role `analytics_api`
(migration 0008: it can read only `marts` and the API keys), and the one connection a request
holds while its queries run.

A request takes a connection at its first query (authenticating an API key, or finding the
chatbot) and gives it back as soon as its endpoint has read what it needs, before the answer is
built and sent. Requests beyond the pool's connections wait in the pool's queue, at most
`queue_size` of them and at most `warehouse_timeout` seconds each; past either bound the
answer is 503 "overloaded" (serving/main.py).
"""

import time
import weakref
from collections.abc import AsyncIterator, Sequence

import orjson
import psycopg
from fastapi import Request
from psycopg.adapt import Loader
from psycopg_pool import AsyncConnectionPool

from serving.queries import Statement
from serving.settings import ServingSettings
from warehouse.api_login import api_url

# A connection used less than this long ago is handed out unchecked; an older one is checked
# with an empty query first (a round trip a request saved: most connections are busy).
CHECK_AFTER_IDLE_SECONDS = 2.0
_last_used: "weakref.WeakKeyDictionary[psycopg.AsyncConnection, float]" = (
    weakref.WeakKeyDictionary()
)


async def _check_if_idle(conn: psycopg.AsyncConnection) -> None:
    """The pool's check: a connection idle for a while may have lost its server (a restart)."""
    if time.monotonic() - _last_used.get(conn, 0.0) > CHECK_AFTER_IDLE_SECONDS:
        await AsyncConnectionPool.check_connection(conn)


async def _configure(conn: psycopg.AsyncConnection) -> None:
    # jsonb (the analyses' lists) read by orjson rather than the standard library's json.
    conn.adapters.register_loader("jsonb", _OrjsonLoader)
    conn.adapters.register_loader("json", _OrjsonLoader)


class _OrjsonLoader(Loader):
    def load(self, data: bytes | bytearray | memoryview) -> object:
        return orjson.loads(bytes(data) if isinstance(data, memoryview) else data)


def open_pool(warehouse_url: str, settings: ServingSettings) -> AsyncConnectionPool:
    """A pool that starts even while the server is down and heals when it returns: a
    connection idle for a while is checked before it is handed out, a broken one is discarded
    when it comes back. Opened by the app's lifespan."""
    timeout_ms = round(settings.statement_timeout * 1000)
    return AsyncConnectionPool(
        api_url(warehouse_url),
        min_size=1,
        max_size=settings.pool_size,
        max_waiting=settings.queue_size,
        timeout=settings.warehouse_timeout,
        kwargs={
            "autocommit": True,
            "connect_timeout": 2,
            # Also the role's own setting (migration 0008); here so that it is configurable.
            "options": f"-c statement_timeout={timeout_ms}",
        },
        configure=_configure,
        check=_check_if_idle,
        open=False,
    )


class Reachability:
    """Whether the warehouse accepts connections, asked at most once a second: a request that
    got no connection in time was either queued behind busy ones (overloaded) or the server
    is gone (unavailable), and only a new connection tells which."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._asked_at = -1.0
        self._reachable = True

    async def __call__(self) -> bool:
        if time.monotonic() - self._asked_at >= 1.0:
            self._asked_at = time.monotonic()
            try:
                probe = await psycopg.AsyncConnection.connect(self._conninfo, connect_timeout=1)
                await probe.close()
                self._reachable = True
            except psycopg.OperationalError:
                self._reachable = False
        return self._reachable


class RequestConnection:
    """The warehouse connection of one request: taken from the pool when first asked for, kept
    for the request's later queries, given back by `release` (or when the request ends)."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool
        self._conn: psycopg.AsyncConnection | None = None

    async def get(self) -> psycopg.AsyncConnection:
        if self._conn is None:
            self._conn = await self._pool.getconn()
        return self._conn

    async def fetch(self, statements: Sequence[Statement]) -> list[list]:
        """The rows of each statement, all sent in one round trip (pipeline mode): the
        request's last use of its connection."""
        try:
            conn = await self.get()
            cursors = []
            async with conn.pipeline():
                for statement in statements:
                    cursor = conn.cursor(row_factory=statement.row_factory)
                    await cursor.execute(statement.sql, statement.params)
                    cursors.append(cursor)
            return [await cursor.fetchall() for cursor in cursors]
        finally:
            await self.release()

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            _last_used[conn] = time.monotonic()
            await self._pool.putconn(conn)  # a broken connection is discarded, not reused


async def request_connection(request: Request) -> AsyncIterator[RequestConnection]:
    held = RequestConnection(request.app.state.pool)
    try:
        yield held
    finally:
        await held.release()
