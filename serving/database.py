"""The API's warehouse connections: a pool whose sessions run as the role `analytics_api`,
which can read only `marts` and the API keys (migration 0003)."""

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from warehouse.connection import libpq_url

API_ROLE = "analytics_api"
# What a request meets while the warehouse is unreachable: answered with 503.
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)


def open_pool(url: str, timeout: float) -> ConnectionPool:
    """A pool that starts even while the server is down and heals when it returns: every
    connection is checked when it is handed out."""
    pool = ConnectionPool(
        libpq_url(url),
        min_size=1,
        max_size=8,
        timeout=timeout,
        kwargs={"autocommit": True, "options": f"-c role={API_ROLE}", "connect_timeout": 2},
        check=ConnectionPool.check_connection,
        open=False,
    )
    pool.open(wait=False)
    return pool
