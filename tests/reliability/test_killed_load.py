"""`kill -9` of a load of a big file (validated in a worker process): the worker, and the
resource tracker beside it, end within a few seconds of the loading process, wherever it was
killed; nothing of the file is half-loaded."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import psycopg
import pytest

from tests.warehouse.test_validation import event

LOADER = """
import sys
from pathlib import Path
from warehouse.connection import connect
from warehouse.loader import load_file
with connect(sys.argv[1]) as conn:
    print("loading", flush=True)
    load_file(conn, "events", Path(sys.argv[2]))
"""


def events_file(path, count: int, note_chars: int):
    with path.open("w") as out:
        for number in range(count):
            record = event(event_id=f"e-{number}", data={"note": "n" * note_chars})
            out.write(json.dumps(record) + "\n")
    return path


@pytest.fixture(scope="module")
def big_files(tmp_path_factory):
    """Over the size validated in a worker: about 60 MB in six chunks, and 10 MB in one chunk
    (the worker hands it over and is about to exit when its parent dies)."""
    folder = tmp_path_factory.mktemp("big")
    return {
        "many chunks": (events_file(folder / "many.jsonl", 120_000, 400), 120_000),
        "one chunk": (events_file(folder / "one.jsonl", 15_000, 600), 15_000),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "after_seconds"),
    [
        ("one chunk", 0.0),
        ("one chunk", 0.1),
        ("many chunks", 0.2),
        ("many chunks", 0.5),
        ("many chunks", 1.0),
        ("many chunks", 2.0),
    ],
)
def test_the_worker_ends_with_a_killed_load(db_url, big_files, file, after_seconds):
    path, lines = big_files[file]
    loading = subprocess.Popen(
        [sys.executable, "-c", LOADER, db_url, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert loading.stdout.readline().strip() == "loading"
        parent = psutil.Process(loading.pid)
        deadline = time.monotonic() + 10
        children = []
        while not children and time.monotonic() < deadline:
            children = parent.children(recursive=True)
            time.sleep(0.02)
        time.sleep(after_seconds)
        # The worker may have finished by now (a fast machine); the processes seen at any point
        # must all be gone once the load is killed.
        children += [child for child in parent.children(recursive=True) if child not in children]
    finally:
        os.kill(loading.pid, signal.SIGKILL)
        loading.wait()
    assert children, "no worker was started"
    _, alive = psutil.wait_procs(children, timeout=5)
    for process in alive:
        process.kill()
    assert alive == [], f"still running 5 s after the load was killed: {alive}"
    with psycopg.connect(db_url) as conn:
        loaded = conn.execute("select count(*) from raw.events").fetchone()[0]
        finished = conn.execute("select count(*) from raw.loads").fetchone()[0]
    assert (loaded, finished) in {(0, 0), (lines, 1)}  # the whole file or nothing
