"""Independent transforms of one Dagster step, run at once: each on its own connection, in its
own transaction.

Dagster's in-process executor runs one step at a time, and one PostgreSQL statement uses one
core (INSERT ... SELECT is never planned in parallel). So the marts that do not depend on each
other are materialized by one step that runs their transforms side by side, as dbt runs models
in threads: the warehouse does the work, the threads only wait for it. A transform that fails
does not stop the others (each commits or rolls back alone); the step fails after all ended,
naming the failed ones, and the marts that succeeded are reported materialized.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import psycopg

from pipelines.resources import Warehouse


@dataclass(frozen=True)
class Transform:
    """One transaction that brings some marts up to date; `run` returns rows changed per mart."""

    name: str
    marts: tuple[str, ...]
    run: Callable[[psycopg.Connection], dict[str, int]]


class TransformsFailed(Exception):
    pass


def run_transforms(
    warehouse: Warehouse, transforms: Sequence[Transform]
) -> Iterator[tuple[str, int]]:
    """(mart, rows changed) of each mart as its transform commits, up to
    `warehouse.concurrency` transforms at a time, started in the order given (put the longest
    first). Stopped early (Ctrl-C, the step interrupted), it cancels the running statements."""
    with warehouse.held() as held:
        yield from _run_all(held, transforms)


def _run_all(warehouse: Warehouse, transforms: Sequence[Transform]) -> Iterator[tuple[str, int]]:
    running = _Connections()
    failed: list[tuple[str, BaseException]] = []
    pool = ThreadPoolExecutor(max(1, warehouse.concurrency), thread_name_prefix="transform")
    futures: dict[Future, Transform] = {
        pool.submit(_run, warehouse, transform, running): transform for transform in transforms
    }
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda done_future: futures[done_future].name):
                if future.exception() is not None:
                    failed.append((futures[future].name, future.exception()))
                else:
                    yield from future.result().items()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        running.cancel_all()
        raise
    finally:
        pool.shutdown(wait=True)
    if failed:
        names = ", ".join(name for name, _ in failed)
        raise TransformsFailed(f"transforms failed: {names}: {failed[0][1]}") from failed[0][1]


def _run(warehouse: Warehouse, transform: Transform, running: "_Connections") -> dict[str, int]:
    with warehouse.connect() as conn:
        running.add(conn)
        try:
            return transform.run(conn)
        finally:
            running.remove(conn)


class _Connections:
    """The connections of the transforms running now, to cancel their statements."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: set[psycopg.Connection] = set()

    def add(self, conn: psycopg.Connection) -> None:
        with self._lock:
            self._connections.add(conn)

    def remove(self, conn: psycopg.Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def cancel_all(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.cancel_safe()
