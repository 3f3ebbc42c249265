"""The Dagster instance: in PostgreSQL beside the warehouse by default, one history for every
command, and a dagster.yaml of the user's own wins."""

import psycopg
import pytest
from dagster import DagsterEventType, DagsterInstance

from pipelines.instance import instance_database_url, prepare_instance
from pipelines.refresh import refresh
from tests.pipelines.conftest import ev
from warehouse.connection import database_name


@pytest.fixture
def own_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_upgrade_makes_the_instance_database_and_a_refresh_is_in_its_one_history(
    pipeline, own_home
):
    home = prepare_instance(pipeline.url)
    assert home == own_home
    config = (home / "dagster.yaml").read_text()
    assert instance_database_url(pipeline.url) in config and "postgresql+psycopg2://" in config
    name = database_name(pipeline.url) + "_dagster"
    with psycopg.connect(pipeline.url) as conn:
        assert conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
    pipeline.load("events", [ev("visitor", "user_aaaa0", "2026-01-05T10:00:00Z")])
    report = refresh(pipeline.url, echo=lambda line: None)  # opens the instance itself
    assert report.ok
    # What the UI and its daemon read (`dagster dev` with this DAGSTER_HOME): the same run.
    instance = DagsterInstance.from_config(str(home))
    runs = instance.get_runs()
    assert [run.run_id for run in runs] == report.runs
    assert runs[0].job_name == "refresh_marts"
    # It plans the checks of its marts' own steps, not the behind_raw check of every mart.
    planned = instance.get_records_for_run(
        report.runs[0], of_type=DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    ).records
    names = {r.event_log_entry.dagster_event.event_specific_data.check_name for r in planned}
    assert "orders_counted_once" in names and "behind_raw" not in names
    assert prepare_instance(pipeline.url) == home  # idempotent
    assert (home / "dagster.yaml").read_text() == config


def test_a_dagster_yaml_of_the_users_own_is_left_alone(pipeline, own_home):
    own_home.mkdir()
    own = "telemetry:\n  enabled: false\n"
    (own_home / "dagster.yaml").write_text(own)
    prepare_instance(pipeline.url)
    assert (own_home / "dagster.yaml").read_text() == own
    name = database_name(pipeline.url) + "_dagster"
    with psycopg.connect(pipeline.url) as conn:
        assert not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
