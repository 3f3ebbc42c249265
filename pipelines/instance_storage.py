"""Dagster's SQLite instance storage, with the per-partition events of a step stored in batches.

A run over a range of days reports one materialization per day and asset (273 for a 91-day full
refresh of three daily assets). Dagster hands such events to the storage in batches (with
`DAGSTER_EVENT_BATCH_SIZE` set), but its SQLite storage stores a batch one event at a time, each
in two new database connections and three commits: ~8 ms an event here, 2.2 s of a 10 s full
refresh. `BatchedSqliteStorage` is the same storage, in the same files, whose event log writes a
batch of materializations (or observations) in one transaction per database, as Dagster's
PostgreSQL storage does: the same rows, tags and latest-event record as one-by-one storing.

`analytics refresh` writes an instance config using it (pipelines/refresh.py); `dagster.yaml`:

    storage:
      custom:
        module: pipelines.instance_storage
        class: BatchedSqliteStorage
        config:
          base_dir: {env: DAGSTER_HOME}

It builds on Dagster internals (`prepare_insert_event_batch`, `_store_asset_event_tags`,
`_store_asset_event`), which is why pyproject.toml pins Dagster exactly; the tests compare what
it stores with Dagster's own storage.
"""

from collections.abc import Sequence

from dagster import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory

# Event types whose batches are written at once (the others go one by one, as in Dagster).
BATCHED_EVENT_TYPES = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION}
# Rows per INSERT: well under SQLite's limit of 32,766 bound values (8 columns a row).
ROWS_PER_INSERT = 500


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if not _one_run_one_type(events):
            super().store_event_batch(events)
            return
        for start in range(0, len(events), ROWS_PER_INSERT):
            self._store_asset_events(events[start : start + ROWS_PER_INSERT])

    def _store_asset_events(self, events: Sequence[EventLogEntry]) -> None:
        """What `store_event` does for each asset event, in one transaction per database: the
        event in its run's log and in the index, its indexed tags, and the asset's latest event
        (the last of the batch, as the last of a one-by-one write would leave it)."""
        insert = self.prepare_insert_event_batch(events)
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(insert)
        with self.index_transaction() as conn:
            result = conn.execute(insert.returning(SqlEventLogStorageTable.c.id))
            event_ids = [row[0] for row in result]
            self._store_asset_event_tags(conn, events, event_ids)
            self._store_asset_event(conn, events[-1], event_ids[-1])


def _one_run_one_type(events: Sequence[EventLogEntry]) -> bool:
    if not events or not all(event.is_dagster_event for event in events):
        return False
    types = {event.get_dagster_event().event_type for event in events}
    runs = {event.run_id for event in events}
    return len(runs) == 1 and len(types) == 1 and types <= BATCHED_EVENT_TYPES


class BatchedSqliteStorage(DagsterSqliteStorage):
    """DagsterSqliteStorage (runs, event logs, schedules under `base_dir`) with the batched
    event log."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = BatchedSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # DagsterSqliteStorage builds itself here, not `cls`.
        return cls.from_local(inst_data=inst_data, **config_value)
