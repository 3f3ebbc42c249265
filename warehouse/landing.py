"""The landing folder (SPEC 6): complete files that producers drop under `<landing>/<kind>/`,
each loaded once by the loader of `analytics load` (same rules, same quarantine), then moved
aside. The Dagster sensor `landing_files` and `analytics ingest` both call `ingest`.

    <landing>/<kind>/NAME.jsonl, NAME.jsonl.gz   complete, waiting (a producer writes under
                                                 another name and renames when done; names
                                                 starting with a dot are never taken)
    <landing>/<kind>/loaded/NAME                 loaded, or its bytes had been loaded before
    <landing>/<kind>/rejected/NAME               could not be read: NAME.reason.txt says why;
                                                 nothing of it was loaded

The landing folder is a path, or an fsspec URL (`s3://bucket/landing`, `gs://...`,
`memory://...`): listing, reading and moving go through fsspec; a file of an object store is
copied to a local temporary file for the loader, which reads files by path.

Exactly once: a file's SHA-256 is recorded with its load (raw.loads.source_sha256), and a file
whose bytes a committed load already holds is moved to loaded/ without loading (a restart
between a load's commit and the move, or the same file delivered again). Ingests take a lock
of their own, so two of them (a sensor's run beside `analytics ingest`) never load one file
twice. A database error leaves the file waiting for the next ingest.
"""

import hashlib
import posixpath
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from warehouse.chunks import UnreadableFileError, ValidationFailedError
from warehouse.loader import LoadSummary, load_file
from warehouse.settings import get_settings
from warehouse.validation import KINDS

COMPLETE_SUFFIXES = (".jsonl", ".jsonl.gz")
LOADED = "loaded"
REJECTED = "rejected"
# (class id, object id) of the advisory lock held by an ingest (beside load_lock.LOAD_LOCK).
INGEST_LOCK = (7140, 3)


def landing_dir() -> str:
    """ANALYTICS_LANDING_DIR (a path or an fsspec URL), or landing/ beside the embedded
    PostgreSQL's data."""
    settings = get_settings()
    return settings.analytics_landing_dir or str(settings.analytics_data_dir / "landing")


def is_remote(location: str | Path) -> bool:
    return not isinstance(url_to_fs(str(location))[0], LocalFileSystem)


def is_complete(name: str) -> bool:
    return not name.startswith(".") and name.endswith(COMPLETE_SUFFIXES)


def _modified(entry: dict) -> float:
    """When a listed file was last written, as the filesystem tells it (0 when it does not)."""
    moment = entry.get("mtime") or entry.get("LastModified") or entry.get("created") or 0
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


class Landing:
    """The landing folder at `location`."""

    def __init__(self, location: str | Path) -> None:
        self.location = str(location)
        self.fs, self.root = url_to_fs(self.location)

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def shown(self, path: str) -> str:
        """A file's path as the user named the folder (with its URL scheme, if any)."""
        relative = posixpath.relpath(path, self.root)
        return posixpath.join(self.location.rstrip("/"), relative)

    def prepare(self) -> None:
        for kind in KINDS:
            self.fs.makedirs(self.path(kind), exist_ok=True)

    def waiting(self, kinds=KINDS) -> dict[str, list[str]]:
        waiting = {}
        for kind in kinds:
            folder = self.path(kind)
            if not self.fs.isdir(folder):
                continue
            entries = [
                entry
                for entry in self.fs.ls(folder, detail=True)
                if entry["type"] == "file" and is_complete(posixpath.basename(entry["name"]))
            ]
            if entries:
                entries.sort(key=lambda entry: (_modified(entry), entry["name"]))
                waiting[kind] = [entry["name"] for entry in entries]
        return waiting

    def sha256(self, path: str) -> str:
        digest = hashlib.sha256()
        with self.fs.open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    @contextmanager
    def local_copy(self, path: str) -> Iterator[Path]:
        """The file as a local path: itself, or a temporary copy of an object store's file."""
        if isinstance(self.fs, LocalFileSystem):
            yield Path(path)
            return
        with tempfile.TemporaryDirectory(prefix="landing-") as folder:
            local = Path(folder) / posixpath.basename(path)
            self.fs.get(path, str(local))
            yield local

    def move_into(self, path: str, folder: str) -> str:
        """Move the file into `folder` (beside it) under its name, or NAME.1, NAME.2, ..."""
        target_folder = posixpath.join(posixpath.dirname(path), folder)
        self.fs.makedirs(target_folder, exist_ok=True)
        name = posixpath.basename(path)
        target, number = posixpath.join(target_folder, name), 0
        while self.fs.exists(target):
            number += 1
            target = posixpath.join(target_folder, f"{name}.{number}")
        self.fs.mv(path, target)
        return target

    def write_text(self, path: str, text: str) -> None:
        self.fs.pipe(path, text.encode())


def prepare(location: str | Path) -> None:
    """The landing folder with a sub-folder per kind, made when missing."""
    Landing(location).prepare()


def waiting_files(location: str | Path, kinds=KINDS) -> dict[str, list[str]]:
    """The complete files waiting, per kind (kinds with none left out), oldest first."""
    return Landing(location).waiting(kinds)


@dataclass(frozen=True)
class Ingested:
    """What became of one landing file: loaded (`summary`), already loaded before
    (`seen_before`), or set aside (`rejected`, the reason)."""

    kind: str
    name: str
    summary: LoadSummary | None = None
    seen_before: bool = False
    rejected: str | None = None


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


def ingest_file(conn: psycopg.Connection, landing: Landing, kind: str, path: str) -> Ingested:
    """Load one waiting file (the caller holds the ingest lock), then move it aside."""
    name = posixpath.basename(path)
    try:
        sha256 = landing.sha256(path)
        if _loaded_before(conn, kind, sha256):
            landing.move_into(path, LOADED)
            return Ingested(kind, name, seen_before=True)
        with landing.local_copy(path) as local:
            summary = load_file(conn, kind, local, source_sha256=sha256)
    except (OSError, UnreadableFileError, ValidationFailedError) as error:
        if not landing.fs.exists(path):
            raise  # taken away while we read it: nothing to set aside
        reason = str(error) or type(error).__name__
        target = landing.move_into(path, REJECTED)
        landing.write_text(f"{target}.reason.txt", reason + "\n")
        return Ingested(kind, name, rejected=reason)
    landing.move_into(path, LOADED)
    return Ingested(kind, name, summary=summary)


def ingest(
    conn: psycopg.Connection,
    location: str | Path,
    kinds=KINDS,
    on_file: Callable[[Ingested], None] | None = None,
) -> list[Ingested]:
    """Load every complete file waiting at `location` for `kinds`, each in its own
    transaction."""
    landing = Landing(location)
    landing.prepare()
    done = []
    with _ingest_lock(conn):
        for kind, paths in landing.waiting(kinds).items():
            for path in paths:
                if not landing.fs.exists(path):  # taken by an ingest that held the lock before
                    continue
                ingested = ingest_file(conn, landing, kind, path)
                done.append(ingested)
                if on_file:
                    on_file(ingested)
    return done
