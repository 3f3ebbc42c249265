"""Helpers for pipeline tests: write records, load them through the real loader, refresh
through Dagster, read marts."""

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from pipelines.refresh import RefreshReport, refresh
from warehouse.commands import load_files

BOT = "bot-1"
DAY = date(2026, 2, 10)
_files = itertools.count()


def at(day_offset: int, hour: int = 12, minute: int = 0) -> str:
    """An ISO instant `day_offset` days after DAY."""
    moment = datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC)
    return (moment + timedelta(days=day_offset)).isoformat().replace("+00:00", "Z")


def on(day_offset: int) -> date:
    return DAY + timedelta(days=day_offset)


def ev(event: str, token: str, when: str, event_id: str | None = None, **data) -> dict:
    record = {
        "created_at": when,
        "event": event,
        "token": token,
        "data": {"chatbot_id": BOT, **data},
    }
    if event_id is not None:
        record["event_id"] = event_id
    return record


def msg(message_id: str, conversation_id: str, when: str, role: str = "assistant") -> dict:
    return {
        "message_id": message_id,
        "conversation_id": conversation_id,
        "chatbot_id": BOT,
        "role": role,
        "created_at": when,
    }


class Pipeline:
    """One test database: load records, refresh, read marts."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder

    def load(self, kind: str, records: list[dict]) -> None:
        path = self.folder / f"{kind}-{next(_files)}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
        summaries, errors = load_files(self.url, kind, [path])
        assert not errors and summaries[0].quarantined_total == 0, summaries[0].quarantined

    def refresh(self) -> RefreshReport:
        report = refresh(self.url, echo=lambda line: None)
        assert report.ok, report.failed
        return report

    def rows(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(query, params).fetchall()

    def execute(self, query: str, *params) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(query, params)


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> Pipeline:
    return Pipeline(db_url, tmp_path)
