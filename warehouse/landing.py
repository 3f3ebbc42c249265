"""The landing folder (SPEC 6): complete files that producers drop under `<landing>/<kind>/`,
each loaded once by the loader of `analytics load` (same rules, same quarantine), then moved
aside. The Dagster sensor `landing_files` and `analytics ingest` both call `ingest`.

    <landing>/<kind>/NAME.jsonl, NAME.jsonl.gz   complete, waiting (a producer writes under
                                                 another name and renames when done; names
                                                 starting with a dot are never taken)
    <landing>/<kind>/loaded/NAME                 loaded, or its bytes had been loaded before
    <landing>/<kind>/rejected/NAME               could not be read: NAME.reason.txt says why;
                                                 nothing of it was loaded

Exactly once: a file's SHA-256 is recorded with its load (raw.loads.source_sha256), and a file
whose bytes a committed load already holds is moved to loaded/ without loading (a restart
between a load's commit and the move, or the same file delivered again). Ingests take a lock
of their own, so two of them (a sensor's run beside `analytics ingest`) never load one file
twice. A database error leaves the file waiting for the next ingest.
"""

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from warehouse.chunks import UnreadableFileError, ValidationFailedError
from warehouse.loader import LoadSummary, load_file
from warehouse.settings import get_settings
from warehouse.validation import KINDS

COMPLETE_SUFFIXES = (".jsonl", ".jsonl.gz")
LOADED = "loaded"
REJECTED = "rejected"
# (class id, object id) of the advisory lock held by an ingest (beside load_lock.LOAD_LOCK).
INGEST_LOCK = (7140, 3)


def landing_dir() -> Path:
    """ANALYTICS_LANDING_DIR, or landing/ beside the embedded PostgreSQL's data."""
    settings = get_settings()
    return settings.analytics_landing_dir or settings.analytics_data_dir / "landing"


def prepare(root: Path) -> None:
    """The landing folder with a sub-folder per kind, made when missing."""
    for kind in KINDS:
        (root / kind).mkdir(parents=True, exist_ok=True)


def is_complete(path: Path) -> bool:
    return (
        path.is_file() and not path.name.startswith(".") and path.name.endswith(COMPLETE_SUFFIXES)
    )


def waiting_files(root: Path, kinds=KINDS) -> dict[str, list[Path]]:
    """The complete files waiting, per kind (kinds with none left out), oldest first."""
    waiting = {}
    for kind in kinds:
        folder = root / kind
        files = [path for path in folder.iterdir() if is_complete(path)] if folder.is_dir() else []
        if files:
            waiting[kind] = sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))
    return waiting


@dataclass(frozen=True)
class Ingested:
    """What became of one landing file: loaded (`summary`), already loaded before
    (`seen_before`), or set aside (`rejected`, the reason)."""

    kind: str
    name: str
    summary: LoadSummary | None = None
    seen_before: bool = False
    rejected: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _ingest_lock(conn: psycopg.Connection) -> Iterator[None]:
    """A session lock (the loader commits on its own): one ingest at a time."""
    conn.execute("select pg_advisory_lock(%s, %s)", INGEST_LOCK)
    try:
        yield
    finally:
        conn.execute("select pg_advisory_unlock(%s, %s)", INGEST_LOCK)


def _loaded_before(conn: psycopg.Connection, kind: str, sha256: str) -> bool:
    return conn.execute(
        "select exists (select from raw.loads where kind = %s and source_sha256 = %s)",
        (kind, sha256),
    ).fetchone()[0]


def _move_into(path: Path, folder: Path) -> Path:
    """Move the file into `folder` under its name, or NAME.1, NAME.2, ... when that is taken."""
    folder.mkdir(exist_ok=True)
    target, number = folder / path.name, 0
    while target.exists():
        number += 1
        target = folder / f"{path.name}.{number}"
    os.replace(path, target)
    return target


def ingest_file(conn: psycopg.Connection, kind: str, path: Path) -> Ingested:
    """Load one waiting file (the caller holds the ingest lock), then move it aside."""
    try:
        sha256 = sha256_of(path)
        if _loaded_before(conn, kind, sha256):
            _move_into(path, path.parent / LOADED)
            return Ingested(kind, path.name, seen_before=True)
        summary = load_file(conn, kind, path, source_sha256=sha256)
    except (OSError, UnreadableFileError, ValidationFailedError) as error:
        if not path.exists():
            raise  # taken away while we read it: nothing to set aside
        reason = str(error) or type(error).__name__
        target = _move_into(path, path.parent / REJECTED)
        target.with_name(f"{target.name}.reason.txt").write_text(reason + "\n")
        return Ingested(kind, path.name, rejected=reason)
    _move_into(path, path.parent / LOADED)
    return Ingested(kind, path.name, summary=summary)


def ingest(
    conn: psycopg.Connection,
    root: Path,
    kinds=KINDS,
    on_file: Callable[[Ingested], None] | None = None,
) -> list[Ingested]:
    """Load every complete file waiting under `root` for `kinds`, each in its own transaction."""
    prepare(root)
    done = []
    with _ingest_lock(conn):
        for kind, files in waiting_files(root, kinds).items():
            for path in files:
                if not path.exists():  # taken by an ingest that held the lock before us
                    continue
                ingested = ingest_file(conn, kind, path)
                done.append(ingested)
                if on_file:
                    on_file(ingested)
    return done
