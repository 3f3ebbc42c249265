"""`analytics load`: stream JSONL files into the `raw` schema.

A file arrives as chunks of validated rows and rejected lines (`warehouse.chunks`: a big file is
validated in a worker process). Each chunk's new rows are COPY'd straight into their raw table;
a chunk that meets records already stored goes through a staging table and
`sql/load/insert_new_records.sql` instead. Writing overlaps reading: while one thread writes a
chunk (mostly waiting for PostgreSQL to take it), the calling thread receives the next one, so
at most a few chunks are in memory whatever the file size. Each file is one transaction: it
lands whole or not at all. Rejected lines go to `raw.quarantine` with their reason.
"""

import struct
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import itemgetter
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.postgres import types as postgres_types
from psycopg.pq import Format

from warehouse.chunks import rejected_row, validated_chunks
from warehouse.load_lock import lock_for_load
from warehouse.raw_tables import (
    MICROSECONDS_A_DAY,
    RAW_TABLES,
    UNIX_EPOCH,
    LoadRow,
    RawTable,
    to_microseconds,
)
from warehouse.sql_files import read_sql
from warehouse.validation import Rejection

# Identities of the last 5 to 10 chunks are remembered (two generations of 5), so that a
# duplicate within a file is dropped before it reaches the database; older ones are found by
# the unique index.
RECENT_CHUNKS = 5


@dataclass
class LoadSummary:
    kind: str
    source: str
    load_id: int = 0
    lines_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    # Lines of this file added to raw.quarantine now, by reason; and the file's lines found
    # there already (a re-load quarantines nothing twice).
    quarantined: Counter = field(default_factory=Counter)
    already_quarantined: int = 0

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


# --- writing ------------------------------------------------------------------------------


def _copy_statement(target: sql.Composable, columns: tuple[str, ...]) -> sql.Composed:
    # Binary COPY: cheaper to write here and to read in PostgreSQL than text with escapes.
    return sql.SQL("copy {} ({}) from stdin (format binary)").format(
        target, sql.SQL(", ").join(map(sql.Identifier, columns))
    )


class _JsonbTextDumper(Dumper):
    """A jsonb column from the JSON text validation wrote: in binary COPY, a version byte and
    the text (psycopg's own jsonb dumper would serialize the string once more)."""

    format = Format.BINARY
    oid = postgres_types["jsonb"].oid

    def dump(self, obj: str) -> bytes:
        return b"\x01" + obj.encode()


class _MicrosecondsDumper(Dumper):
    """A timestamptz column from whole microseconds since the Unix epoch (raw_tables.LoadRow):
    in binary COPY, microseconds since 2000-01-01 as a big-endian int64."""

    format = Format.BINARY
    oid = postgres_types["timestamptz"].oid

    def dump(self, obj: int) -> bytes:
        return _pack_int64(obj - _POSTGRES_EPOCH_MICROSECONDS)


_pack_int64 = struct.Struct(">q").pack
_POSTGRES_EPOCH_MICROSECONDS = to_microseconds(datetime(2000, 1, 1, tzinfo=UTC))


def _column_types(conn: psycopg.Connection, table: str, columns: tuple[str, ...]) -> list[int]:
    """The type oids of `columns` of `table`, in order (binary COPY must name them)."""
    return [
        oid
        for (oid,) in conn.execute(
            "select pg_attribute.atttypid::int "
            "from unnest(%s::text[]) with ordinality as wanted (name, position) "
            "join pg_attribute on pg_attribute.attrelid = %s::regclass "
            "and pg_attribute.attname = wanted.name "
            "order by wanted.position",
            (list(columns), table),
        )
    ]


