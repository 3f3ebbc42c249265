"""The landing folder through Dagster: the sensor asks for an ingest of the kinds waiting, the
ingest run records each kind's load as metadata of its raw asset and a file it set aside in a
WARN check, and `analytics ingest` does the same once from the command line."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, RunRequest, SkipReason, build_sensor_context

from pipelines.ingest import ingest_landing
from pipelines.sensors import landing_files
from tests.pipelines.conftest import at, ev, msg

ANALYTICS = str(Path(sys.executable).parent / "analytics")


@pytest.fixture
def landing(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "landing"
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(root))
    return root


def drop(root: Path, kind: str, name: str, records: list) -> Path:
    (root / kind).mkdir(parents=True, exist_ok=True)
    path = root / kind / name
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


def test_the_sensor_asks_for_the_kinds_with_complete_files_waiting(landing):
    with build_sensor_context(instance=DagsterInstance.ephemeral()) as context:
        assert isinstance(landing_files(context), SkipReason)
        drop(landing, "events", "a.jsonl.part", [ev("visitor", "user_aaaa0", at(0))])
        assert isinstance(landing_files(context), SkipReason)  # not complete yet
        drop(landing, "events", "a.jsonl", [ev("visitor", "user_aaaa0", at(0))])
        drop(landing, "messages", "m.jsonl.gz", [msg("m1", "c1", at(0))])
        request = landing_files(context)
    assert isinstance(request, RunRequest)
    assert set(request.asset_selection) == {AssetKey("raw_events"), AssetKey("raw_messages")}


def test_an_ingest_run_loads_each_file_once_and_shows_what_it_did(pipeline, landing):
    drop(landing, "events", "a.jsonl", [ev("visitor", "user_aaaa0", at(0), "e-1"), "{broken"])
    drop(landing, "messages", "m.jsonl.gz", [msg("m1", "c1", at(0))])
    (landing / "events" / "b.jsonl.gz").write_bytes(b"\x1f\x8b not really gzip")
    lines = []
    report = ingest_landing(pipeline.url, echo=lines.append)
    assert (report.files, report.rejected, report.failed) == (3, 1, False)
    text = "\n".join(lines)
    assert "a.jsonl: 2 lines, 1 loaded, 0 duplicates, 1 quarantined (malformed_json 1)" in text
    assert "b.jsonl.gz: set aside in rejected/" in text
    assert pipeline.rows("select count(*) from raw.events") == [(1,)]
    assert pipeline.rows("select count(*) from raw.messages") == [(1,)]
    instance = DagsterInstance.get()
    materialization = instance.get_latest_materialization_event(AssetKey("raw_events"))
    metadata = materialization.asset_materialization.metadata
    assert metadata["files"].value == ["a.jsonl"]
    assert (metadata["loaded"].value, metadata["quarantined"].value) == (1, 1)
    assert metadata["quarantined_by_reason"].value == {"malformed_json": 1}
    assert metadata["dagster/table_name"].value == "raw.events"
    # Nothing new: no run, no materialization.
    lines.clear()
    assert ingest_landing(pipeline.url, echo=lines.append).files == 0
    assert lines == [f"ingest: no complete file waiting in {landing}"]
    assert instance.get_latest_materialization_event(AssetKey("raw_events")) == materialization
    # Then the marts follow (here by hand; in a deployment, the stale_marts sensor).
    pipeline.refresh()
    assert pipeline.rows("select count(*) from marts.users") == [(1,)]


def test_analytics_ingest_from_the_command_line(db_url, landing):
    drop(landing, "events", "a.jsonl", [ev("visitor", "user_aaaa0", at(0), "e-1")])
    env = {**os.environ, "DATABASE_URL": db_url, "ANALYTICS_LANDING_DIR": str(landing)}
    first = subprocess.run([ANALYTICS, "ingest"], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert f"ingest: {landing / 'events' / 'a.jsonl'}: 1 lines, 1 loaded" in first.stdout
    drop(landing, "events", "again.jsonl", [ev("visitor", "user_aaaa0", at(0), "e-1")])
    (landing / "chatbots").mkdir(exist_ok=True)
    (landing / "chatbots" / "c.jsonl.gz").write_bytes(b"\x1f\x8b not really gzip")
    second = subprocess.run([ANALYTICS, "ingest"], env=env, capture_output=True, text=True)
    assert second.returncode == 1  # a file was set aside, as `analytics load` exits for one
    assert "again.jsonl: its bytes were loaded before" in second.stdout
    assert "c.jsonl.gz: set aside in rejected/" in second.stdout
    assert (landing / "chatbots" / "rejected" / "c.jsonl.gz.reason.txt").exists()
