"""`analytics load`: stream JSONL files into the `raw` schema.

A file is read line by line (plain or gzip), validated (`warehouse.validation`) and written in
chunks with COPY into a temporary staging table, from which one set-based INSERT moves new
records into their raw table (`sql/load/insert_new_records.sql`). Memory stays flat whatever the
file size. Each file is one transaction: it lands whole or not at all. Rejected lines go to
`raw.quarantine` with their reason.
"""

import gzip
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse.raw_tables import RAW_TABLES, RawTable
from warehouse.sql_files import read_sql
from warehouse.validation import Rejection, validate_line

CHUNK_LINES = 20_000
GZIP_MAGIC = b"\x1f\x8b"


class UnreadableFileError(Exception):
    """The file cannot be opened or decompressed; nothing of it was loaded."""


@dataclass
class LoadSummary:
    kind: str
    source: str
    load_id: int = 0
    lines_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: Counter = field(default_factory=Counter)

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


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
                if line.strip():
                    yield number, line
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            raise UnreadableFileError(f"{path}: cannot be read ({error})") from None


def _raw_text(line: bytes) -> str:
    return line.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


# --- writing ------------------------------------------------------------------------------


def _prepare_staging(cur: psycopg.Cursor, table: RawTable) -> None:
    columns = sql.SQL(", ").join(map(sql.Identifier, (*table.columns, "record")))
    cur.execute("drop table if exists pg_temp.stage, pg_temp.stage_quarantine")
    cur.execute(
        sql.SQL(
            "create temp table stage as select {columns} from {raw_table} with no data"
        ).format(columns=columns, raw_table=sql.Identifier("raw", table.name))
    )
    cur.execute("alter table pg_temp.stage add column line_number bigint not null")
    cur.execute(
        "create temp table stage_quarantine as "
        "select chatbot_id, line_number, reason, detail, raw_line, line_sha "
        "from raw.quarantine with no data"
    )


def _insert_statement(table: RawTable) -> sql.Composed:
    day = (
        sql.SQL("({} at time zone 'UTC')::date as day").format(sql.Identifier(table.day_column))
        if table.day_column
        else sql.SQL("(now() at time zone 'UTC')::date as day")
    )
    extra = sql.SQL(", line_number") if table.keeps_versions else sql.SQL("")
    return sql.SQL(read_sql("load/insert_new_records.sql")).format(
        raw_table=sql.Identifier("raw", table.name),
        columns=sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        extra_columns=extra,
        day=day,
    )


class _ChunkWriter:
    """Stages one chunk of validated rows and rejected lines, then moves them into `raw`."""

    def __init__(self, conn: psycopg.Connection, table: RawTable, summary: LoadSummary) -> None:
        self.conn = conn
        self.table = table
        self.summary = summary
        self.insert_records = _insert_statement(table)
        self.insert_quarantined = read_sql("load/insert_quarantined.sql")
        self.copy_records = sql.SQL("copy pg_temp.stage ({}) from stdin").format(
            sql.SQL(", ").join(map(sql.Identifier, (*table.columns, "record", "line_number")))
        )
        self.params = {"load_id": summary.load_id, "kind": table.kind,
                       "source_name": summary.source}

    def write(self, rows: list[tuple], rejected: list[tuple]) -> None:
        with self.conn.cursor() as cur:
            if rows:
                rows = self._stage(cur, rows)
            if rejected:
                with cur.copy(
                    "copy pg_temp.stage_quarantine "
                    "(chatbot_id, line_number, reason, detail, raw_line, line_sha) from stdin"
                ) as copy:
                    for row in rejected:
                        copy.write_row(row)
                cur.execute(self.insert_quarantined, self.params)
                cur.execute("truncate pg_temp.stage_quarantine")
            if rows:
                added = cur.execute(self.insert_records, self.params).fetchone()[0]
                self.summary.loaded += added
                self.summary.duplicates += len(rows) - added
                cur.execute("truncate pg_temp.stage")

    def _stage(self, cur: psycopg.Cursor, rows: list[tuple]) -> list[tuple]:
        """COPY the chunk; if the database refuses it, stage row by row and quarantine the
        rows it refuses (bad input never stops a load)."""
        try:
            with self.conn.transaction(), cur.copy(self.copy_records) as copy:
                for row in rows:
                    copy.write_row(row)
            return rows
        except psycopg.DataError:
            pass
        staged, refused = [], []
        for row in rows:
            try:
                with self.conn.transaction(), cur.copy(self.copy_records) as copy:
                    copy.write_row(row)
                staged.append(row)
            except psycopg.DataError as error:
                refused.append(_rejected_row(row[-1], row[-2], Rejection(
                    "rejected_by_database", str(error).splitlines()[0][:200], row[0])))
        self.write([], refused)
        return staged


def _rejected_row(line_number: int, line: bytes | str, rejection: Rejection) -> tuple:
    raw = line if isinstance(line, bytes) else line.encode("utf-8", errors="surrogateescape")
    return (
        rejection.chatbot_id,
        line_number,
        rejection.reason,
        rejection.detail,
        _raw_text(raw),
        hashlib.sha256(raw).hexdigest(),
    )


# --- the load -----------------------------------------------------------------------------


def load_file(
    conn: psycopg.Connection,
    kind: str,
    path: Path,
    on_progress: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Load one file of `kind` in one transaction; returns what happened to its lines."""
    table = RAW_TABLES[kind]
    summary = LoadSummary(kind=kind, source=path.name)
    lines = read_lines(path)
    with conn.transaction(), conn.cursor() as cur:
        summary.load_id = cur.execute(
            "insert into raw.loads (kind, source_name, source_path) values (%s, %s, %s) "
            "returning load_id",
            (kind, path.name, str(path)),
        ).fetchone()[0]
        cur.execute("set local work_mem = '64MB'")
        _prepare_staging(cur, table)
        writer = _ChunkWriter(conn, table, summary)
        rows: list[tuple] = []
        rejected: list[tuple] = []
        for number, line in lines:
            summary.lines_read += 1
            result = validate_line(kind, line)
            if isinstance(result, Rejection):
                summary.quarantined[result.reason] += 1
                rejected.append(_rejected_row(number, line, result))
            else:
                rows.append((*result, line.decode(), number))
            if len(rows) + len(rejected) >= CHUNK_LINES:
                writer.write(rows, rejected)
                rows, rejected = [], []
                if on_progress:
                    on_progress(number)
        writer.write(rows, rejected)
        cur.execute(
            "update raw.loads set finished_at = clock_timestamp(), lines_read = %s, loaded = %s, "
            "duplicates = %s, quarantined = %s where load_id = %s",
            (summary.lines_read, summary.loaded, summary.duplicates,
             summary.quarantined_total, summary.load_id),
        )
    return summary