class _ChunkWriter:
    """Writes one chunk of validated rows and rejected lines into `raw`.

    The fast path COPYs the chunk's new rows straight into the raw table. When the COPY meets a
    record already stored (a re-load, or a duplicate from an earlier chunk), the chunk is redone
    through a staging table with ON CONFLICT DO NOTHING. Either way the rows that landed are
    known exactly, and counted per (chatbot, UTC day) for raw.load_days.
    """

    def __init__(self, conn: psycopg.Connection, table: RawTable, summary: LoadSummary) -> None:
        self.conn = conn
        self.table = table
        self.summary = summary
        self.identity = itemgetter(*table.identity_positions)
        self.day = table.day_position
        self.today = (datetime.now(UTC) - UNIX_EPOCH).days
        # (chatbot, day) pairs, the day as days since the Unix epoch (converted in finish()).
        self.days: Counter[tuple[str, int]] = Counter()
        raw_table = sql.Identifier("raw", table.name)
        self.types = _column_types(conn, f"raw.{table.name}", table.stored_columns)
        self.copy_rows = _copy_statement(raw_table, table.stored_columns)
        self.copy_staged = _copy_statement(sql.Identifier("stage"), table.stored_columns)
        self.insert_staged = sql.SQL(read_sql("load/insert_new_records.sql")).format(
            raw_table=raw_table,
            columns=sql.SQL(", ").join(map(sql.Identifier, table.stored_columns)),
            identity=sql.SQL(", ").join(map(sql.Identifier, table.identity)),
        )
        self.staging_ready = False
        # Written from the writer's thread only; merged into the summary by finish().
        self.quarantined: Counter[str] = Counter()
        self.already_quarantined = 0
        self.recent: set = set()
        self.previous: set = set()
        self.chunks_in_recent = 0

    def write(self, rows: list[tuple], rejected: list[tuple]) -> None:
        if rejected:
            self._quarantine(rejected)
        if not rows:
            return
        chunk = self._new_records(rows)
        self._remember(chunk)
        try:
            with self.conn.transaction():
                self._copy(self.copy_rows, chunk.values())
            added, refused = list(chunk.values()), 0
        except (psycopg.errors.UniqueViolation, psycopg.DataError):
            added, refused = self._write_carefully(chunk)
        self.summary.loaded += len(added)
        self.summary.duplicates += len(rows) - len(added) - refused
        chatbots = map(itemgetter(LoadRow.CHATBOT_ID), added)
        if self.day is None:
            self.days.update(zip(chatbots, repeat(self.today)))
        else:
            moments = map(itemgetter(self.day), added)
            # moment // MICROSECONDS_A_DAY for each row, without a Python call per row
            self.days.update(zip(chatbots, map(MICROSECONDS_A_DAY.__rfloordiv__, moments)))

    def _new_records(self, rows: list[tuple]) -> dict[tuple, tuple]:
        """The chunk's rows by identity, without those seen in this chunk or recent ones."""
        keys = list(map(self.identity, rows))
        chunk = dict(zip(keys, rows))
        if len(chunk) != len(rows):  # a record twice in the chunk: the first line wins
            chunk.update(zip(reversed(keys), reversed(rows)))
        for seen in (self.recent, self.previous):
            for key in seen.intersection(chunk):
                del chunk[key]
        return chunk

    def _remember(self, chunk: dict) -> None:
        if self.chunks_in_recent == RECENT_CHUNKS:
            self.previous, self.recent, self.chunks_in_recent = self.recent, set(), 0
        self.recent.update(chunk)
        self.chunks_in_recent += 1

    def finish(self) -> None:
        """Record which (chatbot, day) pairs received new rows in this load."""
        self.summary.quarantined.update(self.quarantined)
        self.summary.already_quarantined += self.already_quarantined
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "copy raw.load_days (chatbot_id, load_id, kind, day, row_count) from stdin"
            ) as copy,
        ):
            for (chatbot_id, day), count in self.days.items():
                day = UNIX_EPOCH.date() + timedelta(days=day)
                copy.write_row((chatbot_id, self.summary.load_id, self.table.kind, day, count))

    def _copy(self, statement: sql.Composed, rows) -> None:
        load_id = self.summary.load_id
        with self.conn.cursor() as cur:
            cur.adapters.register_dumper(None, _JsonbTextDumper)  # by type oid, for set_types
            cur.adapters.register_dumper(None, _MicrosecondsDumper)
            with cur.copy(statement) as copy:
                copy.set_types(self.types)
                self._write_rows(copy.write_row, rows, load_id)

    def _write_rows(self, write_row, rows, load_id: int) -> None:
        # row[:line_number]: the columns and the record; then the load id.
        line_number = LoadRow.LINE_NUMBER
        if self.table.keeps_versions:
            for row in rows:
                write_row((*row[:line_number], load_id, row[line_number]))
        else:
            for row in rows:
                write_row((*row[:line_number], load_id))

    def _write_carefully(self, chunk: dict[tuple, tuple]) -> tuple[list[tuple], int]:
        """(rows added, rows the database refused) of a chunk, through the staging table."""
        with self.conn.cursor() as cur:
            if not self.staging_ready:
                cur.execute(
                    sql.SQL("create temp table stage as select {} from {} with no data").format(
                        sql.SQL(", ").join(map(sql.Identifier, self.table.stored_columns)),
                        sql.Identifier("raw", self.table.name),
                    )
                )
                self.staging_ready = True
            staged = self._stage(chunk)
            added = cur.execute(self.insert_staged).fetchall()
            cur.execute("truncate pg_temp.stage")
        return [staged[tuple(key)] for key in added], len(chunk) - len(staged)

    def _stage(self, chunk: dict[tuple, tuple]) -> dict[tuple, tuple]:
        """Stage the chunk; rows the database itself refuses are quarantined one by one."""
        try:
            with self.conn.transaction():
                self._copy(self.copy_staged, chunk.values())
            return chunk
        except psycopg.DataError:
            pass
        staged, refused = {}, []
        for key, row in chunk.items():
            try:
                with self.conn.transaction():
                    self._copy(self.copy_staged, [row])
                staged[key] = row
            except psycopg.DataError as error:
                # Not loaded, so a later record with this identity must not count as a duplicate.
                self.recent.discard(key)
                self.previous.discard(key)
                detail = str(error).splitlines()[0][:200]
                reason = Rejection("rejected_by_database", detail, row[LoadRow.CHATBOT_ID])
                refused.append(rejected_row(row[LoadRow.LINE_NUMBER], row[LoadRow.RECORD], reason))
        self._quarantine(refused)
        return staged

    def _quarantine(self, rejected: list[tuple]) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(
                "copy pg_temp.stage_quarantine "
                "(chatbot_id, line_number, reason, detail, raw_line, line_sha) from stdin"
            ) as copy:
                for row in rejected:
                    copy.write_row(row)
            added = cur.execute(
                read_sql("load/insert_quarantined.sql"),
                {
                    "load_id": self.summary.load_id,
                    "kind": self.table.kind,
                    "source_name": self.summary.source,
                },
            ).fetchall()
            cur.execute("truncate pg_temp.stage_quarantine")
        self.quarantined.update(reason for (reason,) in added)
        self.already_quarantined += len(rejected) - len(added)


