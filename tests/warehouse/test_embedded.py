"""The embedded PostgreSQL: start, share, stop, and adopt a server left by a crash."""

import os
import signal
import subprocess
import sys
import textwrap
from urllib.parse import urlsplit

import psycopg
import pytest

from warehouse.connection import socket_url
from warehouse.embedded import MIB, EmbeddedPostgres, machine_memory, shared_buffers_mb


@pytest.fixture
def server(tmp_path_factory):
    # A folder of its own under /tmp, reachable by the server's account when we are root.
    root = tmp_path_factory.mktemp("embedded")
    os.chmod(root, 0o755)
    for parent in root.parents:
        if str(parent).startswith("/tmp/"):
            os.chmod(parent, 0o755)
    return EmbeddedPostgres(root / "data")


def alive(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("select 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_acquire_starts_a_server_and_release_stops_it(server):
    url = server.acquire()
    assert alive(url)
    server.release()
    assert not alive(url)


def test_the_server_caches_an_eighth_of_the_memory_from_256_mb_to_1_gb(server):
    assert shared_buffers_mb(1024 * MIB) == 256
    assert shared_buffers_mb(4096 * MIB) == 512
    assert shared_buffers_mb(64 * 1024 * MIB) == 1024
    url = server.acquire()
    try:
        with psycopg.connect(url) as conn:
            (setting,) = conn.execute(
                "select setting::bigint * 8192 from pg_settings where name = 'shared_buffers'"
            ).fetchone()
        assert setting == shared_buffers_mb(machine_memory()) * MIB
    finally:
        server.release()


def test_its_socket_url_reaches_the_same_server_through_the_unix_socket(server):
    url = server.acquire()
    try:
        through_socket = server.socket_url(url)
        assert through_socket != url
        with psycopg.connect(through_socket) as conn:
            # No server address: a Unix-socket connection.
            assert conn.execute("select inet_server_addr()").fetchone() == (None,)
        (server.socket_dir / f".s.PGSQL.{urlsplit(url).port}").rename(server.socket_dir / "moved")
        try:
            assert server.socket_url(url) == url  # no socket there: TCP as given
        finally:
            (server.socket_dir / "moved").rename(
                server.socket_dir / f".s.PGSQL.{urlsplit(url).port}"
            )
    finally:
        server.release()


def test_only_the_embedded_servers_urls_go_through_its_socket(server, monkeypatch):
    url = server.acquire()
    try:
        monkeypatch.setenv("ANALYTICS_DATA_DIR", str(server.root))
        assert socket_url(url) == server.socket_url(url) != url
        other = url.replace(f":{urlsplit(url).port}/", ":5432/")  # another server: as given
        assert socket_url(other) == other
    finally:
        server.release()


def test_the_server_keeps_running_while_another_command_holds_it(server):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        url = server.acquire()
        (server.holders_dir / str(holder.pid)).touch()  # another live command holds it
        server.release()
        assert alive(url)
    finally:
        holder.kill()
        holder.wait()
    server.acquire()
    server.release()  # the other holder is gone: the last one out stops the server
    assert not alive(url)


def test_a_server_left_by_a_killed_command_is_adopted_and_stopped(server):
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from warehouse.embedded import EmbeddedPostgres
        print(EmbeddedPostgres(Path({str(server.root)!r})).acquire(), flush=True)
        time.sleep(60)
    """)
    crashed = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    url = crashed.stdout.readline().strip()
    crashed.send_signal(signal.SIGKILL)
    crashed.wait()
    assert alive(url)  # left behind
    assert server.acquire() == url  # adopted: same server, same port
    server.release()
    assert not alive(url)
