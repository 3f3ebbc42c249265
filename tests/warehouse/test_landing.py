"""The landing folder on a real PostgreSQL: each complete file loaded once, by the loader's
rules, then moved aside; unreadable files set aside with their reason, nothing of them loaded."""

import gzip
import os
import threading
from pathlib import Path

import pytest

from tests.warehouse.test_loader import scalar, write_jsonl
from tests.warehouse.test_validation import CONVERSATION, event
from warehouse import landing
from warehouse.landing import LOADED, REJECTED, ingest, waiting_files


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / "landing"
    landing.prepare(folder)
    return folder


def events_file(root, name, ids, compress=False):
    return write_jsonl(
        root / "events" / name, [event(event_id=f"e-{i}") for i in ids], compress=compress
    )


def test_only_complete_files_are_waiting(root):
    events_file(root, "a.jsonl", [1])
    events_file(root, "b.jsonl.gz", [2], compress=True)
    events_file(root, "c.jsonl.tmp", [3])  # still being written
    events_file(root, ".d.jsonl", [4])  # hidden: a producer's temporary name
    (root / "events" / LOADED).mkdir()
    write_jsonl(root / "events" / LOADED / "old.jsonl", [event(event_id="e-5")])  # done before
    assert {kind: [Path(p).name for p in paths] for kind, paths in waiting_files(root).items()} == {
        "events": ["a.jsonl", "b.jsonl.gz"]
    }


def test_each_file_is_loaded_and_moved_to_loaded(conn, root):
    events_file(root, "a.jsonl", [1, 2])
    events_file(root, "b.jsonl.gz", [3], compress=True)
    write_jsonl(root / "conversations" / "c.jsonl", [CONVERSATION, b"{not json"])
    done = ingest(conn, root)
    assert sorted((i.kind, i.name, i.summary.loaded) for i in done) == [
        ("conversations", "c.jsonl", 1),
        ("events", "a.jsonl", 2),
        ("events", "b.jsonl.gz", 1),
    ]
    assert scalar(conn, "select count(*) from raw.events") == 3
    assert scalar(conn, "select count(*) from raw.quarantine where kind = 'conversations'") == 1
    assert sorted(p.name for p in (root / "events" / LOADED).iterdir()) == ["a.jsonl", "b.jsonl.gz"]
    assert waiting_files(root) == {}
    assert scalar(conn, "select count(*) from raw.loads where source_sha256 is not null") == 3


def test_a_file_delivered_again_adds_nothing(conn, root):
    """Same bytes, same or other name: moved to loaded/ without a second load."""
    first = events_file(root, "a.jsonl", [1, 2])
    payload = first.read_bytes()
    ingest(conn, root)
    (root / "events" / "a.jsonl").write_bytes(payload)
    (root / "events" / "a-again.jsonl").write_bytes(payload)
    done = ingest(conn, root)
    assert [(i.name, i.seen_before) for i in done] == [("a.jsonl", True), ("a-again.jsonl", True)]
    assert scalar(conn, "select count(*) from raw.loads") == 1
    assert sorted(p.name for p in (root / "events" / LOADED).iterdir()) == [
        "a-again.jsonl",
        "a.jsonl",
        "a.jsonl.1",
    ]


def test_a_restart_between_commit_and_move_does_not_load_twice(conn, root, monkeypatch):
    events_file(root, "a.jsonl", [1, 2])

    def crash(self, path, folder):
        raise KeyboardInterrupt  # the process dies after the load committed

    monkeypatch.setattr(landing.Landing, "move_into", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(conn, root)
    monkeypatch.undo()
    assert scalar(conn, "select count(*) from raw.events") == 2
    done = ingest(conn, root)  # the restarted ingest finds the file still waiting
    assert [(i.name, i.seen_before) for i in done] == [("a.jsonl", True)]
    assert scalar(conn, "select count(*) from raw.loads") == 1


def test_an_unreadable_file_is_set_aside_with_its_reason(conn, root):
    good = events_file(root, "good.jsonl", [1])
    broken = gzip.compress(b"\n".join(f'{{"n": {i}}}'.encode() for i in range(50_000)))
    (root / "events" / "broken.jsonl.gz").write_bytes(broken[: len(broken) // 2])
    os.utime(good, (1, 1))  # the good file is the older one: loaded first
    done = {i.name: i for i in ingest(conn, root)}
    assert done["good.jsonl"].summary.loaded == 1
    assert done["broken.jsonl.gz"].rejected
    assert scalar(conn, "select count(*) from raw.events") == 1
    assert scalar(conn, "select count(*) from raw.loads") == 1  # nothing of it half-loaded
    rejected = root / "events" / REJECTED
    assert (rejected / "broken.jsonl.gz").exists()
    reason = (rejected / "broken.jsonl.gz.reason.txt").read_text()
    assert reason.strip() == done["broken.jsonl.gz"].rejected
    assert waiting_files(root) == {}


def test_two_ingests_at_once_load_each_file_once(db_url, root):
    import psycopg

    for number in range(6):
        events_file(root, f"f{number}.jsonl", range(number * 10, number * 10 + 10))
    results, errors = [], []

    def run():
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                results.extend(ingest(conn, root))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(i.name for i in results if i.summary) == [f"f{n}.jsonl" for n in range(6)]
    with psycopg.connect(db_url) as conn:
        assert scalar(conn, "select count(*) from raw.loads") == 6
        assert scalar(conn, "select count(*) from raw.events") == 60


def test_a_landing_folder_in_an_object_store_is_read_through_fsspec(conn):
    """memory:// stands for s3:// here: listed, read, copied locally for the loader, moved."""
    import fsspec

    store = fsspec.filesystem("memory")
    lines = b"".join(
        f'{{"event_id": "m-{i}", "created_at": "2026-02-20T10:15:00Z", "event": "visitor", '
        f'"token": "user_abcdefgh", "data": {{"chatbot_id": "bot-1"}}}}\n'.encode()
        for i in range(3)
    )
    store.pipe("/bucket-landing/events/a.jsonl", lines)
    store.pipe("/bucket-landing/events/b.jsonl", b"\x1f\x8b not gzip")
    store.pipe("/bucket-landing/events/.c.jsonl", lines)  # not complete
    try:
        done = {i.name: i for i in ingest(conn, "memory://bucket-landing")}
        assert done["a.jsonl"].summary.loaded == 3
        assert done["b.jsonl"].rejected
        assert scalar(conn, "select count(*) from raw.events") == 3
        assert store.exists("/bucket-landing/events/loaded/a.jsonl")
        assert store.exists("/bucket-landing/events/rejected/b.jsonl.reason.txt")
        assert waiting_files("memory://bucket-landing") == {}
    finally:
        store.rm("/bucket-landing", recursive=True)
