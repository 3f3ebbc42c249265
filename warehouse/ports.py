"""Local TCP ports: the one helper that finds a free one."""

import socket


def is_free(port: int) -> bool:
    """Whether nothing listens on the port (connections of a stopped server waiting out their
    TIME_WAIT do not count: servers bind with SO_REUSEADDR, as this probe does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(preferred: int | None = None) -> int:
    """`preferred` when it is free, else any free port of 127.0.0.1."""
    if preferred and is_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
