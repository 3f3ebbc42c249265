"""The API tests' small world: three chatbots of two accounts, a few events and messages,
refreshed into real marts; an in-process client and an API key (fixtures in conftest.py)."""

from datetime import UTC, datetime

import psycopg
import pytest
from fastapi.testclient import TestClient

from serving.keys import create_key
from serving.main import create_app
from serving.settings import ServingSettings
from tests.pipelines.conftest import BOT, Pipeline, at, ev, msg

STATS = "/api/dashboard/analytics/stats"
SECRET = "test-secret-of-at-least-32-bytes-long"
NOW = datetime(2026, 2, 12, 12, tzinfo=UTC)
EMPTY_BOT = "bot-without-data"
OTHER_BOT = "bot-of-globex"


@pytest.fixture
def warehouse(db_url, tmp_path) -> Pipeline:
    pipeline = Pipeline(db_url, tmp_path)
    pipeline.load(
        "chatbots",
        [
            {"chatbot_id": BOT, "account_id": "acme", "ab_test_enabled": True},
            {"chatbot_id": EMPTY_BOT, "account_id": "acme"},
            {"chatbot_id": OTHER_BOT, "account_id": "globex"},
        ],
    )
    pipeline.load(
        "events",
        [
            ev("visitor", "user_aaaa0", at(1)),
            ev("visitor", "user_bbbb1", at(2)),
            ev("purchase", "user_bbbb1", at(2, 13), "p-1", orderNum="1", items=[{"value": 10}]),
        ],
    )
    pipeline.load("messages", [msg("m1", "c1", at(1, 10)), msg("m2", "c1", at(1, 11))])
    pipeline.refresh()
    return pipeline


@pytest.fixture
def client(warehouse):
    settings = ServingSettings(analytics_now=NOW, jwt_secret=SECRET)
    with TestClient(create_app(warehouse.url, settings)) as test_client:
        yield test_client


@pytest.fixture
def acme_key(warehouse) -> str:
    with psycopg.connect(warehouse.url, autocommit=True) as conn:
        return create_key(conn, "acme")
