"""An input file as chunks of validated rows and rejected lines, for the loader.

A file is read line by line (plain or gzip) and each line validated (`warehouse.validation`).
Validation is the loader's most expensive part in Python, so a big file is validated in a
worker process, on the other core, while the loading process writes the previous chunks; a
small file (under WORKER_MIN_BYTES) is validated in the calling process, where starting a
worker would cost more than it saves. Both ways yield the same chunks. At most QUEUED_CHUNKS
chunks wait between the two processes, so memory stays flat whatever the file size.
"""

import gzip
import hashlib
import io
import multiprocessing
import os
import queue
import signal
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warehouse.raw_tables import RAW_TABLES, to_microseconds
from warehouse.validation import Rejection, validate_line

CHUNK_LINES = 20_000
WORKER_MIN_BYTES = 8 * 1024 * 1024
QUEUED_CHUNKS = 2
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableFileError(Exception):
    """The file cannot be opened or decompressed; nothing of it was loaded."""


class ValidationFailedError(Exception):
    """Validating the file failed for a reason of the program's, not of a line (a line that
    breaks validation is quarantined instead); nothing of the file was loaded."""


@dataclass
class Chunk:
    rows: list[tuple]  # raw_tables.LoadRow: validated values, the line as text, the line number
    rejected: list[tuple]  # see rejected_row()
    last_line: int

    @property
    def lines(self) -> int:
        return len(self.rows) + len(self.rejected)


# --- reading ------------------------------------------------------------------------------


def _open(path: Path) -> io.BufferedIOBase:
    handle = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if handle.peek(2)[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line without its line break) for every non-blank line of the file."""
    try:
        handle = _open(path)
    except OSError as error:
        raise UnreadableFileError(f"{path}: {error.strerror or error}") from None
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip(b"\r\n")
                if number == 1 and line.startswith(UTF8_BOM):  # written by some Windows tools
                    line = line[len(UTF8_BOM) :]
                if line.strip():
                    yield number, line
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise UnreadableFileError(f"{path}: cannot be read ({error})") from None


# --- validating ---------------------------------------------------------------------------


def rejected_row(line_number: int, line: bytes | str, rejection: Rejection) -> tuple:
    """A line for raw.quarantine: (chatbot_id, line_number, reason, detail, raw_line, line_sha)."""
    raw = line if isinstance(line, bytes) else line.encode("utf-8", errors="surrogateescape")
    return (
        rejection.chatbot_id,
        line_number,
        rejection.reason,
        rejection.detail,
        raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00"),
        hashlib.sha256(raw).hexdigest(),
    )


def _load_row(kind: str) -> Callable[[tuple, bytes, int], tuple]:
    """The function that makes a raw_tables.LoadRow of a validated line of `kind`."""
    position = RAW_TABLES[kind].day_position  # the kind's one timestamp, if it has one
    if position is None:
        return lambda values, line, number: (*values, line.decode(), number)
    after = position + 1
    return lambda values, line, number: (
        *values[:position],
        to_microseconds(values[position]),
        *values[after:],
        line.decode(),
        number,
    )


def _chunks_of(kind: str, path: Path, chunk_lines: int) -> Iterator[Chunk]:
    load_row = _load_row(kind)
    rows: list[tuple] = []
    rejected: list[tuple] = []
    number = 0
    for number, line in read_lines(path):
        result = validate_line(kind, line)
        if isinstance(result, Rejection):
            rejected.append(rejected_row(number, line, result))
        else:
            rows.append(load_row(result, line, number))
        if len(rows) + len(rejected) >= chunk_lines:
            yield Chunk(rows, rejected, number)
            rows, rejected = [], []
    if rows or rejected:
        yield Chunk(rows, rejected, number)


def validated_chunks(kind: str, path: Path) -> Iterator[Chunk]:
    """The file's lines in chunks of at most CHUNK_LINES, in order; raises UnreadableFileError
    when it cannot be read (possibly after some chunks)."""
    try:
        big = path.stat().st_size >= WORKER_MIN_BYTES
    except OSError:
        big = False  # read_lines reports it
    if big:
        return _chunks_from_worker(kind, path)
    return _chunks_of(kind, path, CHUNK_LINES)


# --- the worker process -------------------------------------------------------------------


def _validate_in_worker(kind: str, path: Path, chunk_lines: int, out: multiprocessing.Queue):
    """The worker's whole life: every chunk, then ("done",), ("unreadable", message) or
    ("failed", message)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the loading process's to handle
    _exit_with_parent()
    line = 0
    try:
        for chunk in _chunks_of(kind, path, chunk_lines):
            line = chunk.last_line
            _send(out, ("chunk", chunk))
    except UnreadableFileError as error:
        _send(out, ("unreadable", str(error)))
        return
    except Exception as error:  # noqa: BLE001 - reported to the loading process, with the line
        _send(out, ("failed", f"{path}: after line {line}: {type(error).__name__}: {error}"))
        return
    _send(out, ("done",))


def _exit_with_parent() -> None:
    """End this process within a second of the loading process's death, whatever it is doing
    (blocked on a full queue, or at exit waiting for the queue's feeder thread to flush into a
    pipe nobody reads): a watchdog thread polls the parent and leaves with os._exit."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not a worker (called in the loading process itself)
        return

    def watch() -> None:
        while True:
            parent.join(timeout=1)  # returns when the parent is gone (its sentinel closes)
            if not parent.is_alive():
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _send(out: multiprocessing.Queue, message: tuple) -> None:
    """Put the message on the queue once there is room; end the worker if the loading process
    is gone (killed: nobody would ever take it)."""
    while True:
        try:
            out.put(message, timeout=1)
            return
        except queue.Full:
            if not multiprocessing.parent_process().is_alive():
                out.cancel_join_thread()  # what is still buffered can never be delivered
                raise SystemExit(1) from None


def _chunks_from_worker(kind: str, path: Path) -> Iterator[Chunk]:
    # spawn, not fork: the loading process holds a database connection a fork would share.
    context = multiprocessing.get_context("spawn")
    out = context.Queue(maxsize=QUEUED_CHUNKS)
    worker = context.Process(
        target=_validate_in_worker,
        args=(kind, path, CHUNK_LINES, out),
        name=f"validate {path.name}",
        daemon=True,
    )
    worker.start()
    try:
        while True:
            try:
                message = out.get(timeout=1)
            except queue.Empty:
                if not worker.is_alive():
                    raise ValidationFailedError(
                        f"{path}: the validating process ended unexpectedly "
                        f"(exit code {worker.exitcode})"
                    ) from None
                continue
            if message[0] == "chunk":
                yield message[1]
            elif message[0] == "unreadable":
                raise UnreadableFileError(message[1])
            elif message[0] == "failed":
                raise ValidationFailedError(message[1])
            else:
                worker.join()
                return
    finally:
        if worker.is_alive():
            worker.terminate()  # stopped early: the load failed or was interrupted
        worker.join()
        out.close()
