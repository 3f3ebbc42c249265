"""The API on a real warehouse (in-process ASGI client): authentication, ownership, errors,
headers, the read-only role, and 503s while the warehouse is down."""

import contextlib
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import psycopg
import pytest
from fastapi.testclient import TestClient

from serving.keys import create_key, revoke_key
from serving.main import create_app
from serving.settings import ServingSettings
from tests.pipelines.conftest import BOT
from tests.serving.world import EMPTY_BOT, NOW, OTHER_BOT, SECRET, STATS
from warehouse.api_login import api_url
from warehouse.embedded import EmbeddedPostgres
from warehouse.migrate import upgrade
from warehouse.ports import free_port


def bearer(**claims) -> dict[str, str]:
    claims = {"sub": "acme", "exp": NOW + timedelta(days=3650), **claims}
    return {"Authorization": f"Bearer {jwt.encode(claims, claims.pop('secret', SECRET))}"}


def test_an_api_key_answers_with_the_data_as_of_header(client, acme_key):
    response = client.get(
        f"{STATS}/engagement", params={"chatbot_id": BOT}, headers={"X-API-Key": acme_key}
    )
    assert response.status_code == 200
    assert response.json()["total_users"] == 2
    assert list(response.json())[:3] == ["timeframe_days", "start_date", "end_date"]
    assert response.headers["X-Data-As-Of"] == "2026-02-12T13:00:00Z"


def test_a_chatbot_without_data_has_no_data_as_of(client, acme_key):
    response = client.get(
        f"{STATS}/overview", params={"chatbot_id": EMPTY_BOT}, headers={"X-API-Key": acme_key}
    )
    assert response.status_code == 200
    assert "X-Data-As-Of" not in response.headers
    assert response.json()["saved_hours"] == "0.0"


def test_ab_test_is_present_exactly_when_enabled(client, acme_key):
    headers = {"X-API-Key": acme_key}
    with_ab = client.get(f"{STATS}/purchases", params={"chatbot_id": BOT}, headers=headers).json()
    assert with_ab["ab_test"]["test"] == {
        "visitors": 1,
        "orders": 1,
        "conversion_rate": 100.0,
        "aov": 10.0,
        "arpu": 10.0,
    }
    without = client.get(
        f"{STATS}/purchases", params={"chatbot_id": EMPTY_BOT}, headers=headers
    ).json()
    assert "ab_test" not in without


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "nonsense"},
        {"X-API-Key": "sk_000000000000_" + "a" * 43},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
        bearer(secret="another-secret-of-at-least-32-bytes"),
        bearer(exp=NOW - timedelta(days=3650)),
        bearer(exp=None),
    ],
    ids=[
        "none",
        "garbage-key",
        "unknown-key",
        "bad-jwt",
        "basic",
        "wrong-secret",
        "expired",
        "no-exp",
    ],
)
def test_bad_credentials_get_401_before_anything_else(client, headers):
    headers = {name: value for name, value in headers.items()}
    for params in ({"chatbot_id": BOT}, {"timeframe": "abc"}, {"chatbot_id": "unknown"}):
        response = client.get(f"{STATS}/overview", params=params, headers=headers)
        assert response.status_code == 401, (params, response.text)
        assert "detail" in response.json()


def test_a_valid_jwt_acts_for_its_subject(client):
    assert (
        client.get(f"{STATS}/overview", params={"chatbot_id": BOT}, headers=bearer()).status_code
        == 200
    )
    other = bearer(sub="globex")
    assert (
        client.get(f"{STATS}/overview", params={"chatbot_id": BOT}, headers=other).status_code
        == 404
    )


def test_a_revoked_key_gets_401(client, warehouse, acme_key):
    with psycopg.connect(warehouse.url, autocommit=True) as conn:
        assert revoke_key(conn, acme_key)
    response = client.get(
        f"{STATS}/overview", params={"chatbot_id": BOT}, headers={"X-API-Key": acme_key}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("chatbot_id", [OTHER_BOT, "no-such-bot", "nul\x00byte"])
def test_another_accounts_or_an_unknown_chatbot_is_404(client, acme_key, chatbot_id):
    response = client.get(
        f"{STATS}/popup-metrics", params={"chatbot_id": chatbot_id}, headers={"X-API-Key": acme_key}
    )
    assert (response.status_code, response.json()) == (404, {"detail": "chatbot not found"})


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("overview", {"chatbot_id": BOT, "timeframe": 0}),
        ("overview", {"chatbot_id": BOT, "timeframe": 366}),
        ("engagement", {"chatbot_id": BOT, "timeframe": "abc"}),
        ("purchases", {}),
        ("purchases", {"chatbot_id": "x" * 256}),
        ("daily", {"chatbot_id": BOT, "timeframe": 366}),
        ("conversation-insights", {"chatbot_id": BOT}),
        ("conversation-insights", {"chatbot_id": BOT, "timeframe": ""}),
        ("conversation-insights", {"chatbot_id": BOT, "timeframe": "5 fortnights"}),
        ("conversation-insights", {"chatbot_id": BOT, "timeframe": "d" * 51}),
    ],
)
def test_bad_parameters_get_422_in_fastapi_shape(client, acme_key, path, params):
    response = client.get(f"{STATS}/{path}", params=params, headers={"X-API-Key": acme_key})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and {"loc", "msg", "type"} <= detail[0].keys()


