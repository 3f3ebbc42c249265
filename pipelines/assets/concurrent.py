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
from typing import Any

import psycopg

from pipelines.resources import Warehouse


@dataclass(frozen=True)
class Transform:
    """One transaction that brings some marts up to date. `run` returns what it did (rows
    changed per mart, or Dagster results); `then` are started once it committed."""

    name: str
    marts: tuple[str, ...]
    run: Callable[[psycopg.Connection], Any]
    then: tuple["Transform", ...] = ()


class TransformsFailed(Exception):
    pass


def run_transforms(warehouse: Warehouse, transforms: Sequence[Transform]) -> Iterator[Any]:
    """What each transform's `run` returned (its items, for a list or dict), as it commits, up
    to `warehouse.concurrency` transforms at a time, started in the order given (put the
    longest first); a transform's `then` follow it. Stopped early (Ctrl-C, the step
    interrupted), it cancels the running statements."""
    with warehouse.held() as held:
        yield from _run_all(held, transforms)


def _run_all(warehouse: Warehouse, transforms: Sequence[Transform]) -> Iterator[Any]:
    running = _Connections()
    failed: list[tuple[str, BaseException]] = []
    pool = ThreadPoolExecutor(max(1, warehouse.concurrency), thread_name_prefix="transform")
    futures: dict[Future, Transform] = {}

    def start(transform: Transform) -> None:
        futures[pool.submit(_run, warehouse, transform, running)] = transform

    try:
        for transform in transforms:
            start(transform)
        handled: set[Future] = set()
        while len(handled) < len(futures):
            waiting = [future for future in futures if future not in handled]
            done, _ = wait(waiting, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda done_future: futures[done_future].name):
                handled.add(future)
                transform = futures[future]
                if future.exception() is not None:
                    failed.append((transform.name, future.exception()))
                    continue
                for follower in transform.then:
                    start(follower)
                result = future.result()
                yield from result.items() if isinstance(result, dict) else result
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        running.cancel_all()
        raise
    finally:
        pool.shutdown(wait=True)
    if failed:
        names = ", ".join(name for name, _ in failed)
        raise TransformsFailed(f"transforms failed: {names}: {failed[0][1]}") from failed[0][1]


def _run(warehouse: Warehouse, transform: Transform, running: "_Connections") -> Any:
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
