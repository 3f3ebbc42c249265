"""Nothing lost (issue 16): a few thousand events from concurrent clients, some invalid,
`kill -9` of the collector in the middle, a restart, the rest, then ingest: every event that got
a 202 is in raw.events exactly once, every invalid one is in the quarantine."""

import json
import threading
import time

import httpx

from pipelines.ingest import ingest_landing
from tests.collector_process import CollectorProcess
from tests.pipelines.conftest import Pipeline

EVENTS = 3000
CLIENTS = 8
KILL_AFTER = 1000  # answers
INVALID_EVERY = 10  # every tenth event has a token the rules refuse


def event(number: int) -> dict:
    token = "bad" if number % INVALID_EVERY == 0 else f"user_{number:08d}"
    return {
        "event_id": f"loss-{number}",
        "event": "visitor",
        "token": token,
        "data": {"chatbot_id": "bot-1"},
    }


def test_no_accepted_event_is_lost_when_the_collector_is_killed(db_url, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("ANALYTICS_LANDING_DIR", str(landing))
    collector = CollectorProcess(
        db_url, landing, {"ANALYTICS_COLLECT_RATE_LIMIT": "0", "ANALYTICS_LANDING_ROTATE_S": "1"}
    )
    answers: dict[int, int] = {}  # event number: the status it finally got
    lock = threading.Lock()
    connection_errors = 0

    def client(first: int) -> None:
        nonlocal connection_errors
        with httpx.Client(base_url=collector.base, timeout=10) as http:
            for number in range(first, EVENTS, CLIENTS):
                deadline = time.monotonic() + 60
                while True:  # a widget sends again, with the same event_id, until answered
                    try:
                        status = http.post("/api/analytics/track", json=event(number)).status_code
                        break
                    except httpx.TransportError:
                        with lock:
                            connection_errors += 1
                        assert time.monotonic() < deadline, "the collector did not come back"
                        time.sleep(0.05)
                with lock:
                    answers[number] = status

    threads = [threading.Thread(target=client, args=(first,)) for first in range(CLIENTS)]
    for thread in threads:
        thread.start()
    while len(answers) < KILL_AFTER:
        time.sleep(0.005)
    collector.kill()
    answered_before_kill = len(answers)
    time.sleep(0.5)
    collector.start()  # same port, same landing folder: it completes the dead one's file
    for thread in threads:
        thread.join()
    collector.stop()

    assert answered_before_kill >= KILL_AFTER and connection_errors > 0
    assert set(answers.values()) == {202, 422}
    accepted = {f"loss-{n}" for n, status in answers.items() if status == 202}
    refused = {f"loss-{n}" for n, status in answers.items() if status == 422}
    assert refused == {f"loss-{n}" for n in range(0, EVENTS, INVALID_EVERY)}

    report = ingest_landing(db_url, echo=lambda line: None)
    assert report.rejected == 0 and not report.failed
    pipeline = Pipeline(db_url, landing)
    stored = pipeline.rows("select event_id, count(*) from raw.events group by event_id")
    assert {event_id for event_id, _ in stored} == accepted
    assert all(count == 1 for _, count in stored)
    quarantined = {
        json.loads(line)["event_id"]
        for (line,) in pipeline.rows("select raw_line from raw.quarantine")
    }
    assert quarantined == refused
