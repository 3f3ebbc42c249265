"""The collector's landing files: each line on disk before `append` returns, files completed
by rotation and at close, and the open files of a collector that died completed at start."""

import asyncio
import fcntl
import os

from collector.spool import OPEN_PREFIX, Spool, recover


def run(coroutine):
    return asyncio.run(coroutine)


def test_lines_are_on_disk_when_append_returns_and_the_file_completes_at_close(tmp_path):
    async def scenario():
        spool = Spool(tmp_path, rotate_s=60)
        await spool.start()
        await asyncio.gather(*(spool.append(f'{{"n": {n}}}'.encode()) for n in range(100)))
        open_files = list(tmp_path.glob(f"{OPEN_PREFIX}*"))
        assert len(open_files) == 1 and open_files[0].read_bytes().count(b"\n") == 100
        assert list(tmp_path.glob("collect-*.jsonl")) == []  # not complete yet
        await spool.close()

    run(scenario())
    [done] = tmp_path.glob("collect-*.jsonl")
    assert done.read_bytes().count(b"\n") == 100
    assert list(tmp_path.glob(f"{OPEN_PREFIX}*")) == []


def test_a_file_is_completed_every_rotate_s_and_empty_files_are_not_made(tmp_path):
    async def scenario():
        spool = Spool(tmp_path, rotate_s=0.2)
        await spool.start()
        await spool.append(b'{"n": 1}')
        await asyncio.sleep(0.5)
        assert len(list(tmp_path.glob("collect-*.jsonl"))) == 1
        await asyncio.sleep(0.5)  # nothing new: no new file
        await spool.append(b'{"n": 2}')
        await spool.close()

    run(scenario())
    assert len(list(tmp_path.glob("collect-*.jsonl"))) == 2


def test_the_open_file_of_a_dead_collector_is_completed_without_its_cut_line(tmp_path):
    dead = tmp_path / f"{OPEN_PREFIX}host-1-2-000001.jsonl"
    dead.write_bytes(b'{"n": 1}\n{"n": 2}\n{"n": ')  # killed in the middle of a write
    empty = tmp_path / f"{OPEN_PREFIX}host-1-2-000002.jsonl"
    empty.write_bytes(b'{"n": ')
    live = tmp_path / f"{OPEN_PREFIX}host-3-4-000001.jsonl"
    live.write_bytes(b'{"n": 3}\n')
    with live.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a collector still running holds its lock
        completed = recover(tmp_path)
        assert [path.name for path in completed] == ["collect-host-1-2-000001.jsonl"]
        assert completed[0].read_bytes() == b'{"n": 1}\n{"n": 2}\n'
        assert not empty.exists()
        assert live.exists()


def test_a_failed_write_is_taken_back_and_reported(tmp_path, monkeypatch):
    async def scenario():
        spool = Spool(tmp_path, rotate_s=60)
        await spool.start()
        await spool.append(b'{"n": 1}')
        real_fdatasync = os.fdatasync

        def failing(descriptor):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fdatasync", failing)
        try:
            await spool.append(b'{"n": 2}')
        except OSError as error:
            assert error.errno == 28
        else:
            raise AssertionError("the failed write was acknowledged")
        monkeypatch.setattr(os, "fdatasync", real_fdatasync)
        await spool.append(b'{"n": 3}')
        await spool.close()

    run(scenario())
    [done] = tmp_path.glob("collect-*.jsonl")
    assert done.read_bytes() == b'{"n": 1}\n{"n": 3}\n'


def test_with_an_object_store_each_completed_file_is_uploaded_then_removed(tmp_path):
    uploaded = {}
    failing = {"on": True}

    def deliver(path):
        if failing["on"]:
            raise OSError("the store is away")
        uploaded[path.name] = path.read_bytes()
        path.unlink()

    async def write(number):
        spool = Spool(tmp_path, rotate_s=60, deliver=deliver)
        await spool.start()
        await spool.append(f'{{"n": {number}}}'.encode())
        await spool.close()

    run(write(1))  # the upload fails: the file stays, complete
    assert len(list(tmp_path.glob("collect-*.jsonl"))) == 1 and uploaded == {}
    failing["on"] = False
    run(write(2))  # the next start delivers the one left, then its own at close
    assert sorted(uploaded.values()) == [b'{"n": 1}\n', b'{"n": 2}\n']
    assert list(tmp_path.glob("collect-*.jsonl")) == []
