"""`analytics collect` as the widget meets it (SPEC 6), in its own process on a real
PostgreSQL: each answer, what it keeps in the landing folder, and what the loader then does
with it (`analytics ingest`)."""

import json
import time
import urllib.parse

import httpx
import pytest

from pipelines.ingest import ingest_landing
from tests.collector_process import CollectorProcess
from tests.pipelines.conftest import Pipeline

BOT = "bot-1"
TRACK = "/api/analytics/track"


def visitor(token: str = "user_abcdefgh", **more) -> dict:
    return {"event": "visitor", "token": token, "data": {"chatbot_id": BOT}, **more}


@pytest.fixture
def landing(tmp_path, monkeypatch):
    root = tmp_path / "landing"
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(root))
    return root


@pytest.fixture
def collector(db_url, landing):
    process = CollectorProcess(
        db_url,
        landing,
        {
            "ANALYTICS_LANDING_ROTATE_S": "0.2",
            "ANALYTICS_COLLECT_RATE_LIMIT": "1000",
            "ANALYTICS_COLLECT_ORIGINS_REFRESH_S": "0.2",
        },
    )
    yield process
    process.stop()


def kept_lines(collector: CollectorProcess) -> list[dict | str]:
    """The complete landing files' lines (after their rotation), parsed where they parse."""
    time.sleep(0.5)
    lines = []
    for path in collector.events_files():
        for line in path.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                lines.append(line)
    return lines


