"""`analytics serve --workers N`: N API processes, each with a listening socket of its own on
the same port (SO_REUSEPORT), so that the kernel spreads new connections evenly over them.

One shared socket (uvicorn's own `workers`) hands most keep-alive connections to whichever
process woke first: under 64 clients one process held far more connections than the other and
its queue set the tail latency (bench/serving.py, docs/performance.md).
"""

import gc
import multiprocessing
import os
import signal
import socket

from serving.main import SERVE_URL_VARIABLE

MAX_REQUEST_HEAD_BYTES = 16 * 1024  # request line and headers; larger: 400, connection closed


def _socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _worker(url: str, host: str, port: int, log_level: str) -> None:
    import uvicorn

    import serving.main  # noqa: F401 - imported before the freeze below

    gc.freeze()  # what the imports built is never walked by the collector again
    os.environ[SERVE_URL_VARIABLE] = url
    config = uvicorn.Config("serving.main:app_from_environment", factory=True, log_level=log_level)
    uvicorn.Server(config).run(sockets=[_socket(host, port)])


def serve(url: str, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Run the API until SIGINT or SIGTERM, in this process or in `workers` processes."""
    if workers <= 1:
        _worker(url, host, port, log_level)
        return
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(url, host, port, log_level), name=f"api-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()

    def stop(signum, frame) -> None:
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.join()
    finally:
        stop(None, None)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
