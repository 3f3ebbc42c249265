"""Processes a command starts and stops: the API, the Dagster UI and daemon."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from warehouse.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent


def wait_until_up(url: str, process: subprocess.Popen, seconds: float) -> bool:
    """Whether `url` answered within `seconds` while `process` kept running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(URLError, ConnectionError, TimeoutError):
            urlopen(url, timeout=1).close()  # noqa: S310 - our own local server
            return True
        time.sleep(0.2)
    return False


def _restore_sigint() -> None:
    # A child started from a script inherits SIGINT ignored; dagster dev then ignores SIGTERM
    # too and orphans its webserver and daemon. Give it the default back.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def child(
    args: list[str], env: dict[str, str], stop_signal: int, quiet: bool = True
) -> Iterator[subprocess.Popen]:
    """A child process in its own process group, stopped (group and all) when the block ends."""
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        args,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=output,
        stderr=output,
        start_new_session=True,
        preexec_fn=_restore_sigint,  # noqa: PLW1509 - no threads yet in the child
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, stop_signal)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything of the group still left


def dagster_dev(port: int) -> list[str]:
    """The Dagster UI with its daemon, on the project's definitions."""
    return [
        str(BIN / "dagster"),
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]


def dagster_env(warehouse_url: str) -> dict[str, str]:
    """The environment of a Dagster process: the warehouse, and the instance's home."""
    from pipelines.instance import prepare_instance

    home = prepare_instance(warehouse_url)
    return {**os.environ, "DATABASE_URL": warehouse_url, "DAGSTER_HOME": str(home)}
