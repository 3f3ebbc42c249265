"""Durable, group-committed writing of accepted lines into the landing folder.

Lines are appended to an open file whose name starts with a dot (the landing folder does not
take it: warehouse/landing.py). `append` returns once its line is on disk: the lines that arrive
while one write-and-fdatasync runs are written by the next one, so requests that arrive
together share one flush. Every `rotate_s` seconds an open file that holds lines is closed and
renamed to its complete name (`collect-....jsonl`), and the folder is synced, so the sensor
picks it up. The open file is locked (flock) while its collector lives; at start, open files
whose lock can be taken belong to a collector that died: their complete lines are kept (a line
cut short by the death was never acknowledged) and they are renamed complete.

When the landing folder is an object store, the spool is a local folder and `deliver` uploads
each completed file there (an object appears whole) and deletes the local copy; a file whose
upload failed stays and is tried again at the next rotation and at the next start.
"""

import asyncio
import contextlib
import fcntl
import itertools
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("analytics.collect")

OPEN_PREFIX = ".collect-"
COMPLETE_PREFIX = "collect-"
SUFFIX = ".jsonl"


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def recover(folder: Path) -> list[Path]:
    """Complete the open files left by collectors that died; returns the completed files."""
    completed = []
    for path in sorted(folder.glob(f"{OPEN_PREFIX}*{SUFFIX}")):
        with contextlib.suppress(FileNotFoundError), path.open("r+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live collector's
            data = handle.read()
            keep = data.rfind(b"\n") + 1
            if keep == 0:
                path.unlink()
                continue
            if keep < len(data):
                handle.truncate(keep)
                os.fsync(handle.fileno())
            target = path.with_name(path.name.removeprefix("."))
            os.rename(path, target)
            completed.append(target)
    if completed:
        _sync_folder(folder)
    return completed


class Spool:
    """Appends lines to the landing folder of one kind; `append` waits for the disk."""

    def __init__(
        self, folder: Path, rotate_s: float, deliver: Callable[[Path], None] | None = None
    ) -> None:
        self.folder = folder
        self.rotate_s = rotate_s
        self.deliver = deliver
        self._name = f"{socket.gethostname()}-{os.getpid()}-{time.time_ns()}"
        self._numbers = itertools.count(1)
        self._pending: list[bytes] = []
        self._waiters: list[asyncio.Future] = []
        self._wake = asyncio.Event()
        self._file: int | None = None  # the open file's descriptor
        self._path: Path | None = None
        self._opened_at = 0.0
        self._task: asyncio.Task | None = None
        self._closing = False
        self.lines_written = 0

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(recover, self.folder)
        await asyncio.to_thread(self._deliver_completed)
        self._task = asyncio.create_task(self._run(), name="spool-writer")

    async def append(self, line: bytes) -> None:
        """Return once `line` (one line, without its newline) is on disk."""
        if self._closing:
            raise RuntimeError("the spool is closing")
        waiter = asyncio.get_running_loop().create_future()
        self._pending.append(line + b"\n")
        self._waiters.append(waiter)
        self._wake.set()
        await waiter

    async def close(self) -> None:
        """Write what is pending, complete the open file, stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            if not self._pending and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._until_rotation())
            self._wake.clear()
            if self._pending:
                data, waiters = b"".join(self._pending), self._waiters
                self._pending, self._waiters = [], []
                try:
                    await asyncio.to_thread(self._write, data)
                except OSError as error:
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(error)
                else:
                    self.lines_written += len(waiters)
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_result(None)
            if self._file is not None and (
                self._closing or time.monotonic() - self._opened_at >= self.rotate_s
            ):
                await asyncio.to_thread(self._complete)
            if self._closing and not self._pending:
                return

    def _until_rotation(self) -> float | None:
        if self._file is None:
            return None
        return max(0.0, self.rotate_s - (time.monotonic() - self._opened_at))

    def _write(self, data: bytes) -> None:
        if self._file is None:
            self._open()
        size = os.fstat(self._file).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._file, view) :]
            os.fdatasync(self._file)
        except OSError:
            # Not acknowledged: take the lines back, so that the next write starts a line.
            with contextlib.suppress(OSError):
                os.ftruncate(self._file, size)
            raise

    def _open(self) -> None:
        self._path = self.folder / f"{OPEN_PREFIX}{self._name}-{next(self._numbers):06d}{SUFFIX}"
        self._file = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        fcntl.flock(self._file, fcntl.LOCK_EX)
        _sync_folder(self.folder)  # the new name survives a crash
        self._opened_at = time.monotonic()

    def _complete(self) -> None:
        """Rename the open file complete (its lines are already on disk), then close it."""
        target = self._path.with_name(self._path.name.removeprefix("."))
        os.rename(self._path, target)
        _sync_folder(self.folder)
        os.close(self._file)
        self._file, self._path = None, None
        self._deliver_completed()

    def _deliver_completed(self) -> None:
        """Hand the completed files to `deliver` (none: they are in the landing folder)."""
        if self.deliver is None:
            return
        for path in sorted(self.folder.glob(f"{COMPLETE_PREFIX}*{SUFFIX}")):
            try:
                self.deliver(path)
            except OSError as error:
                log.warning("%s not delivered yet (tried again later): %s", path.name, error)
                return
