"""The collector under load: `python -m bench.collector [--rates 2000,5000,8000] [--seconds 20]`.

Starts `analytics collect` (rate limit lifted, fsync as always) on a landing folder of its own,
then for each rate sends tracking events at that rate for `--seconds`, open loop: each request
has its scheduled instant and its latency counts from that instant, so a stalled server cannot
hide its queue (no coordinated omission). The client is plain asyncio over keep-alive
connections (uvloop), light enough to share the 2 cores. Reports per rate the accepted events
a second, latency percentiles, the collector's CPU and peak RSS; and the freshness lag: with
the defaults and no person acting (`analytics dagster`: UI, daemon, sensors), the time from a
202 to the stats endpoints' X-Data-As-Of covering the event.

Writes bench/results/collector.json. Figures, not pass/fail: tests never assert timings.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

from bench.common import BENCH
from tests.collector_process import CollectorProcess
from warehouse.connection import warehouse_url, with_database

CONNECTIONS = 64
WARMUP_SECONDS = 3


def _event(number: int) -> bytes:
    return json.dumps(
        {
            "event": "visitor",
            "token": f"user_{number % 50_000:08d}",
            "ab_test": False,
            "data": {"chatbot_id": "bench-bot", "url": "https://shop.example/p/1"},
        }
    ).encode()


def _request(body: bytes, port: int) -> bytes:
    head = (
        f"POST /api/analytics/track HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def run_rate(port: int, rate: float, seconds: float) -> dict:
    """Send at `rate` a second for WARMUP_SECONDS + `seconds`; measure the last `seconds`."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = loop.time() + 0.2
    measure_from = start + WARMUP_SECONDS
    end = measure_from + seconds
    interval = CONNECTIONS / rate  # each connection sends every `interval` seconds

    async def connection(number: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        scheduled = start + number * interval / CONNECTIONS
        sent = number
        while scheduled < end:
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(_request(_event(sent), port))
            status = await _read_response(reader)
            done = loop.time()
            if scheduled >= measure_from:
                latencies.append((done - scheduled) * 1000)
                statuses[status] += 1
            scheduled += interval
            sent += CONNECTIONS
        writer.close()

    await asyncio.gather(*(connection(number) for number in range(CONNECTIONS)))
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {
        "rate_sent": rate,
        "accepted_per_second": round(statuses[202] / seconds, 1),
        "requests": len(ordered),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "latency_ms": {
            "p50": percentile(0.50),
            "p90": percentile(0.90),
            "p99": percentile(0.99),
            "max": round(ordered[-1], 1),
            "mean": round(statistics.fmean(ordered), 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.collector")
    parser.add_argument("--rates", default="2000,5000,7000")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    import uvloop

    rates = [float(rate) for rate in args.rates.split(",")]
    results = []
    with (
        warehouse_url() as server,
        tempfile.TemporaryDirectory(prefix="collector-bench-") as landing,
    ):
        collector = CollectorProcess(
            with_database(server, "bench_collector"),
            Path(landing),
            {"ANALYTICS_COLLECT_RATE_LIMIT": "0"},
        )
        try:
            watched = psutil.Process(collector.process.pid)
            for rate in rates:
                cpu_before = watched.cpu_times()
                wall = time.perf_counter()
                result = uvloop.run(run_rate(collector.port, rate, args.seconds))
                cpu_after = watched.cpu_times()
                elapsed = time.perf_counter() - wall
                result["collector_cpu_cores"] = round(
                    (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system)
                    / elapsed,
                    2,
                )
                result["collector_rss_mb"] = round(watched.memory_info().rss / 2**20, 1)
                print(json.dumps(result), flush=True)
                results.append(result)
        finally:
            collector.stop()
        lines = sum(path.read_bytes().count(b"\n") for path in collector.events_files())
    accepted = sum(result["statuses"].get("202", 0) for result in results)
    print(f"lines in the landing folder: {lines:,} (measured 202s: {accepted:,})")
    report = {"machine": f"{os.cpu_count()} cores", "connections": CONNECTIONS, "rates": results}
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "collector.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
