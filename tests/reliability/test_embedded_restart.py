"""An outage of the embedded PostgreSQL under a running `analytics serve`: the next command
starts the server again on the same port, and the API answers again without a restart."""

import os
import subprocess
import time

import httpx
import pytest

from tests.api_server import ANALYTICS
from tests.warehouse.test_embedded import server  # noqa: F401 - the fixture
from warehouse.ports import free_port

STATS = "/api/dashboard/analytics/stats"


@pytest.mark.slow
def test_the_api_answers_again_after_the_server_was_restarted_by_another_command(
    server,  # noqa: F811
):
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "ANALYTICS_DATA_DIR": str(server.root),
    }

    def analytics(*args: str) -> str:
        result = subprocess.run(
            [ANALYTICS, *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    key = analytics("keys", "create", "--account", "acme")
    port = free_port()
    api = subprocess.Popen(
        [ANALYTICS, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def status(timeout: float = 5) -> int | None:
        try:
            response = httpx.get(
                f"{base}{STATS}/overview",
                params={"chatbot_id": "none"},
                headers={"X-API-Key": key},
                timeout=timeout,
            )
        except httpx.TransportError:
            return None
        return response.status_code

    def wait_for(expected: int, seconds: float) -> int | None:
        deadline = time.monotonic() + seconds
        while (answer := status()) != expected and time.monotonic() < deadline:
            time.sleep(0.2)
        return answer

    try:
        assert wait_for(404, 60) == 404  # up: a chatbot nobody has
        port_before = server.port_file.read_text()
        server.stop_now()  # the outage
        # A process whose pooled connections are gone waits up to ANALYTICS_API_WAIT_S (5 s)
        # for a new one before it answers 503.
        assert status(timeout=20) == 503
        analytics("db", "upgrade")  # another command: starts the server again
        assert server.port_file.read_text() == port_before
        # The API is one of the server's holders: the server keeps running after that command.
        started = time.monotonic()
        assert wait_for(404, 10) == 404
        assert time.monotonic() - started < 10
    finally:
        api.terminate()
        api.wait(timeout=30)