# --- the load -----------------------------------------------------------------------------


def _index_for_the_pipeline(cur: psycopg.Cursor, table: RawTable) -> None:
    """Let the next refresh find this load's rows by index instead of scanning the table: BRIN
    indexes do not cover pages written since they were last summarized, so summarize them now,
    and refresh the statistics (the new load ids above all)."""
    cur.execute(
        "select brin_summarize_new_values(pg_index.indexrelid) from pg_index "
        "join pg_class on pg_class.oid = pg_index.indexrelid "
        "join pg_am on pg_am.oid = pg_class.relam "
        "where pg_index.indrelid = %s::regclass and pg_am.amname = 'brin'",
        (f"raw.{table.name}",),
    )
    cur.execute(sql.SQL("analyze {}").format(sql.Identifier("raw", table.name)))


def load_file(
    conn: psycopg.Connection,
    kind: str,
    path: Path,
    on_progress: Callable[[int], None] | None = None,
    source_sha256: str | None = None,
) -> LoadSummary:
    """Load one file of `kind` in one transaction; returns what happened to its lines.
    `source_sha256`: the file's digest, recorded with the load (the landing folder's files)."""
    table = RAW_TABLES[kind]
    summary = LoadSummary(kind=kind, source=path.name)
    with conn.transaction(), conn.cursor() as cur:
        lock_for_load(conn)  # the pipeline waits for this load before reading past its id
        summary.load_id = cur.execute(
            "insert into raw.loads (kind, source_name, source_path) values (%s, %s, %s) "
            "returning load_id",
            (kind, path.name, str(path)),
        ).fetchone()[0]
        if source_sha256 is not None:
            cur.execute(
                "update raw.loads set source_sha256 = %s where load_id = %s",
                (source_sha256, summary.load_id),
            )
        cur.execute("drop table if exists pg_temp.stage, pg_temp.stage_quarantine")
        cur.execute(
            "create temp table stage_quarantine as "
            "select chatbot_id, line_number, reason, detail, raw_line, line_sha "
            "from raw.quarantine with no data"
        )
        writer = _ChunkWriter(conn, table, summary)
        # The connection belongs to the writer's thread until the last chunk is written.
        with (
            closing(validated_chunks(kind, path)) as chunks,  # stops a validating worker early
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-writer") as thread,
        ):
            writing: Future | None = None
            for chunk in chunks:
                summary.lines_read += chunk.lines
                if writing is not None:
                    writing.result()  # one chunk in flight; raises what the writer raised
                writing = thread.submit(writer.write, chunk.rows, chunk.rejected)
                if on_progress:
                    on_progress(chunk.last_line)
            if writing is not None:
                writing.result()
        writer.finish()
        if summary.loaded:
            _index_for_the_pipeline(cur, table)
        cur.execute(
            "update raw.loads set finished_at = clock_timestamp(), lines_read = %s, loaded = %s, "
            "duplicates = %s, quarantined = %s where load_id = %s",
            (
                summary.lines_read,
                summary.loaded,
                summary.duplicates,
                summary.quarantined_total,
                summary.load_id,
            ),
        )
        # The commit waits for its WAL to reach the disk (one flush a file; the embedded server
        # commits asynchronously otherwise): a load reported done stays done, and the VACUUM
        # below can mark the rows visible (it cannot while their commit is not flushed).
        cur.execute("set local synchronous_commit = on")
    if summary.loaded:
        _vacuum_new_rows(conn, table)
    return summary


def _vacuum_new_rows(conn: psycopg.Connection, table: RawTable) -> None:
    """VACUUM the table once the load committed: it marks the new rows' pages committed and
    all-visible now, in one pass over them, instead of leaving that to the first query that
    reads them (the next refresh, which then writes every page back) and to an autovacuum at a
    moment of its choosing (what it bought: docs/performance.md).
    Pages already all-visible are skipped, so the cost follows the load, not the table. The
    rows are stored whatever happens here: a failure leaves the work to autovacuum."""
    autocommit = conn.autocommit
    try:
        conn.autocommit = True
        conn.execute(sql.SQL("vacuum {}").format(sql.Identifier("raw", table.name)))
    except psycopg.Error:
        pass
    finally:
        conn.autocommit = autocommit