def test_insights_report_on_real_marts(client, acme_key):
    response = client.get(
        f"{STATS}/conversation-insights",
        params={"chatbot_id": BOT, "timeframe": "month"},
        headers={"X-API-Key": acme_key},
    )
    assert response.status_code == 200
    # c1 has messages but no analysis: not in the report.
    assert response.json()["total_conversations_analyzed"] == 0


def test_daily_lists_every_date_of_the_window_with_zeros_where_nothing_happened(client, acme_key):
    response = client.get(
        f"{STATS}/daily",
        params={"chatbot_id": BOT, "timeframe": 2},
        headers={"X-API-Key": acme_key},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["start_date"], body["end_date"]) == ("2026-02-10", "2026-02-12")
    assert [day["date"] for day in body["days"]] == ["2026-02-10", "2026-02-11", "2026-02-12"]
    first, second, third = body["days"]
    assert (first["total_users"], first["orders"], first["total_conversations"]) == (0, 0, 0)
    assert (second["total_users"], second["total_ai_messages"]) == (1, 2)
    assert (second["saved_hours"], third["saved_hours"]) == ("1.0", "0.0")
    assert (third["total_users_purchased"], third["total_revenue_purchased"]) == (1, 10.0)
    assert list(third) == [
        "date",
        "total_users",
        "total_users_approached",
        "total_users_opened",
        "total_users_chatted",
        "total_users_purchased",
        "total_users_chatted_purchased",
        "total_revenue_purchased",
        "total_revenue_chatted_purchased",
        "orders",
        "total_conversations",
        "total_ai_messages",
        "saved_hours",
    ]


def test_extreme_values_stored_in_the_marts_still_get_200(client, warehouse, acme_key):
    warehouse.execute(
        "update marts.funnel_days set revenue_eur = 1e400, chat_revenue_eur = 'NaN', "
        "count_valued_orders = 1"
    )
    warehouse.execute("update marts.visitor_days set revenue_eur = -1e400")
    warehouse.execute("update marts.conversation_days set capped_seconds = 1e500")
    warehouse.execute("update marts.conversation_activity_days set capped_seconds = 'Infinity'")
    for endpoint in ("overview", "engagement", "popup-metrics", "purchases", "daily"):
        response = client.get(
            f"{STATS}/{endpoint}",
            params={"chatbot_id": BOT, "timeframe": 30},
            headers={"X-API-Key": acme_key},
        )
        assert response.status_code == 200, (endpoint, response.text)
    purchases = client.get(
        f"{STATS}/purchases", params={"chatbot_id": BOT}, headers={"X-API-Key": acme_key}
    ).json()
    assert purchases["total_revenue_purchased"] == sys.float_info.max


def test_a_jwt_whose_sub_holds_nul_is_refused_not_an_error(client):
    for sub in ("acme\x00", "\x00", "a" * 10_000):
        response = client.get(
            f"{STATS}/overview", params={"chatbot_id": BOT}, headers=bearer(sub=sub)
        )
        assert response.status_code in (401, 404), response.text


def test_a_held_lock_makes_requests_answer_503_after_the_statement_timeout(warehouse, acme_key):
    upgrade(warehouse.url)
    settings = ServingSettings(analytics_now=NOW, statement_timeout=1.0)
    with (
        TestClient(create_app(warehouse.url, settings)) as client,
        psycopg.connect(warehouse.url) as locker,
    ):
        locker.execute("lock table marts.chatbots in access exclusive mode")  # held until rollback
        for _ in range(3):
            started = time.monotonic()
            response = client.get(
                f"{STATS}/overview", params={"chatbot_id": BOT}, headers={"X-API-Key": acme_key}
            )
            assert response.status_code == 503
            assert response.headers["Retry-After"]
            assert "did not answer within 1 s" in response.json()["detail"]
            assert time.monotonic() - started < 3
        locker.rollback()
        response = client.get(
            f"{STATS}/overview", params={"chatbot_id": BOT}, headers={"X-API-Key": acme_key}
        )
        assert response.status_code == 200


