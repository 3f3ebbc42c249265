"""What the benchmarks share: the generated data set, fresh databases, measured commands."""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse.connection import with_database
from warehouse.generate import GeneratorConfig, generate
from warehouse.migrate import upgrade

BENCH = Path(__file__).resolve().parent
ANALYTICS = str(Path(sys.executable).parent / "analytics")
DATA_NOW = "2026-02-24T12:00:00Z"

STATS = "/api/dashboard/analytics/stats"
# The endpoints every benchmark measures, in the order they are reported.
ENDPOINTS = (
    "overview",
    "engagement",
    "popup-metrics",
    "purchases",
    "daily",
    "conversation-insights",
)


def data_set(visitors_per_day: int, days: int) -> Path:
    """A generated data set (3 chatbots), cached under bench/data/."""
    folder = BENCH / "data" / f"v{visitors_per_day}-d{days}"
    if not (folder / "events.jsonl").exists():
        generate(
            folder,
            GeneratorConfig(
                seed=1, days=days, chatbots=3, visitors_per_day=visitors_per_day, now=DATA_NOW
            ),
        )
    return folder


@contextlib.contextmanager
def fresh_database(server: str, prefix: str) -> Iterator[str]:
    """A new migrated database on the server, dropped afterwards (with the Dagster instance's
    database beside it, if a refresh made one)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = with_database(server, name)
    upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
            for database in (name, f"{name}_dagster"):
                conn.execute(
                    sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(database)
                    )
                )


def measured(url: str, *args: str, env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one `analytics ...` command in its own process."""
    code = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(r.stdout, end=''); sys.stderr.write(r.stderr); sys.exit(r.returncode)"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, ANALYTICS, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "DATABASE_URL": url},
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"analytics {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    rss_kb, _, stdout = result.stdout.partition("\n")
    return seconds, int(rss_kb) / 1024, stdout.strip()


def lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def target(name: str, measured_value: float, goal: float, unit: str, higher_is_better: bool):
    met = measured_value >= goal if higher_is_better else measured_value <= goal
    return {"name": name, "measured": measured_value, "target": goal, "unit": unit, "met": met}
