"""The batched SQLite instance storage records a range run exactly as Dagster's own does."""

from pathlib import Path
from unittest import mock

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    MaterializeResult,
    asset,
    asset_check,
    materialize,
)

from pipelines.instance_storage import BatchedSqliteEventLogStorage, BatchedSqliteStorage
from pipelines.jobs import range_tags
from pipelines.refresh import DAGSTER_ENVIRONMENT, DEFAULT_INSTANCE_CONFIG

DAYS = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-20")


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run())
def days_a() -> MaterializeResult:
    return MaterializeResult(metadata={"rows": 1})


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run(), deps=[days_a])
def days_b() -> MaterializeResult:
    return MaterializeResult(metadata={"rows": 2})


@asset_check(asset=days_b)
def days_b_is_fine() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def _instance(home: Path, config: str | None) -> DagsterInstance:
    home.mkdir()
    if config is not None:
        (home / "dagster.yaml").write_text(config)
    return DagsterInstance.from_config(str(home))


def _recorded(instance: DagsterInstance, run_id: str) -> dict:
    """What the UI reads of a range run: per asset, its materialized days, the days of its
    materialization records and their indexed tags, its latest materialization and run;
    the check's executions; the run's event types in order."""
    recorded = {"events": [e.dagster_event_type for e in instance.all_logs(run_id)]}
    check_key = AssetCheckKey(AssetKey("days_b"), "days_b_is_fine")
    executions = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=9)
    recorded["check"] = [(execution.run_id == run_id, execution.status) for execution in executions]
    for key in (AssetKey("days_a"), AssetKey("days_b")):
        records = instance.fetch_materializations(key, limit=1000).records
        latest = instance.get_latest_materialization_event(key)
        recorded[key.path[0]] = {
            "materialized": sorted(instance.get_materialized_partitions(key)),
            "record_days": sorted(record.partition_key for record in records),
            "runs": {record.run_id for record in records},
            "latest": latest.dagster_event.partition,
            "latest_metadata": latest.asset_materialization.metadata,
            "last_run": instance.get_asset_records([key])[0].asset_entry.last_run_id == run_id,
            # (values such as data versions differ from run to run)
            "indexed_tags": sorted(sorted(tags) for tags in instance.get_event_tags_for_asset(key)),
            "by_partition": sorted(
                instance.get_latest_storage_id_by_partition(
                    key, DagsterEventType.ASSET_MATERIALIZATION
                )
            ),
        }
    return recorded


def _range_run(instance: DagsterInstance) -> str:
    result = materialize(
        [days_a, days_b, days_b_is_fine],
        instance=instance,
        tags=range_tags("2026-01-03", "2026-01-12"),
    )
    assert result.success
    return result.run_id


def test_a_range_run_is_recorded_as_dagsters_own_sqlite_storage_records_it(tmp_path, monkeypatch):
    for name, value in DAGSTER_ENVIRONMENT.items():  # as `analytics refresh` runs
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "batched"))
    batched = _instance(tmp_path / "batched", DEFAULT_INSTANCE_CONFIG)
    plain = _instance(tmp_path / "plain", None)
    assert isinstance(batched.event_log_storage, BatchedSqliteEventLogStorage)
    assert type(plain.event_log_storage) is not BatchedSqliteEventLogStorage

    spy = mock.patch.object(
        BatchedSqliteEventLogStorage,
        "_store_events",
        autospec=True,
        side_effect=BatchedSqliteEventLogStorage._store_events,
    )
    with spy as stored:
        batched_run = _range_run(batched)
    # The planned materializations of the two assets and the planned check in one write, then
    # ten days of each asset in one write each.
    assert [len(call.args[1]) for call in stored.call_args_list] == [3, 10, 10]

    plain_run = _range_run(plain)
    batched_recorded = _recorded(batched, batched_run)
    plain_recorded = _recorded(plain, plain_run)
    for recorded, run_id in ((batched_recorded, batched_run), (plain_recorded, plain_run)):
        for name in ("days_a", "days_b"):
            assert recorded[name].pop("runs") == {run_id}
    assert batched_recorded == plain_recorded
    assert batched_recorded["days_a"]["materialized"] == [f"2026-01-{d:02}" for d in range(3, 13)]


def test_a_batch_larger_than_one_insert_is_split(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "500")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "batched"))
    monkeypatch.setattr("pipelines.instance_storage.ROWS_PER_INSERT", 3)
    instance = _instance(tmp_path / "batched", DEFAULT_INSTANCE_CONFIG)
    _range_run(instance)
    assert len(instance.get_materialized_partitions(AssetKey("days_b"))) == 10


@pytest.mark.parametrize("existing", [None, "# Written by `analytics refresh`: old\n"])
def test_the_refresh_writes_its_instance_config_where_none_or_an_old_one_of_its_own_is(
    tmp_path, monkeypatch, existing
):
    from pipelines.refresh import dagster_instance

    home = tmp_path / "home"
    home.mkdir()
    if existing is not None:
        (home / "dagster.yaml").write_text(existing)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dagster_instance()
    assert (home / "dagster.yaml").read_text() == DEFAULT_INSTANCE_CONFIG
    assert isinstance(instance.get_ref().storage_data.class_name, str)
    assert instance.get_ref().storage_data.class_name == BatchedSqliteStorage.__name__


def test_the_refresh_leaves_a_users_own_instance_config_alone(tmp_path, monkeypatch):
    from pipelines.refresh import dagster_instance

    home = tmp_path / "home"
    home.mkdir()
    own = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(own)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dagster_instance()
    assert (home / "dagster.yaml").read_text() == own
    assert type(instance.event_log_storage) is not BatchedSqliteEventLogStorage


def test_a_run_keeps_its_sqlite_connections_open(tmp_path, monkeypatch):
    """Dagster's storage opens a connection per read and write (each close of a file's last one
    writes its log to disk); the batched storage keeps one or two per file."""
    import sqlite3

    for name, value in DAGSTER_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "batched"))
    instance = _instance(tmp_path / "batched", DEFAULT_INSTANCE_CONFIG)
    opened: list[str] = []
    connect = sqlite3.dbapi2.connect

    def counting_connect(path, *args, **kwargs):
        opened.append(Path(str(path)).name)
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3.dbapi2, "connect", counting_connect)
    _range_run(instance)
    _range_run(instance)
    assert opened, "the runs were stored through sqlite3.dbapi2.connect"
    assert max(opened.count(name) for name in set(opened)) <= 2
    with instance.event_log_storage.index_connection() as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL


def test_only_the_files_used_last_keep_an_engine():
    from pipelines.instance_storage import KeptEngines

    kept = KeptEngines(size=2)
    first = kept.engine("sqlite:///:memory:?a")
    kept.engine("sqlite:///:memory:?b")
    assert kept.engine("sqlite:///:memory:?a") is first
    kept.engine("sqlite:///:memory:?c")
    kept.engine("sqlite:///:memory:?b")  # "a" is now the oldest of three: pushed out
    assert kept.engine("sqlite:///:memory:?a") is not first