def test_past_the_queue_requests_get_503_overloaded_while_the_warehouse_is_up(warehouse, acme_key):
    """One connection, a queue of one: with the connection stuck behind a lock and one request
    waiting, the next is told the API is overloaded (not that the warehouse is unavailable)."""
    upgrade(warehouse.url)
    settings = ServingSettings(
        analytics_now=NOW, pool_size=1, queue_size=1, statement_timeout=3.0, warehouse_timeout=10
    )
    with (
        TestClient(create_app(warehouse.url, settings)) as client,
        psycopg.connect(warehouse.url) as locker,
        ThreadPoolExecutor(3) as threads,
    ):
        locker.execute("lock table marts.chatbots in access exclusive mode")

        def get():
            return client.get(
                f"{STATS}/overview", params={"chatbot_id": BOT}, headers={"X-API-Key": acme_key}
            )

        stuck = threads.submit(get)  # holds the one connection, blocked by the lock
        time.sleep(0.5)
        waiting = threads.submit(get)  # waits in the queue
        time.sleep(0.5)
        overloaded = get()
        assert overloaded.status_code == 503
        assert "overloaded" in overloaded.json()["detail"]
        assert overloaded.headers["Retry-After"]
        locker.rollback()
        assert {stuck.result().status_code, waiting.result().status_code} <= {200, 503}


def test_the_api_logs_in_as_a_role_that_can_only_read_marts(warehouse):
    upgrade(warehouse.url)  # as every command does: also on this copy of the template
    with psycopg.connect(api_url(warehouse.url), autocommit=True) as conn:
        assert conn.execute("select current_user, session_user").fetchone() == (
            "analytics_api",
            "analytics_api",
        )
        assert conn.execute("select count(*) from marts.funnel_days").fetchone()[0] > 0
        assert conn.execute("show statement_timeout").fetchone()[0] == "5s"
        escapes = [
            "set role none",
            "set role postgres",
            "set session authorization postgres",
            "reset role",
        ]
        for escape in escapes:
            with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
                conn.execute(escape)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select count(*) from raw.events")
        conn.execute("set default_transaction_read_only = off")  # still no writes
        refused = [
            "delete from marts.funnel_days",
            "insert into api.keys (account_id, key_id, key_sha256) values ('a', 'b', 'c')",
            "create table public.own (x int)",
            "create temp table own (x int)",
            "create table marts.own (x int)",
        ]
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_503_while_the_warehouse_is_down_and_answers_again_when_it_returns(tmp_path):
    server = EmbeddedPostgres(tmp_path / "own-server", port=free_port())
    url = server.acquire()
    try:
        upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("insert into marts.chatbots values ('b', 'acme', null, false, 1, 1)")
            key = create_key(conn, "acme")
        settings = ServingSettings(analytics_now=NOW, warehouse_timeout=1.0)
        with TestClient(create_app(url, settings)) as client:
            request = (f"{STATS}/overview", {"chatbot_id": "b"}, {"X-API-Key": key})

            def get():
                return client.get(request[0], params=request[1], headers=request[2])

            assert get().status_code == 200
            server.release()  # the last holder: the server stops
            down = get()
            assert down.status_code == 503
            assert "unavailable" in down.json()["detail"]
            server.acquire()
            deadline = time.monotonic() + 30
            while (status := get().status_code) != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert status == 200
    finally:
        server.release()


def test_the_callers_chatbots_are_listed(client, acme_key):
    response = client.get("/api/dashboard/chatbots", headers={"X-API-Key": acme_key})
    assert response.status_code == 200
    assert response.json() == [
        {"chatbot_id": BOT, "name": None, "ab_test_enabled": True},
        {"chatbot_id": EMPTY_BOT, "name": None, "ab_test_enabled": False},
    ]
    assert client.get("/api/dashboard/chatbots").status_code == 401


def test_openapi_has_short_operation_ids_and_declares_the_freshness_header(client):
    spec = client.get("/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for path in spec["paths"].values()
        for operation in path.values()
    }
    assert set(operations) == {
        "overview",
        "engagement",
        "popup_metrics",
        "purchases",
        "daily",
        "conversation_insights",
        "chatbots",
    }
    assert "X-Data-As-Of" in operations["overview"]["responses"]["200"]["headers"]


def test_cors_lets_the_configured_origins_read_the_answers(warehouse, acme_key):
    settings = ServingSettings(analytics_now=NOW, cors_origins=["http://dash.example"])
    with TestClient(create_app(warehouse.url, settings)) as client:
        preflight = client.options(
            f"{STATS}/overview",
            headers={
                "Origin": "http://dash.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "x-api-key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "http://dash.example"
        answer = client.get(
            f"{STATS}/overview",
            params={"chatbot_id": BOT},
            headers={"Origin": "http://dash.example", "X-API-Key": acme_key},
        )
        assert answer.headers["Access-Control-Allow-Origin"] == "http://dash.example"
        assert "x-data-as-of" in answer.headers["Access-Control-Expose-Headers"].lower()
        other = client.get(
            f"{STATS}/overview",
            params={"chatbot_id": BOT},
            headers={"Origin": "http://evil.example", "X-API-Key": acme_key},
        )
        assert "Access-Control-Allow-Origin" not in other.headers