def test_an_event_is_accepted_with_server_fields_and_kept(collector):
    before = time.time()
    answer = httpx.post(f"{collector.base}{TRACK}", json=visitor(created_at="1999-01-01T00:00:00Z"))
    assert answer.status_code == 202
    event_id = answer.json()["event_id"]
    assert answer.json() == {"status": "accepted", "event_id": event_id}
    [kept] = kept_lines(collector)
    assert kept["event_id"] == event_id and kept["token"] == "user_abcdefgh"
    # created_at is the collector's clock, whatever the body said.
    stamped = time.mktime(time.strptime(kept["created_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    assert abs(stamped - time.timezone - before) < 60


def test_the_aliases_and_the_legacy_get_are_the_same_endpoint(collector):
    for path in ("/api/analytics/track", "/api/events/track", "/api/save"):
        assert httpx.post(f"{collector.base}{path}", json=visitor()).status_code == 202
    data = urllib.parse.quote(json.dumps({"chatbot_id": BOT, "url": "https://shop.example/"}))
    for path in ("/api/analytics/track", "/api/events/track"):
        answer = httpx.get(f"{collector.base}{path}?e=popup_displayed&u=user_abcdefgh&d={data}")
        assert answer.status_code == 202, answer.text
    kept = kept_lines(collector)
    assert len(kept) == 5
    assert kept[-1]["event"] == "popup_displayed"
    assert kept[-1]["data"] == {"chatbot_id": BOT, "url": "https://shop.example/"}


def test_a_client_event_id_is_kept_so_a_retry_counts_once(collector, db_url, landing):
    for _ in range(2):  # the first answer was lost; the widget sends the event again
        answer = httpx.post(f"{collector.base}{TRACK}", json=visitor(event_id="w-42"))
        assert answer.json()["event_id"] == "w-42"
    assert len(kept_lines(collector)) == 2
    ingest_landing(db_url, echo=lambda line: None)
    pipeline = Pipeline(db_url, landing)
    assert pipeline.rows("select event_id from raw.events") == [("w-42",)]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{broken", "malformed_json"),
        (b"[1, 2]", "not_an_object"),
        (json.dumps(visitor(token="short")).encode(), "invalid_token"),
        (json.dumps({**visitor(), "event": "teleported"}).encode(), "unknown_event_type"),
        (json.dumps({"event": "visitor", "token": "user_abcdefgh"}).encode(), "invalid_data"),
        (
            json.dumps({"token": "user_abcdefgh", "data": {"chatbot_id": BOT}}).encode(),
            "missing_field",
        ),
    ],
)
def test_an_invalid_event_gets_422_with_the_quarantine_reason_and_is_kept(
    collector, db_url, landing, body, reason
):
    answer = httpx.post(f"{collector.base}{TRACK}", content=body)
    assert answer.status_code == 422
    assert answer.json()["reason"] == reason and answer.json()["detail"]
    assert len(kept_lines(collector)) == 1
    ingest_landing(db_url, echo=lambda line: None)
    pipeline = Pipeline(db_url, landing)
    assert pipeline.rows("select reason from raw.quarantine") == [(reason,)]
    assert pipeline.rows("select count(*) from raw.events") == [(0,)]


def test_a_body_over_50000_bytes_gets_413_and_is_not_kept(collector):
    body = json.dumps(visitor(padding="x" * 50_000)).encode()
    assert httpx.post(f"{collector.base}{TRACK}", content=body).status_code == 413

    def chunks():  # no Content-Length: the size is counted as the body arrives
        yield body[:30_000]
        yield body[30_000:]

    assert httpx.post(f"{collector.base}{TRACK}", content=chunks()).status_code == 413
    assert kept_lines(collector) == []


def test_the_rate_limit_answers_429_with_retry_after_per_client(db_url, landing):
    collector = CollectorProcess(
        db_url,
        landing,
        {"ANALYTICS_COLLECT_RATE_LIMIT": "3", "ANALYTICS_TRUSTED_PROXIES": "127.0.0.1"},
    )
    try:
        url = f"{collector.base}{TRACK}"
        behind = {"X-Forwarded-For": "198.51.100.7"}
        assert [httpx.post(url, json=visitor(), headers=behind).status_code for _ in range(3)] == [
            202
        ] * 3
        refused = httpx.post(url, json=visitor(), headers=behind)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        # Another client behind the same (trusted) proxy has its own budget.
        other = {"X-Forwarded-For": "198.51.100.8"}
        assert httpx.post(url, json=visitor(), headers=other).status_code == 202
    finally:
        collector.stop()
    assert len(kept_lines(collector)) == 4


def test_an_origin_outside_the_chatbots_list_gets_403_and_is_not_kept(collector, db_url, landing):
    pipeline = Pipeline(db_url, landing)
    pipeline.load(
        "chatbots",
        [
            {"chatbot_id": BOT, "account_id": "acme", "allowed_origins": ["https://Shop.Example"]},
            {"chatbot_id": "open-bot", "account_id": "acme"},
        ],
    )
    pipeline.refresh()
    time.sleep(0.6)  # the collector reads the lists every 0.2 s here
    url = f"{collector.base}{TRACK}"
    allowed = httpx.post(url, json=visitor(), headers={"Origin": "https://shop.example"})
    assert allowed.status_code == 202
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    refused = httpx.post(url, json=visitor(), headers={"Origin": "https://evil.example"})
    assert (refused.status_code, refused.json()["reason"]) == (403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in refused.headers
    # A chatbot without a list takes any origin; a request without Origin is not a page's.
    anywhere = {**visitor(), "data": {"chatbot_id": "open-bot"}}
    assert httpx.post(url, json=anywhere, headers={"Origin": "https://evil.example"}).status_code
    assert httpx.post(url, json=visitor()).status_code == 202
    # Preflight: answered for an origin some chatbot accepts (open-bot accepts any).
    preflight = httpx.options(
        url,
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST, GET, OPTIONS"
    assert len(kept_lines(collector)) == 3


def test_preflight_is_refused_for_an_origin_no_chatbot_accepts(collector, db_url, landing):
    pipeline = Pipeline(db_url, landing)
    pipeline.load(
        "chatbots",
        [{"chatbot_id": BOT, "account_id": "acme", "allowed_origins": ["https://shop.example"]}],
    )
    pipeline.refresh()
    time.sleep(0.6)
    headers = {"Access-Control-Request-Method": "POST"}
    url = f"{collector.base}{TRACK}"
    refused = httpx.options(url, headers={**headers, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    accepted = httpx.options(url, headers={**headers, "Origin": "https://shop.example:443"})
    assert accepted.status_code == 204
