"""Property-based requests generated from the app's own OpenAPI (schemathesis), against the real
API process with a valid key: no 5xx, and every response matches the documented schema."""

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from serving.keys import create_key
from tests.api_server import ApiServer
from tests.conftest import create_database, drop_database
from tests.pipelines.conftest import BOT, Pipeline, at, ev, msg


@pytest.fixture(scope="module")
def running_api(server_url, template_db, tmp_path_factory):
    url = create_database(server_url, template_db)
    pipeline = Pipeline(url, tmp_path_factory.mktemp("schemathesis"))
    pipeline.load("chatbots", [{"chatbot_id": BOT, "account_id": "acme", "ab_test_enabled": True}])
    pipeline.load(
        "events", [ev("visitor", "user_aaaa0", at(1)), ev("purchase", "user_aaaa0", at(1), "p")]
    )
    pipeline.load("messages", [msg("m1", "c1", at(1))])
    pipeline.refresh()
    with psycopg.connect(url, autocommit=True) as conn:
        key = create_key(conn, "acme")
    server = ApiServer(url, "2026-02-12T12:00:00Z")
    try:
        yield server.base, key
    finally:
        server.stop()
        drop_database(server_url, url)


def test_generated_requests_get_documented_answers(running_api):
    base, key = running_api
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def generated(case):
            case.call_and_validate(headers={"X-API-Key": key})

        generated()
