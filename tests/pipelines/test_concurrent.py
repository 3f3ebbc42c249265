"""Transforms of one step run side by side, each on its own connection; one failing does not
stop the others; a step stopped early cancels the statements still running."""

import threading

import psycopg
import pytest

from pipelines.assets.concurrent import Transform, TransformsFailed, run_transforms
from pipelines.resources import Warehouse


def _meeting(barrier: threading.Barrier, name: str) -> Transform:
    """Returns only once `barrier.parties` transforms are running at the same time."""

    def run(conn: psycopg.Connection) -> dict[str, int]:
        pid = conn.execute("select pg_backend_pid()").fetchone()[0]
        barrier.wait()
        return {name: pid}

    return Transform(name, (name,), run)


def test_transforms_run_at_once_each_on_its_own_connection(db_url):
    barrier = threading.Barrier(2, timeout=30)
    transforms = [_meeting(barrier, "a"), _meeting(barrier, "b")]
    results = dict(run_transforms(Warehouse(database_url=db_url, concurrency=2), transforms))
    assert set(results) == {"a", "b"}
    assert results["a"] != results["b"]  # two server sessions


def test_with_concurrency_one_they_run_one_after_the_other(db_url):
    running, most = [0], [0]
    lock = threading.Lock()

    def run(conn: psycopg.Connection) -> dict[str, int]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        conn.execute("select pg_sleep(0.05)")
        with lock:
            running[0] -= 1
        return {}

    transforms = [Transform(name, (name,), run) for name in "abc"]
    assert list(run_transforms(Warehouse(database_url=db_url, concurrency=1), transforms)) == []
    assert most[0] == 1


def test_a_failing_transform_does_not_stop_the_others_and_is_named(db_url):
    def broken(conn: psycopg.Connection) -> dict[str, int]:
        conn.execute("select 1 / 0")
        return {}

    def committed(conn: psycopg.Connection) -> dict[str, int]:
        conn.execute("create table done (x int)")
        return {"fine": 1}

    transforms = [Transform("broken", ("x",), broken), Transform("fine", ("fine",), committed)]
    seen = []
    with pytest.raises(TransformsFailed, match="broken") as failure:
        for result in run_transforms(Warehouse(database_url=db_url, concurrency=1), transforms):
            seen.append(result)
    assert seen == [("fine", 1)]
    assert isinstance(failure.value.__cause__, psycopg.errors.DivisionByZero)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('done') is not null").fetchone() == (True,)


def test_a_step_stopped_early_cancels_the_statements_still_running(db_url):
    started = threading.Event()

    def quick(conn: psycopg.Connection) -> dict[str, int]:
        started.wait(30)
        return {"quick": 1}

    def slow(conn: psycopg.Connection) -> dict[str, int]:
        started.set()
        conn.execute("select pg_sleep(600)")
        return {"slow": 1}

    transforms = [Transform("slow", ("slow",), slow), Transform("quick", ("quick",), quick)]
    results = run_transforms(Warehouse(database_url=db_url, concurrency=2), transforms)
    assert next(results) == ("quick", 1)
    # What Dagster does to a step's generator when the run is interrupted. Without the cancel,
    # closing would wait for the ten-minute statement.
    closing = threading.Thread(target=results.close)
    closing.start()
    closing.join(60)
    assert not closing.is_alive()
    with psycopg.connect(db_url) as conn:
        sleeping = conn.execute(
            "select count(*) from pg_stat_activity where query like 'select pg_sleep(600)%'"
        ).fetchone()[0]
    assert sleeping == 0


def test_the_warehouse_url_is_resolved_once_for_all_threads(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    with Warehouse().held() as held:
        assert held.database_url is not None
        assert held.concurrency == Warehouse().concurrency
    explicit = Warehouse(database_url=db_url, concurrency=3)
    with explicit.held() as held:
        assert held is explicit


def test_followers_start_once_their_transform_committed_and_not_after_a_failure(db_url):
    def create(conn: psycopg.Connection) -> dict[str, int]:
        conn.execute("create table made (x int)")
        return {"made": 1}

    def sees_the_table(conn: psycopg.Connection) -> list[str]:
        # Another connection: it sees the table only if the transform has committed.
        found = conn.execute("select to_regclass('made') is not null").fetchone()[0]
        return [f"follower saw the table: {found}"]

    def broken(conn: psycopg.Connection) -> dict[str, int]:
        conn.execute("select 1 / 0")
        return {}

    def never(conn: psycopg.Connection) -> list[str]:
        return ["followed a failure"]

    transforms = [
        Transform("create", ("made",), create, then=(Transform("look", (), sees_the_table),)),
        Transform("broken", ("x",), broken, then=(Transform("never", (), never),)),
    ]
    seen = []
    with pytest.raises(TransformsFailed, match="broken"):
        for result in run_transforms(Warehouse(database_url=db_url, concurrency=2), transforms):
            seen.append(result)
    assert sorted(seen, key=str) == [("made", 1), "follower saw the table: True"]
