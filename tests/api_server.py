"""The real API in its own process, and the rule for comparing its answers (the shared
fixtures' README): used by the acceptance tests and the benchmarks (a test and benchmark
helper: httpx is a dev dependency)."""

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx

from warehouse.ports import free_port

ANALYTICS = str(Path(sys.executable).parent / "analytics")
FLOAT_TOLERANCE = 0.011


class ApiServer:
    """`analytics serve` in its own process, stopped by the test that started it."""

    def __init__(
        self, url: str, now: str, command: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        """`command`: run this instead of `analytics serve` ({port} replaced); `env`: more
        environment for it."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [ANALYTICS, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if command:
            argv = shlex.split(command.format(port=self.port))
        env = {**os.environ, **(env or {}), "DATABASE_URL": url, "ANALYTICS_NOW": now}
        self.process = start_server(argv, env, f"{self.base}/openapi.json", "the API")

    def stop(self) -> None:
        stop_server(self.process)


def start_server(argv: list[str], env: dict[str, str], ready_url: str, what: str):
    """A server process of ours, once `ready_url` answers (its stderr in the failure)."""
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            httpx.get(ready_url, timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    stop_server(process)
    raise AssertionError(f"{what} did not start within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def same(expected, actual) -> bool:
    """The fixture README: floats within 0.011, the rest exact, keys exact, lists in order."""
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(same(expected[key], actual[key]) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(same(e, a) for e, a in zip(expected, actual))
        )
    if isinstance(expected, float):
        return (
            isinstance(actual, int | float)
            and not isinstance(actual, bool)
            and abs(expected - actual) <= FLOAT_TOLERANCE
        )
    return type(expected) is type(actual) and expected == actual
