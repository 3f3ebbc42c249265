"""`analytics collect` in its own process, started and stopped (by PID) by the test or
benchmark that needs it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from warehouse.ports import free_port

ANALYTICS = str(Path(sys.executable).parent / "analytics")


class CollectorProcess:
    def __init__(self, url: str, landing: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.landing = landing
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "ANALYTICS_LANDING_DIR": str(landing),
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [ANALYTICS, "collect", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read()
            try:
                httpx.get(f"{self.base}/healthz", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the collector did not start within 60 s")

    def kill(self) -> None:
        """kill -9: no shutdown of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def events_files(self) -> list[Path]:
        return sorted((self.landing / "events").glob("*.jsonl"))
