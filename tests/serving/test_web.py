"""What browsers get from the API beside the answers (SPEC 7): gzip, ETag and 304,
Cache-Control, the OpenAPI's declaration of those headers, and the pages served from installed
files (dashboard, /docs, /redoc) without a reference to the internet."""

import re

import pytest

from tests.pipelines.conftest import BOT, at, ev
from tests.serving.world import STATS

PAGES = ["/", "/docs", "/redoc"]


def test_an_unchanged_answer_is_304_and_a_changed_one_gets_a_new_etag(client, warehouse, acme_key):
    headers = {"X-API-Key": acme_key}
    params = {"chatbot_id": BOT, "timeframe": 30}
    first = client.get(f"{STATS}/engagement", params=params, headers=headers)
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    assert first.headers["Cache-Control"].startswith("private, max-age=")
    assert "X-API-Key" in first.headers["Vary"]

    again = client.get(
        f"{STATS}/engagement", params=params, headers={**headers, "If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == tag
    assert again.headers["X-Data-As-Of"] == first.headers["X-Data-As-Of"]
    listed = client.get(
        f"{STATS}/engagement",
        params=params,
        headers={**headers, "If-None-Match": f'W/"other", {tag.removeprefix("W/")}'},
    )
    assert listed.status_code == 304  # weak comparison, any tag of the list

    other_query = client.get(
        f"{STATS}/engagement",
        params={**params, "timeframe": 7},
        headers={**headers, "If-None-Match": tag},
    )
    assert other_query.status_code == 200
    assert other_query.headers["ETag"] != tag

    warehouse.load("events", [ev("visitor", "user_cccc2", at(0))])
    warehouse.refresh()
    changed = client.get(
        f"{STATS}/engagement", params=params, headers={**headers, "If-None-Match": tag}
    )
    assert changed.status_code == 200
    assert changed.json()["total_users"] == first.json()["total_users"] + 1
    assert changed.headers["ETag"] != tag


def test_errors_carry_no_etag_and_are_never_304(client, acme_key):
    response = client.get(
        f"{STATS}/engagement",
        params={"chatbot_id": "unknown"},
        headers={"X-API-Key": acme_key, "If-None-Match": "*"},
    )
    assert response.status_code == 404
    assert "ETag" not in response.headers
    assert client.get(f"{STATS}/engagement", params={"chatbot_id": BOT}).status_code == 401


def test_large_answers_are_gzipped_small_ones_are_not(client, acme_key):
    headers = {"X-API-Key": acme_key, "Accept-Encoding": "gzip"}
    params = {"chatbot_id": BOT, "timeframe": 90}
    large = client.get(f"{STATS}/daily", params=params, headers=headers)
    assert large.headers["Content-Encoding"] == "gzip"
    assert int(large.headers["Content-Length"]) < len(large.content) / 5
    plain = client.get(
        f"{STATS}/daily", params=params, headers={**headers, "Accept-Encoding": "identity"}
    )
    assert "Content-Encoding" not in plain.headers
    assert large.json() == plain.json()
    assert large.headers["ETag"] == plain.headers["ETag"]
    small = client.get(f"{STATS}/overview", params={"chatbot_id": BOT}, headers=headers)
    assert "Content-Encoding" not in small.headers


def test_openapi_declares_the_caching_headers_and_304(client):
    spec = client.get("/openapi.json").json()
    for path in (f"{STATS}/overview", "/api/dashboard/chatbots"):
        operation = spec["paths"][path]["get"]
        assert {"ETag", "Cache-Control"} <= set(operation["responses"]["200"]["headers"])
        assert "304" in operation["responses"]
        assert "if-none-match" in {p["name"].lower() for p in operation["parameters"]}


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_only_files_of_the_service(client, path):
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    referenced = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
    assert referenced, "the page references its scripts and styles"
    for url in referenced:
        assert not re.match(r"(?i)^(https?:)?//", url), f"{path} loads {url} from the internet"
        if url.startswith("/"):
            assert client.get(url).status_code == 200, url
