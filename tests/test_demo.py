"""`analytics demo` as a user runs it: it brings the API, its dashboard, the Dagster UI and the
tracking collector up, prints working curl lines and the dashboard's signed-in URL, the numbers
move by themselves (live traffic through the collector, the landing folder and the sensors),
and SIGTERM stops every process it started."""

import os
import re
import shlex
import signal
import subprocess
import time

import httpx
import pytest

from tests.test_cli import ANALYTICS


@pytest.mark.slow
def test_demo_serves_printed_curls_and_stops_everything_on_sigterm(db_url, tmp_path):
    demo = subprocess.Popen(
        [
            ANALYTICS,
            "demo",
            "--days",
            "3",
            "--chatbots",
            "2",
            "--visitors-per-day",
            "20",
            "--api-port",
            "0",
            "--dagster-port",
            "0",
            "--collector-port",
            "0",
        ],
        env={**os.environ, "DATABASE_URL": db_url, "ANALYTICS_LANDING_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, "the demo ended early:\n" + "".join(output)
            output.append(line)
            if line.startswith("Ctrl-C stops everything"):
                break
        curls = [line for line in output if line.startswith("curl -s -H")]
        assert len(curls) == 5
        urls = {
            "api": _url_after("API:", output),
            "dagster": _url_after("Dagster UI:", output),
            "collector": _url_after("Collector:", output),
        }
        for curl in curls:
            words = shlex.split(curl)
            header, url = words[words.index("-H") + 1], words[-1]
            name, value = header.split(": ", 1)
            response = httpx.get(url, headers={name: value}, timeout=30)
            assert response.status_code == 200, response.text
        assert httpx.get(urls["dagster"], timeout=30).status_code == 200
        dashboard = _url_after("Dashboard:", output)
        page, fragment = dashboard.split("#", 1)
        assert fragment == f"key={value}"  # the key of the curl lines, never in the query
        assert "<title>Selzee Analytics</title>" in httpx.get(page, timeout=30).text
        # Alive: the printed tracking curl is accepted, and the data moves with nobody acting.
        [track] = [line for line in output if line.startswith("curl -s -X POST")]
        posted = subprocess.run(shlex.split(track), capture_output=True, text=True, timeout=30)
        assert '"status":"accepted"' in posted.stdout, posted.stdout
        overview = shlex.split(curls[0])[-1]
        first = httpx.get(overview, headers={name: value}, timeout=30).headers["X-Data-As-Of"]
        # The sensors' ticks and two Dagster runs: about a minute here, several on a busy machine.
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            time.sleep(5)
            now = httpx.get(overview, headers={name: value}, timeout=30).headers["X-Data-As-Of"]
            if now > first:
                break
        assert now > first, f"X-Data-As-Of stayed at {first}"
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    for url in urls.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=2)


def _url_after(label: str, output: list[str]) -> str:
    line = next(line for line in output if line.startswith(label))
    return re.search(r"(http://\S+)", line).group(1)
