"""The loader on a real PostgreSQL: quarantine, idempotency, gzip, replacement rules."""

import gzip
import json
import multiprocessing
from pathlib import Path

import psycopg
import pytest

from tests.conftest import FIXTURES
from tests.warehouse.test_validation import CONVERSATION, MESSAGE, event
from warehouse import chunks, loader
from warehouse.chunks import UnreadableFileError
from warehouse.generate import CORRUPTIONS, GeneratorConfig, generate
from warehouse.loader import load_file
from warehouse.raw_tables import RAW_TABLES
from warehouse.validation import KINDS, validate_line


def write_jsonl(path: Path, records: list, compress: bool = False) -> Path:
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def scalar(conn: psycopg.Connection, query: str, *params):
    return conn.execute(query, params).fetchone()[0]


@pytest.fixture(params=["in this process", "in a worker process"])
def validated(request, monkeypatch):
    """Runs a test twice: files validated in the loading process, and in a worker process (as a
    big file is)."""
    if request.param == "in a worker process":
        monkeypatch.setattr(chunks, "WORKER_MIN_BYTES", 0)
    yield request.param
    assert multiprocessing.active_children() == []  # no worker outlives its load


def test_valid_records_land_with_their_load(conn, tmp_path):
    path = write_jsonl(tmp_path / "events.jsonl", [event(event_id=f"e-{i}") for i in range(3)])
    summary = load_file(conn, "events", path)
    assert (summary.lines_read, summary.loaded, summary.duplicates) == (3, 3, 0)
    assert scalar(conn, "select count(*) from raw.events where load_id = %s", summary.load_id) == 3
    assert conn.execute(
        "select kind, source_name, lines_read, loaded from raw.loads"
    ).fetchall() == [("events", "events.jsonl", 3, 3)]


def test_a_load_leaves_its_pages_all_visible(conn, tmp_path):
    """Vacuumed after the commit: the refresh reading the rows does not write them back."""
    records = [event(event_id=f"e-{i}", url="x" * 200) for i in range(2000)]
    load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    pages, visible = conn.execute(
        "select relpages, relallvisible from pg_class where oid = 'raw.events'::regclass"
    ).fetchone()
    assert pages > 10 and visible >= 0.9 * pages  # none without the VACUUM


def test_every_column_lands_as_validated_and_the_line_as_given(conn, tmp_path, validated):
    line = (
        b'{ "event":"tracktrans", "event_id":"e-1", "created_at":"2026-03-01T10:00:00+02:00",'
        b' "token":"user_token_1", "unknown": "caf\\u00e9\\ttab",'
        b' "data":{"chatbot_id":"bot-1", "orderNum": 42,'
        b' "items":[{"price": 1.10, "currency":"usd"}, {"value": null, "quantity": 2}]}}'
    )
    load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", [line]))
    row = conn.execute(
        "select created_at, event, order_num, items, ab_test, popup_version, record, "
        "pg_typeof(record)::text from raw.events"
    ).fetchone()
    assert row[:6] == (
        validate_line("events", line)[2],
        "purchase",
        "42",
        [
            {"value": "1.1", "quantity": 1, "currency": "USD"},
            {"value": None, "quantity": 2, "currency": "EUR"},
        ],
        False,
        None,
    )
    assert row[6:] == (line.decode(), "text")


@pytest.mark.parametrize(
    "created_at, day",
    [
        ("2026-03-01T01:30:00.123456+02:00", "2026-02-28"),  # an offset moves the UTC day
        ("1969-12-31T23:59:59.999999Z", "1969-12-31"),  # before the Unix epoch
        ("0001-01-01T00:00:00Z", "0001-01-01"),  # the earliest ISO 8601 date Python reads
        ("9999-12-31T23:59:59.999999", "9999-12-31"),  # no offset: UTC
    ],
)
def test_timestamps_land_exactly_with_their_utc_day(conn, tmp_path, validated, created_at, day):
    """Timestamps travel to the loader as microseconds since the Unix epoch (raw_tables.LoadRow):
    the stored value is the validated one to the microsecond, and its day is counted."""
    path = write_jsonl(tmp_path / "events.jsonl", [event(created_at=created_at)])
    load_file(conn, "events", path)
    expected = validate_line("events", path.read_bytes().strip())[2]
    assert scalar(conn, "select created_at from raw.events") == expected
    assert scalar(conn, "select day::text from raw.load_days") == day


