"""`analytics serve` bounds what a request may send before the app sees it."""

import contextlib
import socket

import pytest

from serving.main import MAX_HEADER_BYTES
from tests.api_server import ApiServer


def send(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        with contextlib.suppress(OSError):  # the server may close before it took everything
            conn.sendall(head)
        try:
            return conn.recv(200)
        except OSError:
            return b""


@pytest.mark.slow
def test_request_headers_over_the_bound_are_refused(db_url):
    api = ApiServer(db_url, "2026-02-24T12:00:00Z")
    try:
        request = (
            b"GET /api/dashboard/analytics/stats/overview?chatbot_id=x HTTP/1.1\r\nHost: x\r\n"
        )
        small = send(api.port, request + b"X-Note: " + b"a" * 1000 + b"\r\n\r\n")
        assert small.startswith(b"HTTP/1.1 401")
        for size in (MAX_HEADER_BYTES + 1, 10 * 1024 * 1024):
            big = send(api.port, request + b"X-Big: " + b"a" * size + b"\r\n\r\n")
            assert big.startswith(b"HTTP/1.1 431"), big[:100]
    finally:
        api.stop()
