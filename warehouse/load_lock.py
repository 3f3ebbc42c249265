"""The lock between loads and refreshes: how a refresh knows which loads have committed.

Loads hold LOAD_LOCK shared for their whole transaction (`lock_for_load`); `high_watermark`
takes it exclusively for the moment it reads the newest load id, so no load with a smaller id
can still be in flight. The loader and the transforms both import this module; neither imports
the other.
"""

import psycopg

# (class id, object id) of the advisory lock.
LOAD_LOCK = (7140, 2)


def lock_for_load(conn: psycopg.Connection) -> None:
    """Called by a load at the start of its transaction."""
    conn.execute("select pg_advisory_xact_lock_shared(%s, %s)", LOAD_LOCK)


def high_watermark(conn: psycopg.Connection) -> int:
    """The newest load id such that every load with a smaller or equal id has committed."""
    conn.execute("select pg_advisory_lock(%s, %s)", LOAD_LOCK)
    try:
        return conn.execute("select coalesce(max(load_id), 0) from raw.loads").fetchone()[0]
    finally:
        conn.execute("select pg_advisory_unlock(%s, %s)", LOAD_LOCK)