def test_reloading_a_file_adds_nothing(conn, tmp_path, validated):
    records = [event(event_id=f"e-{i}") for i in range(5)] + [b"{broken"]
    path = write_jsonl(tmp_path / "events.jsonl", records)
    load_file(conn, "events", path)
    again = load_file(conn, "events", path)
    assert (again.loaded, again.duplicates, again.quarantined_total) == (0, 5, 0)
    assert again.already_quarantined == 1
    assert scalar(conn, "select count(*) from raw.events") == 5
    assert scalar(conn, "select count(*) from raw.quarantine") == 1
    assert scalar(conn, "select sum(row_count) from raw.load_days") == 5


def test_the_first_loaded_event_wins_within_and_across_files(conn, tmp_path):
    first = event(event_id="same", token="user_first_111")
    second = event(event_id="same", token="user_second_22")
    summary = load_file(conn, "events", write_jsonl(tmp_path / "a.jsonl", [first, second]))
    assert (summary.loaded, summary.duplicates) == (1, 1)
    load_file(conn, "events", write_jsonl(tmp_path / "b.jsonl", [second]))
    assert scalar(conn, "select token from raw.events") == "user_first_111"


def test_duplicates_far_apart_in_a_file_are_skipped(conn, tmp_path, monkeypatch, validated):
    monkeypatch.setattr(chunks, "CHUNK_LINES", 3)
    monkeypatch.setattr(loader, "RECENT_CHUNKS", 1)
    records = [event(event_id=f"e-{i}") for i in range(20)] + [event(event_id="e-0")]
    summary = load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    assert (summary.loaded, summary.duplicates) == (20, 1)


def test_events_without_event_id_are_idempotent_by_content(conn, tmp_path):
    record = {k: v for k, v in event().items() if k != "event_id"}
    path = write_jsonl(tmp_path / "events.jsonl", [record, record])
    assert load_file(conn, "events", path).loaded == 1
    assert load_file(conn, "events", path).loaded == 0


def test_a_malformed_line_mid_file_is_quarantined_and_its_neighbours_load(
    conn, tmp_path, validated
):
    records = [event(event_id="before"), b'{"event_id": "broken", ', event(event_id="after")]
    summary = load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    assert summary.loaded == 2
    assert summary.quarantined == {"malformed_json": 1}
    row = conn.execute(
        "select line_number, reason, raw_line, source_name, kind from raw.quarantine"
    ).fetchone()
    assert row == (2, "malformed_json", '{"event_id": "broken", ', "events.jsonl", "events")


