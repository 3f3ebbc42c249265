"""`analytics refresh --full` as readers see it: the old marts or the new ones, never empty or
partial ones, while it runs and after it is killed half-way."""

import os
import signal
import subprocess
import threading
import time

import psycopg
import pytest

from pipelines.refresh import refresh
from pipelines.registry import MART_TABLES
from tests.pipelines.test_batch_order import snapshot
from tests.test_cli import ANALYTICS
from warehouse.commands import load_files
from warehouse.generate import GeneratorConfig, generate
from warehouse.validation import KINDS

COUNTS = "select " + ", ".join(f"(select count(*) from marts.{table})" for table in MART_TABLES)


@pytest.fixture
def loaded(db_url, tmp_path):
    config = GeneratorConfig(
        seed=3, days=20, chatbots=2, visitors_per_day=60, now="2026-03-01T12:00:00Z"
    )
    generate(tmp_path, config)
    for kind in KINDS:
        _, errors = load_files(db_url, kind, [tmp_path / f"{kind}.jsonl"])
        assert not errors
    assert refresh(db_url, echo=lambda line: None).ok
    return db_url


class Reader(threading.Thread):
    """Reads the row count of every mart, in one statement, over and over."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: set[tuple] = set()
        self.reads = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                self.seen.add(conn.execute(COUNTS).fetchone())
                self.reads += 1


def full_refresh(url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [ANALYTICS, "refresh", "--full"],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def other_sessions(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from pg_stat_activity "
            "where datname = current_database() and pid <> pg_backend_pid()"
        ).fetchone()[0]


@pytest.mark.slow
def test_readers_see_the_same_marts_all_through_a_full_refresh(loaded):
    before = snapshot(loaded)
    with psycopg.connect(loaded) as conn:
        counts = conn.execute(COUNTS).fetchone()
    reader = Reader(loaded)
    reader.start()
    refreshing = full_refresh(loaded)
    out, err = refreshing.communicate(timeout=300)
    reader.stop.set()
    reader.join()
    assert refreshing.returncode == 0, err
    assert "rebuilding" in out
    assert reader.reads > 50
    assert reader.seen == {counts}  # never fewer rows, never none
    assert snapshot(loaded) == before  # the same data rebuilt: the same marts


@pytest.mark.slow
def test_a_full_refresh_killed_half_way_leaves_the_old_marts(loaded):
    before = snapshot(loaded)
    refreshing = full_refresh(loaded)
    try:
        # Kill it while a mart's transaction is open (it holds its asset's advisory lock).
        deadline = time.monotonic() + 120
        with psycopg.connect(loaded, autocommit=True) as conn:
            while time.monotonic() < deadline:
                held = conn.execute(
                    "select count(*) from pg_locks where locktype = 'advisory' and classid = 7141"
                ).fetchone()[0]
                if held:
                    break
                time.sleep(0.005)
        assert held, "no transform started"
    finally:
        os.kill(refreshing.pid, signal.SIGKILL)
        refreshing.wait()
    deadline = time.monotonic() + 30
    while other_sessions(loaded) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert snapshot(loaded) == before
    assert refresh(loaded, echo=lambda line: None).ok  # and the next refresh converges
    assert snapshot(loaded) == before
