"""Every shared fixture, end to end through the real components: load its inputs with the
`analytics` command into a fresh database, refresh through Dagster, serve the real API on a free
port with the fixture's ANALYTICS_NOW, replay every request of expected.json and compare as the
fixture's README says. Then again, loading inputs/batches/ one batch at a time with a refresh
after each."""

import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.api_server import ApiServer, same
from tests.conftest import FIXTURES, create_database, drop_database
from tests.test_cli import ANALYTICS
from warehouse.validation import KINDS

FIXTURE_DIRS = sorted(path for path in FIXTURES.glob("*") if (path / "expected.json").exists())
assert FIXTURE_DIRS, f"no fixtures under {FIXTURES}"
WRONG_KEY = "sk_000000000000_" + "x" * 43
BAD_BEARER = "Bearer not.a.jwt"


def analytics(url: str, *args: str, **env: str) -> str:
    result = subprocess.run(
        [ANALYTICS, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "DATABASE_URL": url},
        timeout=600,
    )
    assert result.returncode == 0, f"analytics {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result.stdout


def load_folder(url: str, folder: Path) -> None:
    for kind in KINDS:
        files = sorted(folder.glob(f"{kind}.jsonl*"))
        if files:
            analytics(url, "load", kind, *map(str, files))


def fixture_now(fixture: Path) -> str:
    match = re.search(r"ANALYTICS_NOW=([0-9TZ:.+-]+)", (fixture / "README.md").read_text())
    assert match, "the fixture README names no ANALYTICS_NOW"
    return match.group(1)


def credentials(account: str | None, keys: dict[str, str]) -> dict[str, str]:
    if account is None:
        return {}
    if account == "!wrong-key":
        return {"X-API-Key": WRONG_KEY}
    if account == "!bad-bearer":
        return {"Authorization": BAD_BEARER}
    return {"X-API-Key": keys[account]}


def replay(base: str, cases: list[dict], keys: dict[str, str]) -> list[str]:
    """Every case that does not match, described."""
    mismatches = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for case in cases:
            request = case["request"]
            response = client.get(
                request["path"],
                params=request["params"],
                headers=credentials(request["account"], keys),
            )
            problem = None
            if response.status_code != case["status"]:
                problem = (
                    f"status {response.status_code} != {case['status']}: {response.text[:300]}"
                )
            elif case["status"] != 200:
                if "detail" not in response.json():
                    problem = f"no JSON detail: {response.text[:300]}"
            elif not same(case["body"], response.json()):
                problem = f"body {response.text[:600]} != {json.dumps(case['body'])[:600]}"
            else:
                problem = _data_as_of_problem(case["data_as_of"], response.headers)
            if problem:
                mismatches.append(f"{request['path']} {request['params']}: {problem}")
    return mismatches


def _data_as_of_problem(expected: str | None, headers: httpx.Headers) -> str | None:
    actual = headers.get("X-Data-As-Of") or None
    if expected is None:
        return None if actual is None else f"X-Data-As-Of {actual} for a chatbot without data"
    if actual is None:
        return f"X-Data-As-Of missing, expected {expected}"
    if datetime.fromisoformat(actual) != datetime.fromisoformat(expected):
        return f"X-Data-As-Of {actual} != {expected}"
    return None


def check_fixture(url: str, fixture: Path) -> None:
    cases = json.loads((fixture / "expected.json").read_text())
    accounts = {case["request"]["account"] for case in cases}
    keys = {
        account: analytics(url, "keys", "create", "--account", account).strip()
        for account in accounts
        if account and not account.startswith("!")
    }
    server = ApiServer(url, fixture_now(fixture))
    try:
        mismatches = replay(server.base, cases, keys)
    finally:
        server.stop()
    assert not mismatches, f"{len(mismatches)} of {len(cases)} cases differ:\n" + "\n".join(
        mismatches[:20]
    )


@pytest.fixture
def fresh_url(server_url: str, template_db: str):
    url = create_database(server_url, template_db)
    yield url
    drop_database(server_url, url)


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=[path.name for path in FIXTURE_DIRS])
def test_one_load_answers_every_request(fixture: Path, fresh_url: str):
    load_folder(fresh_url, fixture / "inputs")
    analytics(fresh_url, "refresh")
    check_fixture(fresh_url, fixture)


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=[path.name for path in FIXTURE_DIRS])
def test_batches_with_refreshes_answer_every_request(fixture: Path, fresh_url: str):
    batches = sorted(
        (fixture / "inputs" / "batches").glob("*"), key=lambda p: (len(p.name), p.name)
    )
    assert batches, "the fixture has no batches"
    for batch in batches:
        load_folder(fresh_url, batch)
        analytics(fresh_url, "refresh")
    check_fixture(fresh_url, fixture)
