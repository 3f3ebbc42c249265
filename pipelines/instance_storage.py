"""Dagster's SQLite instance storage, with the batches of events Dagster hands over stored as
batches.

A run over a range of days reports one materialization per day and asset (273 for a 91-day full
refresh of three daily assets). Dagster hands such events to the storage in batches (with
`DAGSTER_EVENT_BATCH_SIZE` set), but its SQLite storage stores a batch one event at a time, each
in two new database connections and three commits: ~8 ms an event here, 2.2 s of a 10 s full
refresh (the run's planned materializations and checks, handed over as one batch at its start,
went the same way). `BatchedSqliteStorage` is the same storage, in the same files, whose event
log writes such a batch in one transaction per database, as Dagster's PostgreSQL storage does:
the same rows, tags and latest-event records as one-by-one storing.

Both keep their SQLite connections open between writes (`KeptEngines`: the index, the runs
database and the newest run files), with `synchronous = NORMAL`. Dagster opens a new connection
for every read and write, and closing a file's last connection checkpoints its write-ahead log
to disk: ~1 ms each, 315 connections in a full refresh, most on the main thread while the
transforms wait for it. Kept open, a write costs what SQLite's WAL mode costs: a commit that
reaches the operating system, not the disk (a power loss may lose the newest run events, never
corrupt the files; the marts keep their own watermarks in PostgreSQL).

`analytics refresh` writes an instance config using it (pipelines/refresh.py); `dagster.yaml`:

    storage:
      custom:
        module: pipelines.instance_storage
        class: BatchedSqliteStorage
        config:
          base_dir: {env: DAGSTER_HOME}

It builds on Dagster internals (`prepare_insert_event_batch`, `_store_asset_event_tags`,
`_store_asset_event`, `store_asset_check_event`), which is why pyproject.toml pins Dagster
exactly; the tests compare what it stores with Dagster's own storage.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy
from dagster import DagsterEventType
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from sqlalchemy import Connection, Engine, create_engine

# The event types of the batches Dagster hands over: a step's per-partition materializations
# (or observations), and a run's planned materializations and checks. A batch with any other
# type is stored one event at a time, as Dagster does.
BATCHED_EVENT_TYPES = {
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_OBSERVATION,
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
}
# Rows per INSERT: well under SQLite's limit of 32,766 bound values (8 columns a row).
ROWS_PER_INSERT = 500
# SQLite files whose connection stays open: the index and the few newest runs (a `dagster dev`
# reading old runs does not collect open files).
KEPT_FILES = 8


class KeptEngines:
    """An engine per SQLite file, holding its connections open between uses (two: Dagster asks
    whether a table exists while it writes in a transaction), for the `KEPT_FILES` files used
    last; a file pushed out has its connections closed."""

    def __init__(self, size: int = KEPT_FILES) -> None:
        self._size = size
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def engine(self, conn_string: str) -> Engine:
        with self._lock:
            engine = self._engines.pop(conn_string, None) or _kept_engine(conn_string)
            self._engines[conn_string] = engine
            while len(self._engines) > self._size:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def transaction(self, conn_string: str) -> Iterator[Connection]:
        with self.engine(conn_string).connect() as conn, conn.begin():
            yield conn


def _kept_engine(conn_string: str) -> Engine:
    engine = create_engine(
        conn_string, pool_size=2, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    )
    sqlalchemy.event.listen(engine, "connect", _commit_to_the_operating_system)
    return engine


def _commit_to_the_operating_system(dbapi_connection, _record) -> None:
    # Dagster creates its files in WAL mode, where NORMAL still keeps them consistent.
    dbapi_connection.execute("pragma synchronous = normal")


class KeptSqliteRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage on a kept connection."""

    def __init__(self, conn_string: str, inst_data=None) -> None:
        super().__init__(conn_string, inst_data)
        self._kept = KeptEngines(size=1)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._kept.transaction(self._conn_string) as conn:
            yield conn


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None) -> None:
        self._kept = KeptEngines()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """As Dagster's, on the shard's kept connection."""
        with self._db_lock:
            conn_string = self.conn_string_for_shard(shard)
            if shard not in self._initialized_dbs:
                self._initdb(self._kept.engine(conn_string))
                self._initialized_dbs.add(shard)
            with self._kept.transaction(conn_string) as conn:
                yield conn

    def has_table(self, table_name: str) -> bool:
        """As Dagster's (asked before many writes), on the index's kept engine."""
        engine = self._kept.engine(self.conn_string_for_shard(INDEX_SHARD_NAME))
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if not _batchable(events):
            super().store_event_batch(events)
            return
        for start in range(0, len(events), ROWS_PER_INSERT):
            self._store_events(events[start : start + ROWS_PER_INSERT])

    def _store_events(self, events: Sequence[EventLogEntry]) -> None:
        """What `store_event` does for each event, in one transaction per database: the event in
        its run's log and in the index; for an asset event its indexed tags and the asset's
        latest event of that type (the last of the batch, as one-by-one writes would leave it);
        for a planned check, the planned execution (Dagster writes that in a transaction of its
        own, after the index one has committed)."""
        insert = self.prepare_insert_event_batch(events)
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(insert)
        with self.index_transaction() as conn:
            result = conn.execute(insert.returning(SqlEventLogStorageTable.c.id))
            stored = list(zip(events, (row[0] for row in result), strict=True))
            asset_events = [(e, i) for e, i in stored if e.dagster_event_type in ASSET_EVENTS]
            self._store_asset_event_tags(
                conn, [event for event, _ in asset_events], [i for _, i in asset_events]
            )
            for event, event_id in _last_of_each_asset_and_type(asset_events):
                self._store_asset_event(conn, event, event_id)
        for event, event_id in stored:
            if event.dagster_event_type in ASSET_CHECK_EVENTS:
                self.store_asset_check_event(event, event_id)


def _batchable(events: Sequence[EventLogEntry]) -> bool:
    return (
        bool(events)
        and all(event.is_dagster_event for event in events)
        and {event.dagster_event_type for event in events} <= BATCHED_EVENT_TYPES
        and len({event.run_id for event in events}) == 1
    )


def _last_of_each_asset_and_type(
    stored: Sequence[tuple[EventLogEntry, int]],
) -> list[tuple[EventLogEntry, int]]:
    """The last stored event of each (asset, event type), in the order stored."""
    last = {}
    for position, (event, _) in enumerate(stored):
        last[(event.dagster_event.asset_key, event.dagster_event_type)] = position
    return [stored[position] for position in sorted(last.values())]


class BatchedSqliteStorage(DagsterSqliteStorage):
    """DagsterSqliteStorage (runs, event logs, schedules under `base_dir`) with the batched
    event log, runs and event logs on kept connections."""

    def __init__(self, base_dir: str, inst_data=None):
        # DagsterSqliteStorage.__init__ with these storages in place of its own.
        self.base_dir = base_dir
        self._run_storage = KeptSqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = BatchedSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # DagsterSqliteStorage builds itself here, not `cls`.
        return cls.from_local(inst_data=inst_data, **config_value)
