"""`analytics collect` in its own process, started and stopped (by PID) by the test or
benchmark that needs it."""

import os
import signal
import subprocess
from pathlib import Path

from tests.api_server import ANALYTICS, start_server, stop_server
from warehouse.ports import free_port


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
        argv = [ANALYTICS, "collect", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = start_server(argv, self.env, f"{self.base}/healthz", "the collector")

    def kill(self) -> None:
        """kill -9: no shutdown of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        stop_server(self.process)

    def events_files(self) -> list[Path]:
        return sorted((self.landing / "events").glob("*.jsonl"))