def test_blank_lines_are_skipped(conn, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n" + json.dumps(event()).encode() + b"\r\n   \n")
    summary = load_file(conn, "events", path)
    assert (summary.lines_read, summary.loaded, summary.quarantined_total) == (1, 1, 0)


def test_a_utf8_byte_order_mark_at_the_start_is_ignored(conn, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(event()).encode() + b"\n")
    assert load_file(conn, "events", path).loaded == 1


def test_an_empty_file_loads_nothing_and_says_so(conn, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"")
    summary = load_file(conn, "events", path)
    assert (summary.lines_read, summary.loaded, summary.quarantined_total) == (0, 0, 0)
    assert scalar(conn, "select lines_read from raw.loads") == 0


def test_gzip_input_loads_like_plain(conn, tmp_path):
    records = [event(event_id=f"e-{i}") for i in range(4)]
    path = write_jsonl(tmp_path / "events.jsonl.gz", records, compress=True)
    assert load_file(conn, "events", path).loaded == 4


def test_a_file_that_cannot_be_read_raises_a_clear_error(conn, tmp_path, validated):
    with pytest.raises(UnreadableFileError, match="missing.jsonl"):
        load_file(conn, "events", tmp_path / "missing.jsonl")
    truncated = tmp_path / "events.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:50])
    with pytest.raises(UnreadableFileError):
        load_file(conn, "events", truncated)
    assert scalar(conn, "select count(*) from raw.loads") == 0  # nothing half-loaded


def test_a_file_that_breaks_after_chunks_were_written_lands_nothing(
    conn, tmp_path, monkeypatch, validated
):
    monkeypatch.setattr(chunks, "CHUNK_LINES", 10)
    written = []
    write = loader._ChunkWriter.write
    monkeypatch.setattr(
        loader._ChunkWriter,
        "write",
        lambda self, rows, rejected: written.append(write(self, rows, rejected)),
    )
    lines = b"".join(json.dumps(event(event_id=f"e-{i}")).encode() + b"\n" for i in range(95))
    broken = tmp_path / "events.jsonl.gz"
    broken.write_bytes(gzip.compress(lines)[:-30])  # the tail of the stream is missing
    with pytest.raises(UnreadableFileError):
        load_file(conn, "events", broken)
    assert len(written) >= 2
    assert scalar(conn, "select count(*) from raw.events") == 0
    assert scalar(conn, "select count(*) from raw.loads") == 0


def test_a_failure_while_writing_a_chunk_reaches_the_caller_and_lands_nothing(
    conn, tmp_path, monkeypatch, validated
):
    monkeypatch.setattr(chunks, "CHUNK_LINES", 10)
    write = loader._ChunkWriter.write
    written = []

    def fail_on_the_third_chunk(self, rows, rejected):
        written.append(len(rows))
        if len(written) == 3:
            raise psycopg.OperationalError("the server went away")
        write(self, rows, rejected)

    monkeypatch.setattr(loader._ChunkWriter, "write", fail_on_the_third_chunk)
    records = [event(event_id=f"e-{i}") for i in range(95)]
    with pytest.raises(psycopg.OperationalError, match="went away"):
        load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    assert len(written) == 3  # nothing was written after the failure
    assert scalar(conn, "select count(*) from raw.events") == 0


@pytest.mark.parametrize(
    ("kind", "reason", "make"),
    CORRUPTIONS,
    ids=[f"{kind}-{reason}" for kind, reason, _ in CORRUPTIONS],
)
def test_every_quarantine_reason_lands_in_quarantine(conn, tmp_path, kind, reason, make):
    import random

    valid = {
        "events": event(),
        "messages": MESSAGE,
        "conversations": CONVERSATION,
        "analyses": {
            "conversation_id": "c-1",
            "chatbot_id": "b",
            "analyzed_at": "2026-02-20T11:00:00Z",
        },
    }[kind]
    bad = make(json.loads(json.dumps(valid)), random.Random(1))
    summary = load_file(conn, kind, write_jsonl(tmp_path / f"{kind}.jsonl", [valid, bad]))
    assert (summary.loaded, dict(summary.quarantined)) == (1, {reason: 1})
    assert scalar(conn, "select reason from raw.quarantine") == reason


@pytest.fixture
def database_refuses_url_x(monkeypatch):
    """Records with url "x" validate, but reach PostgreSQL with a NUL it refuses to store.

    (No record that passes validation is known to be refused; this simulates one, to test the
    safety net.)"""
    url_position = RAW_TABLES["events"].columns.index("url")

    def validate(kind, line):
        result = validate_line(kind, line)
        if isinstance(result, tuple) and result[url_position] == "x":
            result = (*result[:url_position], "x\x00", *result[url_position + 1 :])
        return result

    monkeypatch.setattr(chunks, "validate_line", validate)


def test_a_record_the_database_refuses_is_quarantined_not_fatal(
    conn, tmp_path, database_refuses_url_x
):
    records = [event(event_id="ok"), event(event_id="bad", data={"url": "x"})]
    summary = load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    assert (summary.loaded, dict(summary.quarantined)) == (1, {"rejected_by_database": 1})
    assert scalar(conn, "select event_id from raw.events") == "ok"
    assert scalar(conn, "select reason from raw.quarantine") == "rejected_by_database"


def test_a_refused_record_does_not_hide_a_later_valid_one_with_its_identity(
    conn, tmp_path, monkeypatch, database_refuses_url_x
):
    monkeypatch.setattr(chunks, "CHUNK_LINES", 1)
    records = [event(event_id="same", data={"url": "x"}), event(event_id="same")]
    summary = load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    assert (summary.loaded, summary.duplicates, summary.quarantined_total) == (1, 0, 1)


def test_a_later_conversation_record_replaces_the_earlier(conn, tmp_path):
    older = CONVERSATION
    newer = {**CONVERSATION, "user_token": "user_newer_token"}
    load_file(conn, "conversations", write_jsonl(tmp_path / "a.jsonl", [older]))
    load_file(conn, "conversations", write_jsonl(tmp_path / "b.jsonl", [newer]))
    assert scalar(conn, "select user_token from staging.conversations") == "user_newer_token"
    # Re-loading the older record, identical to one already loaded, changes nothing.
    assert load_file(conn, "conversations", write_jsonl(tmp_path / "c.jsonl", [older])).loaded == 0
    assert scalar(conn, "select user_token from staging.conversations") == "user_newer_token"


def test_within_one_file_the_later_line_replaces_the_earlier(conn, tmp_path, validated):
    records = [CONVERSATION, {**CONVERSATION, "user_token": "user_second_line"}]
    load_file(conn, "conversations", write_jsonl(tmp_path / "a.jsonl", records))
    assert scalar(conn, "select user_token from staging.conversations") == "user_second_line"


def test_the_newest_analysis_wins_and_ties_go_to_the_latest_loaded(conn, tmp_path):
    base = {"conversation_id": "c-1", "chatbot_id": "b"}
    newer = {**base, "analyzed_at": "2026-02-20T12:00:00Z", "mood": "happy"}
    older = {**base, "analyzed_at": "2026-02-20T11:00:00Z", "mood": "angry"}
    load_file(conn, "analyses", write_jsonl(tmp_path / "a.jsonl", [newer]))
    load_file(conn, "analyses", write_jsonl(tmp_path / "b.jsonl", [older]))
    assert scalar(conn, "select mood from staging.analyses") == "happy"
    tie = {**base, "analyzed_at": "2026-02-20T12:00:00Z", "mood": "neutral"}
    load_file(conn, "analyses", write_jsonl(tmp_path / "c.jsonl", [tie]))
    assert scalar(conn, "select mood from staging.analyses") == "neutral"
    load_file(conn, "analyses", write_jsonl(tmp_path / "d.jsonl", [newer]))  # identical re-load
    assert scalar(conn, "select mood from staging.analyses") == "neutral"


def test_a_later_chatbot_record_replaces_the_earlier(conn, tmp_path):
    first = {"chatbot_id": "b", "account_id": "acme", "ab_test_enabled": True}
    second = {"chatbot_id": "b", "account_id": "acme", "ab_test_enabled": False}
    load_file(conn, "chatbots", write_jsonl(tmp_path / "chatbots.jsonl", [first, second]))
    assert scalar(conn, "select ab_test_enabled from staging.chatbots") is False


def test_load_days_record_the_utc_days_that_received_rows(conn, tmp_path, validated):
    records = [
        event(event_id="a", created_at="2026-02-21T00:30:00+01:00"),
        event(event_id="b", created_at="2026-02-21T00:30:00Z"),
        event(event_id="c", created_at="2026-02-21T10:00:00Z"),
    ]
    summary = load_file(conn, "events", write_jsonl(tmp_path / "events.jsonl", records))
    rows = conn.execute(
        "select day::text, row_count from raw.load_days where load_id = %s order by day",
        (summary.load_id,),
    ).fetchall()
    assert rows == [("2026-02-20", 1), ("2026-02-21", 2)]


def test_the_small_fixture_quarantines_what_its_readme_states(conn):
    inputs = FIXTURES / "small" / "inputs"
    expected = {"analyses": 1, "conversations": 2, "events": 26, "messages": 3, "chatbots": 0}
    for kind in KINDS:
        assert load_file(conn, kind, inputs / f"{kind}.jsonl").quarantined_total == expected[kind]


def test_a_generated_data_set_exercises_every_quarantine_reason(conn, tmp_path, validated):
    generate(
        tmp_path,
        GeneratorConfig(
            seed=5, days=4, chatbots=2, visitors_per_day=400, now="2026-02-24T12:00:00Z", gzip=True
        ),
    )
    seen = set()
    for kind in KINDS:
        summary = load_file(conn, kind, tmp_path / f"{kind}.jsonl.gz")
        seen |= {(kind, reason) for reason in summary.quarantined}
        assert summary.loaded > 0
    assert {(kind, reason) for kind, reason, _ in CORRUPTIONS} <= seen


def corrupt_gzip(path: Path, lines: bytes) -> Path:
    """A gzip file whose deflate data is damaged in the middle (not truncated)."""
    data = bytearray(gzip.compress(lines, compresslevel=1))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_gzip_raises_a_clear_error_and_lands_nothing(conn, tmp_path, validated):
    lines = b"".join(json.dumps(event(event_id=f"e-{i}")).encode() + b"\n" for i in range(5000))
    path = corrupt_gzip(tmp_path / "events.jsonl.gz", lines)
    with pytest.raises(UnreadableFileError, match="events.jsonl.gz"):
        load_file(conn, "events", path)
    assert scalar(conn, "select count(*) from raw.loads") == 0


def test_a_failure_inside_the_worker_names_the_file_and_line(tmp_path, monkeypatch):
    def failing(kind, path, chunk_lines):
        yield chunks.Chunk([], [], 40)
        raise MemoryError("no room")

    monkeypatch.setattr(chunks, "_chunks_of", failing)
    sent = []
    monkeypatch.setattr(chunks, "_send", lambda out, message: sent.append(message))
    chunks._validate_in_worker("events", tmp_path / "big.jsonl", 10, None)
    assert sent[-1] == ("failed", f"{tmp_path / 'big.jsonl'}: after line 40: MemoryError: no room")
