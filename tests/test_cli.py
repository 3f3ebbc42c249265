"""The `analytics` command as a user runs it: output and exit codes (SPEC 5)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.faults import COUNT_ORDERS_LATE
from tests.warehouse.test_validation import event
from warehouse.migrate import head_revision

ANALYTICS = shutil.which("analytics", path=str(Path(sys.executable).parent)) or "analytics"


def run(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([ANALYTICS, *args], capture_output=True, text=True, env=env, timeout=300)


def test_db_upgrade_prints_the_revision(db_url):
    result = run(db_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout


def test_load_prints_a_summary_by_reason(db_url, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(event(event_id="a")),
                json.dumps(event(event_id="a")),
                "{bad",
                json.dumps(event(token="no")),
            ]
        )
        + "\n"
    )
    result = run(db_url, "load", "events", str(path))
    assert result.returncode == 0, result.stderr
    assert (
        "events.jsonl (events): 4 lines, 1 loaded, 1 duplicates skipped, 2 quarantined"
        in result.stdout
    )
    assert "quarantined by reason: invalid_token 1, malformed_json 1" in result.stdout


def test_strict_load_exits_non_zero_when_anything_was_quarantined(db_url, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(event()) + "\n{bad\n")
    assert run(db_url, "load", "--strict", "events", str(path)).returncode == 3
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps(event(event_id="z")) + "\n")
    assert run(db_url, "load", "--strict", "events", str(clean)).returncode == 0


def test_an_unreadable_file_is_a_one_line_error_and_the_others_still_load(db_url, tmp_path):
    good = tmp_path / "events.jsonl"
    good.write_text(json.dumps(event()) + "\n")
    result = run(db_url, "load", "events", str(tmp_path / "nope.jsonl"), str(good))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope.jsonl'}: No such file or directory"
    ]
    assert "1 loaded" in result.stdout


def test_a_corrupt_gzip_is_a_one_line_error_and_the_files_beside_it_load(db_url, tmp_path):
    from tests.warehouse.test_loader import corrupt_gzip

    first, last = tmp_path / "first.jsonl", tmp_path / "last.jsonl"
    first.write_text(json.dumps(event(event_id="a")) + "\n")
    last.write_text(json.dumps(event(event_id="b")) + "\n")
    lines = b"".join(json.dumps(event(event_id=f"e-{i}")).encode() + b"\n" for i in range(5000))
    corrupt = corrupt_gzip(tmp_path / "corrupt.jsonl.gz", lines)
    result = run(db_url, "load", "events", str(first), str(corrupt), str(last))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [error] = result.stderr.strip().splitlines()
    assert error.startswith(f"error: {corrupt}: cannot be read")
    assert result.stdout.count("1 loaded") == 2


def test_reloading_a_file_says_its_quarantined_lines_are_known(db_url, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(event()) + "\n{bad\n")
    run(db_url, "load", "events", str(path))
    again = run(db_url, "load", "events", str(path))
    assert (
        "0 loaded, 1 duplicates skipped, 0 quarantined (1 already quarantined by an earlier load)"
        in again.stdout
    )
    assert run(db_url, "load", "--strict", "events", str(path)).returncode == 3


def test_revoking_by_the_whole_key_never_prints_its_secret(db_url):
    key = run(db_url, "keys", "create", "--account", "acme").stdout.strip()
    secret = key.rsplit("_", 1)[1]
    revoked = run(db_url, "keys", "revoke", key)
    assert revoked.returncode == 0
    again = run(db_url, "keys", "revoke", key)
    assert again.returncode == 1
    for result in (revoked, again):
        assert secret not in result.stdout + result.stderr
    assert key.split("_")[1] in revoked.stdout


def test_an_unknown_kind_is_a_usage_error(db_url, tmp_path):
    result = run(db_url, "load", "visits", str(tmp_path / "x.jsonl"))
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize(("flag", "value"), [("--now", "tomorrow"), ("--days", "0")])
def test_generate_rejects_bad_flags_with_a_usage_error(db_url, tmp_path, flag, value):
    result = run(db_url, "generate", "--out", str(tmp_path), flag, value)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and value in result.stderr


@pytest.mark.slow
def test_generate_then_load_every_kind(db_url, tmp_path):
    result = run(
        db_url,
        "generate",
        "--out",
        str(tmp_path),
        "--seed",
        "3",
        "--days",
        "3",
        "--chatbots",
        "2",
        "--visitors-per-day",
        "100",
        "--now",
        "2026-02-24T12:00:00Z",
        "--gzip",
    )
    assert result.returncode == 0, result.stderr
    assert "events:" in result.stdout
    for kind in ("chatbots", "conversations", "messages", "analyses", "events"):
        loaded = run(db_url, "load", kind, str(tmp_path / f"{kind}.jsonl.gz"))
        assert loaded.returncode == 0, loaded.stderr
        assert f"({kind}):" in loaded.stdout


def test_refresh_materializes_what_is_stale_and_fails_on_a_blocking_check(db_url, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(event(event="purchase", event_id="p-1")) + "\n")
    assert run(db_url, "load", "events", str(path)).returncode == 0
    first = run(db_url, "refresh")
    assert first.returncode == 0, first.stderr
    assert "merged marts and daily facts" in first.stdout and " done (run " in first.stdout
    again = run(db_url, "refresh")
    assert (again.returncode, again.stdout.strip()) == (0, "refresh: every mart is up to date")
    # A faulty orders transform counts the next purchase a day late: the blocking check
    # `orders_counted_once` stops the refresh.
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(COUNT_ORDERS_LATE)
    second_order = event(event_id="p-2")
    second_order["data"]["orderNum"] = "ORD-2"
    path.write_text(json.dumps(second_order) + "\n")
    run(db_url, "load", "events", str(path))
    failed = run(db_url, "refresh")
    assert failed.returncode == 4
    assert "orders_counted_once" in failed.stdout and "FAILED" in failed.stdout
